"""Run alembic from code: upgrade at start-up, check that the database is at head, detect drift."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlmodel import SQLModel

from aurenlm import db, models  # noqa: F401 - registers the tables

ROOT = Path(__file__).resolve().parent.parent
# Objects the migrations own by hand: full-text machinery that SQLModel cannot describe.
HAND_MADE_TABLES = {
    'source_chunk_fts',
    'source_chunk_fts_data',
    'source_chunk_fts_idx',
    'source_chunk_fts_docsize',
    'source_chunk_fts_config',
    'source_chunk_fts_content',
}
HAND_MADE_COLUMNS = {('source_chunk', 'tsv')}
HAND_MADE_INDEXES = {'ix_source_chunk_tsv'}


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    if type_ == 'table' and name in HAND_MADE_TABLES:
        return False
    if type_ == 'column' and (obj.table.name, name) in HAND_MADE_COLUMNS:
        return False
    return not (type_ == 'index' and name in HAND_MADE_INDEXES)


def alembic_config() -> Config:
    cfg = Config(str(ROOT / 'alembic.ini'))
    cfg.set_main_option('script_location', str(ROOT / 'migrations'))
    return cfg


def upgrade(revision: str = 'head') -> None:
    cfg = alembic_config()
    with db.engine().begin() as connection:
        cfg.attributes['connection'] = connection
        command.upgrade(cfg, revision)


def downgrade(revision: str = 'base') -> None:
    cfg = alembic_config()
    with db.engine().begin() as connection:
        cfg.attributes['connection'] = connection
        command.downgrade(cfg, revision)


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision() -> str | None:
    with db.engine().connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def at_head() -> bool:
    return current_revision() == head_revision()


def drift() -> list:
    """Differences between the models and the migrated database; empty when they agree."""
    with db.engine().connect() as connection:
        ctx = MigrationContext.configure(connection, opts={'include_object': include_object})
        return compare_metadata(ctx, SQLModel.metadata)
