"""SQLModel tables: the whole schema in one place. Every change here ships an alembic migration."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Index, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel


def new_id() -> str:
    return uuid.uuid4().hex


def utcnow() -> datetime:
    """Aware UTC; sqlmodel's UTCDateTime stores it as UTC and hands it back aware on both databases."""
    return datetime.now(UTC)


class User(SQLModel, table=True):
    __tablename__ = 'user'
    id: str = Field(default_factory=new_id, primary_key=True)
    email: str = Field(max_length=320, unique=True, index=True)
    password_hash: str = Field(max_length=255)
    display_name: str = Field(default='', max_length=120)
    is_admin: bool = False
    dark_mode: bool | None = None
    created_at: datetime = Field(default_factory=utcnow)
    last_seen_at: datetime | None = None
    # a disabled account cannot sign in and its sessions and tokens stop working at once
    disabled_at: datetime | None = None
    password_changed_at: datetime | None = None
    # per-user quotas set by an admin; None means the instance-wide limits
    quota_sources: int | None = None
    quota_storage_bytes: int | None = Field(default=None, sa_type=BigInteger)
    # TOTP: the shared secret (sealed with a key derived from SECRET_KEY, aurenlm/security/totp.py), when it was
    # confirmed, and the last accepted time step (no replays)
    totp_secret: str | None = Field(default=None, max_length=128)
    totp_enabled_at: datetime | None = None
    totp_last_step: int | None = Field(default=None, sa_type=BigInteger)
    # when the account proved it holds its mailbox (a used reset link, an OIDC provider's verified email, an admin's
    # create-user); None for an account that only typed its address. OIDC takes an unproven account back (sharing.md)
    email_verified_at: datetime | None = None


class AuthSession(SQLModel, table=True):
    """A signed-in browser. The id is the sha256 of the token the browser holds."""

    __tablename__ = 'auth_session'
    id: str = Field(primary_key=True, max_length=64)
    user_id: str = Field(foreign_key='user.id', index=True, ondelete='CASCADE')
    created_at: datetime = Field(default_factory=utcnow)
    last_seen: datetime = Field(default_factory=utcnow)
    expires_at: datetime = Field(index=True)
    ip: str = Field(default='', max_length=64)
    user_agent: str = Field(default='', max_length=400)


class SignInTicket(SQLModel, table=True):
    """A one-time pass, valid for a minute, from a password check (made over the socket, which cannot set
    cookies) to the HTTP request that sets the session cookie. The id is the ticket's sha256; `browser` is the
    sha256 of the NiceGUI browser id it was issued to, so a ticket only works in the browser that signed in."""

    __tablename__ = 'signin_ticket'
    id: str = Field(primary_key=True, max_length=64)
    user_id: str = Field(foreign_key='user.id', index=True, ondelete='CASCADE')
    browser: str = Field(max_length=64)
    expires_at: datetime = Field(index=True)


class Notebook(SQLModel, table=True):
    __tablename__ = 'notebook'
    id: str = Field(default_factory=new_id, primary_key=True)
    owner_id: str = Field(foreign_key='user.id', index=True, ondelete='CASCADE')
    title: str = Field(max_length=200)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow, index=True)


class NotebookMember(SQLModel, table=True):
    __tablename__ = 'notebook_member'
    notebook_id: str = Field(foreign_key='notebook.id', primary_key=True, ondelete='CASCADE')
    user_id: str = Field(foreign_key='user.id', primary_key=True, index=True, ondelete='CASCADE')
    role: str = Field(default='owner', max_length=16)  # owner | editor | viewer
    # sources this member switched off; new sources start selected
    deselected_source_ids: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # when they joined (None for rows older than sharing: the notebook's creation counts); members list in this order
    created_at: datetime | None = Field(default_factory=utcnow)


