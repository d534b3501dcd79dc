"""Reports (study guide, briefing doc, FAQ, timeline): Markdown with HTML off, citation chips that open the source,
a list of the cited passages, and a Markdown download. Also the citation chip the quiz and flashcards share."""

from __future__ import annotations

from typing import Any

from nicegui import ui

from aurenlm import repos
from aurenlm.models import Artifact
from aurenlm.sharing.roles import Capability
from aurenlm.studio import Report, artifacts
from components.markdown_view import CiteInfo, MarkdownView
from components.mindmap import file_stem
from components.notebook_state import NotebookState
from components.notes_pane import save_artifact_as_note


def source_titles(state: NotebookState) -> dict[str, str]:
    return {source.id: source.title for source in repos.sources.list_for(state.user, state.notebook.id)}


def open_citation(state: NotebookState, cite: dict[str, Any]) -> None:
    if state.open_source is None:
        ui.notify('The source viewer is not available here.', type='info')
        return
    state.open_source(cite['source_id'], chunk_id=cite.get('chunk_id'), page=cite.get('page'), quote=cite.get('quote'))


def citation_chip(state: NotebookState, cite: dict[str, Any], titles: dict[str, str]) -> ui.chip:
    """A chip naming the source and page; it opens the viewer at the passage, the quote shows on hover."""
    title = titles.get(cite['source_id'], 'A removed source')
    chip = ui.chip(
        f'{title} · p. {cite.get("page", 1)}',
        icon='format_quote',
        on_click=lambda: open_citation(state, cite),
    ).props('clickable outline dense color=primary')
    chip.classes('text-xs max-w-full')
    chip.props['aria-label'] = f'Open the passage in {title}, page {cite.get("page", 1)}'
    if cite.get('quote'):
        chip.tooltip(cite['quote'][:400])
    return chip.mark('citation-chip')


def report_markdown(report: Report, titles: dict[str, str]) -> str:
    """The report with its cited passages listed at the end, as a Markdown file."""
    lines = [report.markdown.rstrip(), '', '## Sources', '']
    for n, cite in enumerate(report.citations, start=1):
        title = titles.get(cite.source_id, 'A removed source')
        quote = ' '.join(cite.quote.split())
        lines.append(f'{n}. {title}, page {cite.page}: “{quote}”')
    return '\n'.join(lines) + '\n'


class ReportView:
    def __init__(self, state: NotebookState, artifact: Artifact) -> None:
        self.state = state
        self.artifact_id = artifact.id
        self.report = Report.model_validate(artifacts.public_data(artifact))
        self.titles = source_titles(state)
        cites = {
            n: CiteInfo(
                marker=n,
                source_id=cite.source_id,
                source_title=self.titles.get(cite.source_id, 'A removed source'),
                page=cite.page,
                quote=cite.quote,
                chunk_id=cite.chunk_id,
            )
            for n, cite in enumerate(self.report.citations, start=1)
        }
        with ui.column().classes('w-full max-w-3xl mx-auto gap-3 px-6 py-4').mark('report-view'):
            with ui.row().classes('w-full justify-end gap-2'):
                for text, icon, action, marker in (
                    ('Save as note', 'note_add', self.save_as_note, 'report-save-note'),
                    ('Download Markdown', 'download', self.download, 'report-download'),
                ):
                    if marker == 'report-save-note' and not state.can(Capability.WRITE_NOTES):
                        continue  # a viewer reads reports; writing notes is an editor's
                    ui.button(text, icon=icon, on_click=action).props('flat dense no-caps size=sm').mark(marker)
            MarkdownView(self.report.markdown, cites, on_cite=self.cited)
            if self.report.citations:
                ui.separator()
                ui.label('Cited passages').classes('auren-pane-title')
                for n, cite in enumerate(self.report.citations, start=1):
                    with ui.row().classes('w-full no-wrap items-start gap-2').mark('report-citation'):
                        ui.label(f'{n}').classes('text-xs font-semibold text-primary w-5 text-right mt-1')
                        with ui.column().classes('flex-grow min-w-0 gap-1'):
                            ui.label(' '.join(cite.quote.split())).classes('text-sm text-slate-600 break-words')
                            citation_chip(state, cite.model_dump(), self.titles)

    def cited(self, marker: int) -> None:
        if 1 <= marker <= len(self.report.citations):
            open_citation(self.state, self.report.citations[marker - 1].model_dump())

    def save_as_note(self) -> None:
        """The report with its citations becomes a note; it appears in the Notes list through the notes event."""
        save_artifact_as_note(self.state, self.artifact_id)

    def download(self) -> None:
        text = report_markdown(self.report, self.titles)
        ui.download.content(text.encode('utf-8'), f'{file_stem(self.report.title)}.md', 'text/markdown')
