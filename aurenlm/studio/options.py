"""Studio kinds and their options, checked once so generators and cache keys see the same clean values."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

REPORT_KINDS = ('study_guide', 'briefing', 'faq', 'timeline')
REPORT_LABELS = {'study_guide': 'Study guide', 'briefing': 'Briefing', 'faq': 'FAQ', 'timeline': 'Timeline'}
KINDS = ('mindmap', 'quiz', 'flashcards', *REPORT_KINDS)
KIND_LABELS = {
    'mindmap': 'Mind map',
    'quiz': 'Quiz',
    'flashcards': 'Flashcards',
    'study_guide': 'Study guide',
    'briefing': 'Briefing doc',
    'faq': 'FAQ',
    'timeline': 'Timeline',
}
DIFFICULTIES = ('easy', 'normal', 'hard')

# (minimum, default, maximum) number of items per kind
COUNTS = {'quiz': (5, 10, 20), 'flashcards': (5, 20, 40)}


class StudioError(ValueError):
    """A studio request that cannot be served; the message is shown to the user and says what to do."""


@dataclass(frozen=True)
class StudioOptions:
    kind: str
    count: int = 0  # quiz and flashcards only
    difficulty: str = 'normal'  # quiz only
    title: str | None = None  # the notebook or selection title, used as the artifact's title
    focus: str = ''  # the user's steer for the model ("focus on chapter 2"); the offline engine ignores it

    def cache_fields(self) -> dict[str, Any]:
        return asdict(self)


def parse_options(kind: str, options: dict[str, Any] | None) -> StudioOptions:
    """Validate the options for a kind; counts are clamped into range, unknown values are refused."""
    if kind not in KINDS:
        raise StudioError(f'Unknown studio output "{kind}". Choose one of: {", ".join(KINDS)}.')
    options = options or {}
    count = 0
    if kind in COUNTS:
        low, default, high = COUNTS[kind]
        raw = options.get('count', default)
        try:
            count = int(raw)
        except (TypeError, ValueError):
            raise StudioError(f'The number of items must be a whole number from {low} to {high}.') from None
        count = max(low, min(high, count))
    difficulty = str(options.get('difficulty') or 'normal')
    if kind == 'quiz' and difficulty not in DIFFICULTIES:
        raise StudioError(f'Unknown difficulty "{difficulty}". Choose easy, normal or hard.')
    if kind != 'quiz':
        difficulty = 'normal'
    title = ' '.join(str(options.get('title') or '').split())[:200] or None
    focus = ' '.join(str(options.get('focus') or '').split())[:500]
    return StudioOptions(kind=kind, count=count, difficulty=difficulty, title=title, focus=focus)
