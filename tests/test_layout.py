"""The house rules that keep the layout readable: the folder list of aurenlm/ shows the core flow, the service
layer has no UI in it, and pages and components reach the database only through repos and services."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / 'aurenlm'
SPINE = {'__init__', '__main__', 'config', 'db', 'models', 'migrate', 'log', 'events', 'jobs'}
FLOW = {'sources', 'search', 'text', 'chat', 'notes', 'studio', 'exchange'}


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def offenders(folder: Path, forbidden: tuple[str, ...]) -> list[str]:
    found = []
    for path in sorted(folder.rglob('*.py')):
        for module in imported_modules(path):
            if module.split('.')[0] in forbidden or module in forbidden:
                found.append(f'{path.relative_to(folder.parent)} imports {module}')
    return found


def test_the_top_of_the_package_is_the_spine_and_the_rest_are_steps_of_the_flow() -> None:
    modules = {p.stem for p in PACKAGE.glob('*.py')}
    packages = {p.name for p in PACKAGE.iterdir() if (p / '__init__.py').exists()}
    assert len(modules) <= 10, f'aurenlm/ has {len(modules)} modules at the top: {sorted(modules)}'
    assert modules <= SPINE, f'move {sorted(modules - SPINE)} into the package of its step'
    assert packages >= FLOW, f'missing steps of the flow: {sorted(FLOW - packages)}'


def test_no_service_module_imports_the_ui_framework() -> None:
    assert offenders(PACKAGE, ('nicegui',)) == []


def test_pages_and_components_never_touch_sql() -> None:
    for folder in (ROOT / 'pages', ROOT / 'components'):
        assert offenders(folder, ('sqlmodel', 'sqlalchemy', 'aurenlm.db', 'psycopg')) == []


def test_the_checker_sees_a_planted_import(tmp_path: Path) -> None:
    (tmp_path / 'planted.py').write_text('from nicegui import ui\nimport sqlalchemy.orm\n')
    assert sorted(offenders(tmp_path, ('nicegui', 'sqlalchemy'))) == [
        f'{tmp_path.name}/planted.py imports nicegui',
        f'{tmp_path.name}/planted.py imports sqlalchemy.orm',
    ]
