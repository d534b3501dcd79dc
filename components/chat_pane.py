"""The Chat pane: the conversation, suggested questions, and an input whose Send turns into Stop while streaming."""

from __future__ import annotations

import asyncio
import time

from nicegui import background_tasks, ui

from aurenlm import repos
from aurenlm.chat import service as chat
from aurenlm.chat import versions as chat_versions
from aurenlm.llm.base import Passage
from aurenlm.models import ChatMessage
from aurenlm.sharing.roles import Capability
from components import dialogs, frame
from components.history_dialog import VersionStepper, edit_question
from components.markdown_view import CiteInfo, MarkdownView
from components.notebook_state import NotebookState
from components.notes_pane import save_answer_as_note
from components.timefmt import clock

PAGE = 30
FLUSH_EVERY_S = 0.1  # at most ~10 updates per second while an answer streams
SCROLL_EVERY_S = 1.0  # each scroll is a message of its own: follow a streaming answer once a second


def cites_from_passages(passages: list[Passage]) -> dict[int, CiteInfo]:
    return {p.marker: CiteInfo(p.marker, p.source_id, p.source_title, p.page, p.text, p.chunk_id) for p in passages}


class AnswerBubble:
    """One assistant message: rendered answer, its chips, and Copy / Regenerate / time."""

    def __init__(self, pane: ChatPane, message: ChatMessage, cites: dict[int, CiteInfo]) -> None:
        self.pane, self.message = pane, message
        with ui.column().classes('w-full gap-1 auren-answer').mark('answer') as self.root:
            self.typing = ui.row().classes('items-center gap-2 text-slate-500 text-sm')
            with self.typing:
                ui.spinner('dots', size='md')
                ui.label('Reading your sources…')
            self.typing.visible = message.status == 'streaming' and not message.content
            self.view = MarkdownView(message.content, cites, on_cite=self.open_cite)
            self.problem = ui.row().classes('items-center gap-2 text-sm')
            with ui.row().classes('items-center gap-1 text-xs text-slate-400 auren-answer-actions') as self.actions:
                ui.label(clock(message.created_at)).mark('answer-time')
                ui.button(icon='content_copy', on_click=self.copy).props(
                    'flat round dense size=sm aria-label="Copy answer"'
                ).tooltip('Copy')
                ui.button(icon='refresh', on_click=self.regenerate).props(
                    'flat round dense size=sm aria-label="Regenerate answer"'
                ).tooltip('Regenerate').mark('regenerate')
                save = ui.button(icon='note_add', on_click=self.save_as_note).props(
                    'flat round dense size=sm aria-label="Save as note"'
                )
                save.tooltip('Save as note').mark('save-as-note')
                save.visible = pane.state.can(Capability.WRITE_NOTES)
                self.versions = ui.row().classes('items-center gap-0')
        self.show_status()
        self.show_versions()

    def show_status(self) -> None:
        message = self.message
        self.problem.clear()
        busy = message.status == 'streaming'
        self.actions.visible = not busy
        if message.status in ('failed', 'interrupted'):
            with self.problem:
                ui.icon('error_outline', size='18px').classes('text-negative')
                label = 'Interrupted' if message.status == 'interrupted' else 'Failed'
                ui.label(f'{label}: {message.error or "the answer did not finish."}').classes('text-negative').mark(
                    'answer-error'
                )
                ui.button('Retry', icon='refresh', on_click=self.regenerate).props('flat dense size=sm').mark(
                    'retry-answer'
                )

    def show_versions(self) -> None:
        """'‹ 2 / 3 ›' when the question was answered more than once (Regenerate keeps earlier answers)."""
        self.versions.clear()
        if self.message.status == 'streaming':
            return
        versions = chat_versions.versions(self.pane.state.user, self.message.id)
        if len(versions) > 1:
            with self.versions:
                VersionStepper(versions, self.message.id, on_show=self.show_version)

    def show_version(self, message: ChatMessage) -> None:
        cites = self.pane.cites_of([message.id]).get(message.id, {})
        self.message = message
        self.view.finish(message.content, cites)
        self.show_status()

    def save_as_note(self) -> None:
        save_answer_as_note(self.pane.state, self.message.id)

    def open_cite(self, marker: int) -> None:
        cite = self.view.cites.get(marker)
        if cite is not None and self.pane.state.open_source is not None:
            self.pane.state.open_source(cite.source_id, chunk_id=cite.chunk_id, quote=cite.quote)

    def copy(self) -> None:
        ui.clipboard.write(self.message.content)
        ui.notify('Answer copied', timeout=1200)

    def regenerate(self) -> None:
        self.pane.start(regenerate_of=self.message, bubble=self)