class Source(SQLModel, table=True):
    __tablename__ = 'source'
    __table_args__ = (UniqueConstraint('notebook_id', 'sha256', name='uq_source_notebook_sha256'),)
    id: str = Field(default_factory=new_id, primary_key=True)
    notebook_id: str = Field(foreign_key='notebook.id', index=True, ondelete='CASCADE')
    added_by: str | None = Field(default=None, foreign_key='user.id', index=True, ondelete='SET NULL')
    kind: str = Field(max_length=16)  # pdf | docx | html | markdown | text | url | note
    title: str = Field(max_length=300)
    filename: str | None = Field(default=None, max_length=300)
    url: str | None = Field(default=None, max_length=2000)
    mime: str = Field(default='', max_length=120)
    size: int = 0
    sha256: str = Field(max_length=64, index=True)
    file_name: str | None = Field(default=None, max_length=64)  # random name under DATA_DIR/files
    status: str = Field(default='queued', max_length=16)  # queued | processing | ready | failed
    stage: str = Field(default='queued', max_length=32)  # queued | extracting | indexing | guide | ready | failed
    progress: float = 0.0
    error: str | None = None
    page_count: int = 0
    word_count: int = 0
    guide: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    outline: list[Any] | None = Field(default=None, sa_column=Column(JSON))
    created_at: datetime = Field(default_factory=utcnow, index=True)
    updated_at: datetime = Field(default_factory=utcnow)


class SourcePage(SQLModel, table=True):
    """The extracted text of one page; chunk offsets point into it."""

    __tablename__ = 'source_page'
    source_id: str = Field(foreign_key='source.id', primary_key=True, ondelete='CASCADE')
    page: int = Field(primary_key=True)
    text: str


class SourceChunk(SQLModel, table=True):
    """A retrieval unit. The integer id doubles as the FTS5 rowid on SQLite."""

    __tablename__ = 'source_chunk'
    __table_args__ = (Index('ix_source_chunk_source_ordinal', 'source_id', 'ordinal'),)
    id: int | None = Field(default=None, primary_key=True)
    source_id: str = Field(foreign_key='source.id', index=True, ondelete='CASCADE')
    notebook_id: str = Field(foreign_key='notebook.id', index=True, ondelete='CASCADE')
    ordinal: int
    page: int
    char_start: int
    char_end: int
    heading: str = ''
    text: str
    embedding: bytes | None = Field(default=None, sa_column=Column(LargeBinary))
    embedding_model: str | None = Field(default=None, max_length=80)


class Job(SQLModel, table=True):
    __tablename__ = 'job'
    __table_args__ = (Index('ix_job_status_run_after', 'status', 'run_after'),)
    id: str = Field(default_factory=new_id, primary_key=True)
    kind: str = Field(max_length=40)
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    user_id: str | None = Field(default=None, foreign_key='user.id', index=True, ondelete='CASCADE')
    notebook_id: str | None = Field(default=None, foreign_key='notebook.id', index=True, ondelete='CASCADE')
    ref_id: str | None = Field(default=None, max_length=32, index=True)  # the source or artifact it works on
    status: str = Field(default='queued', max_length=16)  # queued | running | done | failed | cancelled
    progress: float = 0.0
    message: str = ''
    attempts: int = 0
    max_attempts: int = 3
    error: str | None = None
    worker_id: str | None = Field(default=None, max_length=64)
    heartbeat_at: datetime | None = None
    run_after: datetime = Field(default_factory=utcnow)
    created_at: datetime = Field(default_factory=utcnow, index=True)
    started_at: datetime | None = None
    finished_at: datetime | None = None


class ChatMessage(SQLModel, table=True):
    __tablename__ = 'chat_message'
    __table_args__ = (Index('ix_chat_message_notebook_created', 'notebook_id', 'created_at'),)
    id: str = Field(default_factory=new_id, primary_key=True)
    notebook_id: str = Field(foreign_key='notebook.id', index=True, ondelete='CASCADE')
    user_id: str | None = Field(default=None, foreign_key='user.id', index=True, ondelete='SET NULL')
    role: str = Field(max_length=16)  # user | assistant
    content: str = ''
    status: str = Field(default='complete', max_length=16)  # complete | streaming | interrupted | failed
    error: str | None = None
    engine: str = Field(default='', max_length=80)
    reply_to_id: str | None = Field(default=None, max_length=32, index=True)
    # earlier answers and edited questions are kept as superseded rows, browsable as versions
    superseded_by: str | None = Field(default=None, max_length=32)
    created_at: datetime = Field(default_factory=utcnow, index=True)


