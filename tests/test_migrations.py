"""Migrations and models agree, and the schema goes down and up again."""

from aurenlm import migrate


def test_models_and_migrations_do_not_drift():
    assert migrate.drift() == []


def test_downgrade_to_base_and_back():
    migrate.downgrade('base')
    assert migrate.current_revision() is None
    migrate.upgrade()
    assert migrate.at_head()
    assert migrate.drift() == []