class ChatPane:
    def __init__(self, state: NotebookState) -> None:
        self.state = state
        self.task: asyncio.Task | None = None
        self.oldest: tuple | None = None
        state.ask = self.ask
        with ui.column().classes('w-full h-full gap-0 no-wrap'):
            with ui.row().classes('w-full items-center justify-between px-4 py-2 border-b auren-chat-bar'):
                with ui.row().classes('items-center gap-2'):
                    ui.label('Chat').classes('auren-pane-title')
                    if state.shared:  # each member's chat is private, as in NotebookLM
                        ui.label('Only you see this chat').classes('text-xs text-slate-500').mark('private-chat')
                ui.button('Clear chat', icon='delete_sweep', on_click=self.clear).props(
                    'flat dense size=sm no-caps aria-label="Clear chat"'
                ).mark('clear-chat')
            with ui.scroll_area().classes('w-full flex-grow auren-chat-scroll') as self.scroll:
                with ui.column().classes('w-full max-w-3xl mx-auto gap-4 px-4 py-4'):
                    self.earlier = frame.more_button('Load earlier', 'expand_less', self.load_earlier, 'load-earlier')
                    self.empty = ui.column().classes('w-full')
                    self.messages = ui.column().classes('w-full gap-4').mark('messages')
            with ui.column().classes('w-full max-w-3xl mx-auto gap-1 px-4 pb-3 pt-2'):
                self.suggestions = ui.row().classes('w-full gap-1').mark('suggestions')
                with ui.row().classes('w-full items-end no-wrap gap-2'):
                    self.input = (
                        ui.textarea(placeholder='Ask your sources…')
                        .props('outlined autogrow dense rows=1 input-style="max-height: 30vh" aria-label="Message"')
                        .classes('flex-grow')
                        .mark('message')
                    )
                    self.input.on(
                        'keydown',
                        self.send,
                        js_handler='(e) => { if (e.key === "Enter" && !e.shiftKey && !e.isComposing) '
                        '{ e.preventDefault(); emit(); } }',
                    )
                    self.button = (
                        ui.button(icon='send', on_click=self.send_or_stop)
                        .props('unelevated round aria-label="Send"')
                        .mark('send')
                    )
                ui.label('Enter sends · Shift+Enter adds a line').classes('text-xs text-slate-400')
        state.on_selection.append(self.show_suggestions)
        self.load_latest()

    # --- history ---

    def load_latest(self) -> None:
        self.messages.clear()
        self.oldest = None
        page = repos.messages.page(self.state.user, self.state.notebook.id, limit=PAGE)
        self._insert(list(reversed(page)), at_top=False)
        self.earlier.visible = len(page) == PAGE
        self.show_suggestions()
        self.scroll_down()

    def load_earlier(self) -> None:
        page = repos.messages.page(self.state.user, self.state.notebook.id, limit=PAGE, before=self.oldest)
        self._insert(list(reversed(page)), at_top=True)
        self.earlier.visible = len(page) == PAGE

    def _insert(self, messages: list[ChatMessage], *, at_top: bool) -> None:
        if not messages:
            return
        if self.oldest is None or at_top:
            self.oldest = (messages[0].created_at, messages[0].id)
        cites = self.cites_of([m.id for m in messages if m.role == 'assistant'])
        with self.messages:
            built = [self._bubble(m, cites.get(m.id, {})) for m in messages]
        if at_top:
            for index, element in enumerate(built):
                element.move(self.messages, target_index=index)

    def cites_of(self, message_ids: list[str]) -> dict[str, dict[int, CiteInfo]]:
        titles: dict[str, str] = {}
        out: dict[str, dict[int, CiteInfo]] = {}
        for message_id, rows in repos.messages.citations(message_ids).items():
            out[message_id] = {}
            for row in rows:
                if row.source_id and row.source_id not in titles:
                    source = repos.sources.get(self.state.user, row.source_id)
                    titles[row.source_id] = source.title if source else 'Deleted source'
                out[message_id][row.marker] = CiteInfo(
                    row.marker,
                    row.source_id or '',
                    titles.get(row.source_id or '', 'Deleted source'),
                    row.page,
                    row.quote,
                    row.chunk_id,
                )
        return out

    def _bubble(self, message: ChatMessage, cites: dict[int, CiteInfo]) -> ui.element:
        if message.role == 'user':
            return self._question(message.content, message).root
        return AnswerBubble(self, message, cites).root

    def _question(self, text: str, message: ChatMessage | None = None) -> QuestionBubble:
        return QuestionBubble(text, message, on_edit=self.edit)

    async def edit(self, bubble: QuestionBubble) -> None:
        """Edit a sent question: the earlier one and its answer stay as versions, and the new one is asked."""
        if bubble.message is None or (self.task is not None and not self.task.done()):
            return
        edited = await edit_question(self.state, bubble.message)
        if edited is None:
            return
        self.load_latest()
        with self.messages:
            pending = self._question(edited.content, edited)
        events = chat.ask(
            self.state.user,
            self.state.notebook,
            edited.content,
            source_ids=self.state.selected_ready_ids(),
            question_message=edited,
        )
        self._run(events, pending)

    def show_suggestions(self) -> None:
        self.suggestions.clear()
        self.empty.clear()
        chosen = self.state.selected_ready_ids()
        questions: list[str] = []
        for source_id in chosen:
            source = repos.sources.get(self.state.user, source_id)
            for question in (source.guide or {}).get('questions', []) if source else []:
                if question not in questions:
                    questions.append(question)
        has_messages = bool(self.messages.default_slot.children)
        with self.empty:
            if not has_messages:
                if not self.state.source_ids:
                    headline, hint = 'Ask your sources', 'Add a source on the left, then ask a question about it.'
                elif not chosen:
                    headline, hint = 'No sources selected', 'Tick at least one ready source to ask about it.'
                else:
                    headline, hint = 'Ask your sources', 'Answers quote your sources and cite every passage.'
                with ui.column().classes('w-full items-center text-center gap-1 py-10 text-slate-500'):
                    ui.icon('forum', size='40px').classes('text-slate-400')
                    ui.label(headline).classes('text-base font-medium text-slate-600')
                    ui.label(hint).classes('text-sm')
        with self.suggestions:
            for question in questions[: 3 if has_messages else 5]:
                ui.button(question, on_click=lambda q=question: self.ask(q)).props(
                    'outline rounded dense no-caps size=sm color=primary'
                ).classes('text-left').mark('suggestion')

    # --- asking ---

    def ask(self, question: str) -> None:
        """From suggestions, the source guide and the mind map: put the question in and send it."""
        if self.task is not None and not self.task.done():
            ui.notify('Wait for the current answer, or press Stop.', type='info')
            return
        self.input.value = question
        self.send()

    def send_or_stop(self) -> None:
        if self.task is not None and not self.task.done():
            self.task.cancel()
        else:
            self.send()

    def send(self) -> None:
        question = (self.input.value or '').strip()
        if not question or (self.task is not None and not self.task.done()):
            return
        self.input.value = ''
        self.start(question=question)

    def start(
        self, *, question: str = '', regenerate_of: ChatMessage | None = None, bubble: AnswerBubble | None = None
    ) -> None:
        if self.task is not None and not self.task.done():
            return
        source_ids = self.state.selected_ready_ids()
        if regenerate_of is not None:
            events = chat.regenerate(self.state.user, self.state.notebook, regenerate_of.id, source_ids=source_ids)
            pending = None
            if bubble is not None:
                bubble.root.delete()
        else:
            events = chat.ask(self.state.user, self.state.notebook, question, source_ids=source_ids)
            with self.messages:
                pending = self._question(question)
            self.empty.clear()
        self._run(events, pending)

    def _run(self, events, pending: QuestionBubble | None) -> None:
        self.scroll_down()
        self.task = background_tasks.create(self._stream(events, pending), name='chat-answer')
        self._busy(True)

    async def _stream(self, events, pending: QuestionBubble | None) -> None:
        answer: AnswerBubble | None = None
        parts: list[str] = []
        last_flush = last_scroll = 0.0
        try:
            async for event in events:
                if isinstance(event, chat.Started):
                    if pending is not None:
                        pending.sent(event.question)
                    with self.messages:
                        answer = AnswerBubble(self, event.answer, cites_from_passages(event.passages))
                    self.scroll_down()
                elif isinstance(event, chat.Token) and answer is not None:
                    parts.append(event.text)
                    now = time.monotonic()
                    if now - last_flush >= FLUSH_EVERY_S:
                        last_flush = now
                        answer.typing.visible = False
                        answer.view.stream_to(''.join(parts))
                        if now - last_scroll >= SCROLL_EVERY_S:
                            last_scroll = now
                            self.scroll_down()
                elif isinstance(event, chat.Done | chat.Failed) and answer is not None:
                    answer.message = event.message
                    answer.typing.visible = False
                    cites = self.cites_of([event.message.id]).get(event.message.id, {})
                    answer.view.finish(event.message.content, cites)
                    answer.show_status()
                    answer.show_versions()
                    self.scroll_down()
        except chat.ChatError as e:
            if pending is not None:
                pending.fail(str(e), retry=lambda: self._retry_question(pending))
            ui.notify(str(e), type='warning')
        except asyncio.CancelledError:
            if answer is not None:
                stopped = repos.messages.get(self.state.user, answer.message.id)
                if stopped is not None:
                    answer.message = stopped
                    answer.typing.visible = False
                    answer.view.finish(stopped.content, answer.view.cites)
                    answer.show_status()
            raise
        finally:
            self._busy(False)
            self.show_suggestions()

    def _retry_question(self, pending: QuestionBubble) -> None:
        text = pending.text
        pending.root.delete()
        self.start(question=text)

    def _busy(self, busy: bool) -> None:
        self.button.props(f'icon={"stop" if busy else "send"} aria-label="{"Stop" if busy else "Send"}"')
        self.button.props(f'color={"negative" if busy else "primary"}')

    def scroll_down(self) -> None:
        self.scroll.scroll_to(percent=1.0)

    async def clear(self) -> None:
        if not await dialogs.confirm('Clear chat?', 'Every message of your chat in this notebook will be deleted.'):
            return
        if self.task is not None and not self.task.done():
            self.task.cancel()
        repos.messages.clear(self.state.user, self.state.notebook.id)
        self.load_latest()
        ui.notify('Chat cleared', type='positive')