class Citation(SQLModel, table=True):
    __tablename__ = 'citation'
    id: str = Field(default_factory=new_id, primary_key=True)
    message_id: str = Field(foreign_key='chat_message.id', index=True, ondelete='CASCADE')
    chunk_id: int | None = Field(default=None, foreign_key='source_chunk.id', index=True, ondelete='SET NULL')
    source_id: str | None = Field(default=None, foreign_key='source.id', index=True, ondelete='SET NULL')
    marker: int
    page: int = 1
    quote: str = ''


class Note(SQLModel, table=True):
    __tablename__ = 'note'
    id: str = Field(default_factory=new_id, primary_key=True)
    notebook_id: str = Field(foreign_key='notebook.id', index=True, ondelete='CASCADE')
    user_id: str | None = Field(default=None, foreign_key='user.id', index=True, ondelete='SET NULL')
    title: str = Field(default='', max_length=300)
    body: str = ''
    kind: str = Field(default='note', max_length=16)  # note | answer | report
    citations: list[Any] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    source_id: str | None = Field(default=None, foreign_key='source.id', index=True, ondelete='SET NULL')
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow, index=True)


class NoteVersion(SQLModel, table=True):
    __tablename__ = 'note_version'
    id: str = Field(default_factory=new_id, primary_key=True)
    note_id: str = Field(foreign_key='note.id', index=True, ondelete='CASCADE')
    user_id: str | None = Field(default=None, foreign_key='user.id', index=True, ondelete='SET NULL')
    title: str = ''
    body: str = ''
    created_at: datetime = Field(default_factory=utcnow, index=True)
    updated_at: datetime = Field(default_factory=utcnow)


class Artifact(SQLModel, table=True):
    __tablename__ = 'artifact'
    id: str = Field(default_factory=new_id, primary_key=True)
    notebook_id: str = Field(foreign_key='notebook.id', index=True, ondelete='CASCADE')
    user_id: str | None = Field(default=None, foreign_key='user.id', index=True, ondelete='SET NULL')
    kind: str = Field(max_length=16)  # mindmap | quiz | flashcards | study_guide | briefing | faq | timeline
    title: str = Field(default='', max_length=300)
    status: str = Field(default='queued', max_length=16)  # queued | running | done | failed | cancelled
    engine: str = Field(default='', max_length=80)
    data: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    options: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    source_ids: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    source_hash: str = Field(default='', max_length=64)
    version: int = 1
    parent_id: str | None = Field(default=None, max_length=32)  # the artifact this one regenerated or edited
    job_id: str | None = Field(default=None, max_length=32)
    error: str | None = None
    created_at: datetime = Field(default_factory=utcnow, index=True)


class QuizAttempt(SQLModel, table=True):
    __tablename__ = 'quiz_attempt'
    id: str = Field(default_factory=new_id, primary_key=True)
    artifact_id: str = Field(foreign_key='artifact.id', index=True, ondelete='CASCADE')
    user_id: str = Field(foreign_key='user.id', index=True, ondelete='CASCADE')
    answers: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    score: int = 0
    total: int = 0
    created_at: datetime = Field(default_factory=utcnow, index=True)


class FlashcardMark(SQLModel, table=True):
    __tablename__ = 'flashcard_mark'
    artifact_id: str = Field(foreign_key='artifact.id', primary_key=True, ondelete='CASCADE')
    user_id: str = Field(foreign_key='user.id', primary_key=True, index=True, ondelete='CASCADE')
    card_id: str = Field(primary_key=True, max_length=64)
    known: bool = False
    updated_at: datetime = Field(default_factory=utcnow)


