"""Studio: mind maps, quizzes, flashcards and reports from the selected sources, offline or through the model.

Pure functions and schemas only; storing artifacts, jobs and caching live elsewhere.
"""

from aurenlm.studio.generate import cache_key, generate, run_offline
from aurenlm.studio.grading import grade, public_quiz
from aurenlm.studio.inputs import StudioChunk, StudioSource
from aurenlm.studio.options import KINDS, REPORT_KINDS, StudioError, StudioOptions, parse_options
from aurenlm.studio.prompts import PROMPT_VERSION
from aurenlm.studio.schemas import (
    Card,
    Cite,
    Flashcards,
    Grade,
    MindMap,
    MindNode,
    Question,
    Quiz,
    Report,
    assign_ids,
)

__all__ = [
    'KINDS',
    'PROMPT_VERSION',
    'REPORT_KINDS',
    'Card',
    'Cite',
    'Flashcards',
    'Grade',
    'MindMap',
    'MindNode',
    'Question',
    'Quiz',
    'Report',
    'StudioChunk',
    'StudioError',
    'StudioOptions',
    'StudioSource',
    'assign_ids',
    'cache_key',
    'generate',
    'grade',
    'parse_options',
    'public_quiz',
    'run_offline',
]
