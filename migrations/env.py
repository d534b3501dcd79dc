"""Alembic environment: the URL comes from Settings, the metadata from aurenlm.models."""

from alembic import context
from sqlmodel import SQLModel

from aurenlm import db, models  # noqa: F401 - registers the tables
from aurenlm.migrate import include_object

target_metadata = SQLModel.metadata


def run_migrations_offline() -> None:
    context.configure(
        url=db.normalise_url(db.get_settings().db_url),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = context.config.attributes.get('connection')
    if connection is not None:
        _run(connection)
        return
    with db.engine().connect() as connection:
        _run(connection)
        connection.commit()


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == 'sqlite',
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