class ApiToken(SQLModel, table=True):
    __tablename__ = 'api_token'
    id: str = Field(default_factory=new_id, primary_key=True)
    user_id: str = Field(foreign_key='user.id', index=True, ondelete='CASCADE')
    name: str = Field(max_length=100)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    prefix: str = Field(default='', max_length=16)
    can_write: bool = False
    created_at: datetime = Field(default_factory=utcnow, index=True)
    last_used_at: datetime | None = None
    expires_at: datetime | None = None
    revoked_at: datetime | None = None


class AuditEvent(SQLModel, table=True):
    """One security-relevant event. `user_id` is who acted (None when unknown, as for a failed sign-in);
    `target_id` is the account it was about when that is someone else's, or when the actor is unknown, so the
    account's owner sees it in their activity log (an admin's action on them, a wrong password for their email)."""

    __tablename__ = 'audit_event'
    id: str = Field(default_factory=new_id, primary_key=True)
    user_id: str | None = Field(default=None, foreign_key='user.id', index=True, ondelete='SET NULL')
    target_id: str | None = Field(default=None, foreign_key='user.id', index=True, ondelete='SET NULL')
    action: str = Field(max_length=60)
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    ip: str = Field(default='', max_length=64)
    created_at: datetime = Field(default_factory=utcnow, index=True)


class Invitation(SQLModel, table=True):
    """A share with an address that has no account yet; accepted only through its link (docs/sharing.md)."""

    __tablename__ = 'invitation'
    __table_args__ = (UniqueConstraint('notebook_id', 'email', name='uq_invitation_notebook_email'),)
    id: str = Field(default_factory=new_id, primary_key=True)
    notebook_id: str = Field(foreign_key='notebook.id', index=True, ondelete='CASCADE')
    email: str = Field(max_length=320, index=True)
    role: str = Field(default='viewer', max_length=16)  # editor | viewer
    invited_by: str | None = Field(default=None, foreign_key='user.id', index=True, ondelete='SET NULL')
    created_at: datetime = Field(default_factory=utcnow, index=True)
    # the sha256 of the secret in the invitation link (accepted only by presenting it), and when the link dies
    token_hash: str = Field(max_length=64, unique=True)
    expires_at: datetime = Field(index=True)


class RecoveryCode(SQLModel, table=True):
    """A single-use 2FA recovery code; only its hash is kept."""

    __tablename__ = 'recovery_code'
    id: str = Field(default_factory=new_id, primary_key=True)
    user_id: str = Field(foreign_key='user.id', index=True, ondelete='CASCADE')
    code_hash: str = Field(max_length=64, unique=True)
    used_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)


class PasswordReset(SQLModel, table=True):
    """A password-reset link. The id is the sha256 of the token in the mail; single use, 30 minutes."""

    __tablename__ = 'password_reset'
    id: str = Field(primary_key=True, max_length=64)
    user_id: str = Field(foreign_key='user.id', index=True, ondelete='CASCADE')
    expires_at: datetime = Field(index=True)
    created_at: datetime = Field(default_factory=utcnow)


class OidcIdentity(SQLModel, table=True):
    """An account at an OpenID provider linked to a user (by a verified email at first sign-in)."""

    __tablename__ = 'oidc_identity'
    __table_args__ = (UniqueConstraint('issuer', 'subject', name='uq_oidc_identity_issuer_subject'),)
    id: str = Field(default_factory=new_id, primary_key=True)
    user_id: str = Field(foreign_key='user.id', index=True, ondelete='CASCADE')
    issuer: str = Field(max_length=500)
    subject: str = Field(max_length=255)
    email: str = Field(default='', max_length=320)
    created_at: datetime = Field(default_factory=utcnow)
    last_used_at: datetime | None = None


class InstanceSetting(SQLModel, table=True):
    """Settings an admin changes at run time (registration policy, required 2FA); the environment gives defaults."""

    __tablename__ = 'instance_setting'
    key: str = Field(primary_key=True, max_length=60)
    value: Any = Field(default=None, sa_column=Column(JSON))
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by: str | None = Field(default=None, foreign_key='user.id', index=True, ondelete='SET NULL')
