"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-25 21:23:33.553924
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'user',
        sa.Column('id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=320), nullable=False),
        sa.Column('password_hash', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column('display_name', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column('is_admin', sa.Boolean(), nullable=False),
        sa.Column('dark_mode', sa.Boolean(), nullable=True),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_email'), ['email'], unique=True)

    op.create_table(
        'api_token',
        sa.Column('id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('user_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('prefix', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column('can_write', sa.Boolean(), nullable=False),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('last_used_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column('expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column('revoked_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_token_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_api_token_token_hash'), ['token_hash'], unique=True)
        batch_op.create_index(batch_op.f('ix_api_token_user_id'), ['user_id'], unique=False)

    op.create_table(
        'audit_event',
        sa.Column('id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('user_id', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column('detail', sa.JSON(), nullable=False),
        sa.Column('ip', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_event_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_event_user_id'), ['user_id'], unique=False)

    op.create_table(
        'auth_session',
        sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('user_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('last_seen', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('ip', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('user_agent', sqlmodel.sql.sqltypes.AutoString(length=400), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('auth_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_auth_session_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_auth_session_user_id'), ['user_id'], unique=False)

    op.create_table(
        'notebook',
        sa.Column('id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('owner_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['owner_id'], ['user.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('notebook', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notebook_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notebook_updated_at'), ['updated_at'], unique=False)

    op.create_table(
        'artifact',
        sa.Column('id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('notebook_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('user_id', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column('engine', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column('data', sa.JSON(), nullable=True),
        sa.Column('options', sa.JSON(), nullable=False),
        sa.Column('source_ids', sa.JSON(), nullable=False),
        sa.Column('source_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('parent_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column('job_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column('error', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['notebook_id'], ['notebook.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('artifact', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_artifact_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_artifact_notebook_id'), ['notebook_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_artifact_user_id'), ['user_id'], unique=False)

    op.create_table(
        'chat_message',
        sa.Column('id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('notebook_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('user_id', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column('role', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column('content', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column('error', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column('engine', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column('reply_to_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column('superseded_by', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['notebook_id'], ['notebook.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('chat_message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_chat_message_created_at'), ['created_at'], unique=False)
        batch_op.create_index('ix_chat_message_notebook_created', ['notebook_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_chat_message_notebook_id'), ['notebook_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_chat_message_reply_to_id'), ['reply_to_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_chat_message_user_id'), ['user_id'], unique=False)

    op.create_table(
        'job',
        sa.Column('id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column('payload', sa.JSON(), nullable=False),
        sa.Column('user_id', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column('notebook_id', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column('ref_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column('progress', sa.Float(), nullable=False),
        sa.Column('message', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('max_attempts', sa.Integer(), nullable=False),
        sa.Column('error', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column('worker_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column('heartbeat_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column('run_after', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('started_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column('finished_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['notebook_id'], ['notebook.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_job_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_job_notebook_id'), ['notebook_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_job_ref_id'), ['ref_id'], unique=False)
        batch_op.create_index('ix_job_status_run_after', ['status', 'run_after'], unique=False)
        batch_op.create_index(batch_op.f('ix_job_user_id'), ['user_id'], unique=False)

    op.create_table(
        'notebook_member',
        sa.Column('notebook_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('user_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('role', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column('deselected_source_ids', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['notebook_id'], ['notebook.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('notebook_id', 'user_id'),
    )
    with op.batch_alter_table('notebook_member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notebook_member_user_id'), ['user_id'], unique=False)

    op.create_table(
        'source',
        sa.Column('id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('notebook_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('added_by', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column('filename', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
        sa.Column('url', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
        sa.Column('mime', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('file_name', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column('stage', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column('progress', sa.Float(), nullable=False),
        sa.Column('error', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column('page_count', sa.Integer(), nullable=False),
        sa.Column('word_count', sa.Integer(), nullable=False),
        sa.Column('guide', sa.JSON(), nullable=True),
        sa.Column('outline', sa.JSON(), nullable=True),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['added_by'], ['user.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['notebook_id'], ['notebook.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('notebook_id', 'sha256', name='uq_source_notebook_sha256'),
    )
    with op.batch_alter_table('source', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_source_added_by'), ['added_by'], unique=False)
        batch_op.create_index(batch_op.f('ix_source_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_source_notebook_id'), ['notebook_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_source_sha256'), ['sha256'], unique=False)

    op.create_table(
        'flashcard_mark',
        sa.Column('artifact_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('user_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('card_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('known', sa.Boolean(), nullable=False),
        sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['artifact_id'], ['artifact.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('artifact_id', 'user_id', 'card_id'),
    )
    with op.batch_alter_table('flashcard_mark', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_flashcard_mark_user_id'), ['user_id'], unique=False)

    op.create_table(
        'note',
        sa.Column('id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('notebook_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('user_id', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column('body', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column('citations', sa.JSON(), nullable=False),
        sa.Column('source_id', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['notebook_id'], ['notebook.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['source_id'], ['source.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('note', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_note_notebook_id'), ['notebook_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_note_source_id'), ['source_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_note_updated_at'), ['updated_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_note_user_id'), ['user_id'], unique=False)

    op.create_table(
        'quiz_attempt',
        sa.Column('id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('artifact_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('user_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('answers', sa.JSON(), nullable=False),
        sa.Column('score', sa.Integer(), nullable=False),
        sa.Column('total', sa.Integer(), nullable=False),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['artifact_id'], ['artifact.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('quiz_attempt', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quiz_attempt_artifact_id'), ['artifact_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_quiz_attempt_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_quiz_attempt_user_id'), ['user_id'], unique=False)

    op.create_table(
        'source_chunk',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('source_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('notebook_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('ordinal', sa.Integer(), nullable=False),
        sa.Column('page', sa.Integer(), nullable=False),
        sa.Column('char_start', sa.Integer(), nullable=False),
        sa.Column('char_end', sa.Integer(), nullable=False),
        sa.Column('heading', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('text', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('embedding', sa.LargeBinary(), nullable=True),
        sa.Column('embedding_model', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True),
        sa.ForeignKeyConstraint(['notebook_id'], ['notebook.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['source_id'], ['source.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('source_chunk', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_source_chunk_notebook_id'), ['notebook_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_source_chunk_source_id'), ['source_id'], unique=False)
        batch_op.create_index('ix_source_chunk_source_ordinal', ['source_id', 'ordinal'], unique=False)

    op.create_table(
        'source_page',
        sa.Column('source_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('page', sa.Integer(), nullable=False),
        sa.Column('text', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.ForeignKeyConstraint(['source_id'], ['source.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('source_id', 'page'),
    )
    op.create_table(
        'citation',
        sa.Column('id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('message_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('chunk_id', sa.Integer(), nullable=True),
        sa.Column('source_id', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column('marker', sa.Integer(), nullable=False),
        sa.Column('page', sa.Integer(), nullable=False),
        sa.Column('quote', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.ForeignKeyConstraint(['chunk_id'], ['source_chunk.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['message_id'], ['chat_message.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['source_id'], ['source.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('citation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_citation_chunk_id'), ['chunk_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_citation_message_id'), ['message_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_citation_source_id'), ['source_id'], unique=False)

    op.create_table(
        'note_version',
        sa.Column('id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('note_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('user_id', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column('title', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('body', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['note_id'], ['note.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('note_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_note_version_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_note_version_note_id'), ['note_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_note_version_user_id'), ['user_id'], unique=False)

    _create_fulltext()


def _create_fulltext() -> None:
    """Full-text search: FTS5 (external content, kept in sync by triggers) or a generated tsvector + GIN."""
    if op.get_bind().dialect.name == 'sqlite':
        op.execute(
            "CREATE VIRTUAL TABLE source_chunk_fts USING fts5(heading, text, content='source_chunk', "
            "content_rowid='id', tokenize='porter unicode61 remove_diacritics 2')"
        )
        op.execute(
            'CREATE TRIGGER source_chunk_ai AFTER INSERT ON source_chunk BEGIN '
            'INSERT INTO source_chunk_fts(rowid, heading, text) VALUES (new.id, new.heading, new.text); END'
        )
        op.execute(
            'CREATE TRIGGER source_chunk_ad AFTER DELETE ON source_chunk BEGIN '
            'INSERT INTO source_chunk_fts(source_chunk_fts, rowid, heading, text) '
            "VALUES ('delete', old.id, old.heading, old.text); END"
        )
        op.execute(
            'CREATE TRIGGER source_chunk_au AFTER UPDATE OF heading, text ON source_chunk BEGIN '
            'INSERT INTO source_chunk_fts(source_chunk_fts, rowid, heading, text) '
            "VALUES ('delete', old.id, old.heading, old.text); "
            'INSERT INTO source_chunk_fts(rowid, heading, text) VALUES (new.id, new.heading, new.text); END'
        )
    else:
        op.execute(
            'ALTER TABLE source_chunk ADD COLUMN tsv tsvector GENERATED ALWAYS AS '
            "(setweight(to_tsvector('english', coalesce(heading, '')), 'B') || "
            "setweight(to_tsvector('english', text), 'A')) STORED"
        )
        op.execute('CREATE INDEX ix_source_chunk_tsv ON source_chunk USING gin (tsv)')


def _drop_fulltext() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        for trigger in ('source_chunk_ai', 'source_chunk_ad', 'source_chunk_au'):
            op.execute(f'DROP TRIGGER IF EXISTS {trigger}')
        op.execute('DROP TABLE IF EXISTS source_chunk_fts')
    else:
        op.execute('DROP INDEX IF EXISTS ix_source_chunk_tsv')
        op.execute('ALTER TABLE source_chunk DROP COLUMN IF EXISTS tsv')


def downgrade() -> None:
    _drop_fulltext()
    with op.batch_alter_table('note_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_note_version_user_id'))
        batch_op.drop_index(batch_op.f('ix_note_version_note_id'))
        batch_op.drop_index(batch_op.f('ix_note_version_created_at'))

    op.drop_table('note_version')
    with op.batch_alter_table('citation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_citation_source_id'))
        batch_op.drop_index(batch_op.f('ix_citation_message_id'))
        batch_op.drop_index(batch_op.f('ix_citation_chunk_id'))

    op.drop_table('citation')
    op.drop_table('source_page')
    with op.batch_alter_table('source_chunk', schema=None) as batch_op:
        batch_op.drop_index('ix_source_chunk_source_ordinal')
        batch_op.drop_index(batch_op.f('ix_source_chunk_source_id'))
        batch_op.drop_index(batch_op.f('ix_source_chunk_notebook_id'))

    op.drop_table('source_chunk')
    with op.batch_alter_table('quiz_attempt', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quiz_attempt_user_id'))
        batch_op.drop_index(batch_op.f('ix_quiz_attempt_created_at'))
        batch_op.drop_index(batch_op.f('ix_quiz_attempt_artifact_id'))

    op.drop_table('quiz_attempt')
    with op.batch_alter_table('note', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_note_user_id'))
        batch_op.drop_index(batch_op.f('ix_note_updated_at'))
        batch_op.drop_index(batch_op.f('ix_note_source_id'))
        batch_op.drop_index(batch_op.f('ix_note_notebook_id'))

    op.drop_table('note')
    with op.batch_alter_table('flashcard_mark', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_flashcard_mark_user_id'))

    op.drop_table('flashcard_mark')
    with op.batch_alter_table('source', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_source_sha256'))
        batch_op.drop_index(batch_op.f('ix_source_notebook_id'))
        batch_op.drop_index(batch_op.f('ix_source_created_at'))
        batch_op.drop_index(batch_op.f('ix_source_added_by'))

    op.drop_table('source')
    with op.batch_alter_table('notebook_member', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notebook_member_user_id'))

    op.drop_table('notebook_member')
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_job_user_id'))
        batch_op.drop_index('ix_job_status_run_after')
        batch_op.drop_index(batch_op.f('ix_job_ref_id'))
        batch_op.drop_index(batch_op.f('ix_job_notebook_id'))
        batch_op.drop_index(batch_op.f('ix_job_created_at'))

    op.drop_table('job')
    with op.batch_alter_table('chat_message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_chat_message_user_id'))
        batch_op.drop_index(batch_op.f('ix_chat_message_reply_to_id'))
        batch_op.drop_index(batch_op.f('ix_chat_message_notebook_id'))
        batch_op.drop_index('ix_chat_message_notebook_created')
        batch_op.drop_index(batch_op.f('ix_chat_message_created_at'))

    op.drop_table('chat_message')
    with op.batch_alter_table('artifact', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_artifact_user_id'))
        batch_op.drop_index(batch_op.f('ix_artifact_notebook_id'))
        batch_op.drop_index(batch_op.f('ix_artifact_created_at'))

    op.drop_table('artifact')
    with op.batch_alter_table('notebook', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notebook_updated_at'))
        batch_op.drop_index(batch_op.f('ix_notebook_owner_id'))

    op.drop_table('notebook')
    with op.batch_alter_table('auth_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_auth_session_user_id'))
        batch_op.drop_index(batch_op.f('ix_auth_session_expires_at'))

    op.drop_table('auth_session')
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_event_user_id'))
        batch_op.drop_index(batch_op.f('ix_audit_event_created_at'))

    op.drop_table('audit_event')
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_token_user_id'))
        batch_op.drop_index(batch_op.f('ix_api_token_token_hash'))
        batch_op.drop_index(batch_op.f('ix_api_token_created_at'))

    op.drop_table('api_token')
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_email'))

    op.drop_table('user')