class QuestionBubble:
    """The person's message, shown at once; marked failed with Retry when it could not be sent."""

    def __init__(self, text: str, message: ChatMessage | None = None, on_edit=None) -> None:
        self.text, self.message, self.on_edit = text, message, on_edit
        with ui.column().classes('w-full items-end gap-1') as self.root:
            with ui.row().classes('items-center no-wrap gap-1 max-w-[85%] auren-question-row'):
                self.edit_button = (
                    ui.button(icon='edit', on_click=lambda: self.on_edit(self) if self.on_edit else None)
                    .props('flat round dense size=sm aria-label="Edit question"')
                    .classes('text-slate-400')
                    .mark('edit-question')
                )
                ui.label(text).classes(
                    'whitespace-pre-wrap break-words rounded-2xl px-4 py-2 bg-indigo-50 text-slate-800 auren-question'
                ).mark('question')
            self.status = ui.row().classes('items-center gap-1 text-xs')
        self.edit_button.visible = message is not None and on_edit is not None

    def sent(self, message: ChatMessage) -> None:
        self.message = message
        self.edit_button.visible = self.on_edit is not None

    def fail(self, reason: str, retry) -> None:
        with self.status:
            ui.icon('error_outline', size='16px').classes('text-negative')
            ui.label(reason).classes('text-negative').mark('question-error')
            ui.button('Retry', on_click=retry).props('flat dense size=sm')
