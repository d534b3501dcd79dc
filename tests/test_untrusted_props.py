"""Lint: no text a user or a document controls may reach a `.props(...)`, `.classes(...)` or `.style(...)` string.

NiceGUI parses those strings itself, so a title ending in a backslash can close the quote and smuggle in
`:innerHTML=...` or `:onClick=...` (issue 10, hole 1). Untrusted text goes on the dict instead
(`element.props['aria-label'] = text`) or into an element parameter. This test reads the UI code (ast) and fails on
any such call whose string is built from a value that is not provably a literal chosen in code.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STRING_METHODS = {'props', 'classes', 'style'}

# Values that are built at run time yet can only be one of a few strings chosen in code. Keyed by file and the
# expression as `ast.unparse` writes it. Keep this list short, and give each entry the reason it is safe.
ALLOWED: dict[tuple[str, str], str] = {}

ADVICE = (
    'Text a user or a document controls must never enter a props/classes/style string. Set the dict instead '
    "(element.props['aria-label'] = text, element.props['title'] = text, element.style['width'] = f'{n}px') or "
    'pass it as an element parameter. If the value is a fixed choice made in code, make it a module-level constant, '
    'or add it to ALLOWED in tests/test_untrusted_props.py with the reason it is safe.'
)

INSTEAD = {
    'props': "set it on the dict instead: element.props['aria-label'] = text",
    'style': "set it on the dict instead: element.style['width'] = f'{width}px'",
    'classes': 'pick the class in code from module-level constants; never build it from data',
}


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    method: str
    value: str

    def __str__(self) -> str:
        return f'{self.path}:{self.line}: `{self.value}` goes into a .{self.method}(...) string; {INSTEAD[self.method]}'


def _is_literal_collection(node: ast.expr) -> bool:
    """A tuple/list/set/dict whose every item (and dict value) is a plain literal."""
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return all(isinstance(item, ast.Constant) for item in node.elts)
    if isinstance(node, ast.Dict):
        return all(isinstance(item, ast.Constant) for item in [*node.keys, *node.values])
    return False


def _module_constants(tree: ast.Module) -> dict[str, ast.expr]:
    """Names bound exactly once at module level to a literal or a collection of literals."""
    bound: dict[str, list[ast.expr]] = {}
    for statement in tree.body:
        targets: list[ast.expr] = []
        value: ast.expr | None = None
        if isinstance(statement, ast.Assign):
            targets, value = statement.targets, statement.value
        elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
            targets, value = [statement.target], statement.value
        for target in targets:
            if isinstance(target, ast.Name) and value is not None:
                bound.setdefault(target.id, []).append(value)
    # a function that declares the name `global` can rebind it, so it is no constant
    for node in ast.walk(tree):
        if isinstance(node, ast.Global):
            for name in node.names:
                bound.pop(name, None)
    return {name: values[0] for name, values in bound.items() if len(values) == 1 and _is_literal_collection(values[0])}


class _Checker(ast.NodeVisitor):
    def __init__(self, path: str, tree: ast.Module) -> None:
        self.path = path
        self.constants = _module_constants(tree)
        self.findings: list[Finding] = []
        # Loop variables over a module-level literal collection (`for color in PALETTE:`) hold one of its items
        self.loop_items: set[str] = set()

    def visit_For(self, node: ast.For) -> None:
        iterated = node.iter
        if isinstance(iterated, ast.Call) and isinstance(iterated.func, ast.Attribute):
            iterated = iterated.func.value if iterated.func.attr in {'items', 'values', 'keys'} else iterated
        literal = isinstance(iterated, ast.Name) and iterated.id in self.constants
        names = [n.id for n in ast.walk(node.target) if isinstance(n, ast.Name)] if literal else []
        added = [name for name in names if name not in self.loop_items]
        self.loop_items.update(added)
        self.generic_visit(node)
        self.loop_items.difference_update(added)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in STRING_METHODS:
            for argument in [*node.args, *(keyword.value for keyword in node.keywords)]:
                for culprit in self._unsafe_parts(argument, top=True):
                    self.findings.append(Finding(self.path, argument.lineno, func.attr, ast.unparse(culprit)))
        self.generic_visit(node)

    def _unsafe_parts(self, node: ast.expr, *, top: bool = False) -> list[ast.expr]:
        """The sub-expressions of a props string that are not provably literals chosen in code."""
        if (self.path, ast.unparse(node)) in ALLOWED:
            return []
        if isinstance(node, ast.Constant):
            return []
        if isinstance(node, ast.JoinedStr):
            return [part for value in node.values for part in self._unsafe_parts(value)]
        if isinstance(node, ast.FormattedValue):
            return self._unsafe_parts(node.value)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Mod):
            return self._unsafe_parts(node.left) + self._unsafe_parts(node.right)
        if isinstance(node, ast.IfExp):
            return self._unsafe_parts(node.body) + self._unsafe_parts(node.orelse)
        if isinstance(node, ast.Tuple | ast.List):
            return [part for item in node.elts for part in self._unsafe_parts(item)]
        if isinstance(node, ast.Name):
            constant = self.constants.get(node.id)
            if constant is not None and (not top or isinstance(constant, ast.Constant)):
                return []
            return [] if node.id in self.loop_items and not top else [node]
        if isinstance(node, ast.Subscript) and not top:
            # KIND_ICONS[kind]: any item of a module-level dict of literals is a literal
            base = node.value
            if isinstance(base, ast.Name) and base.id in self.constants:
                return []
            return [node]
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == 'format':
            parts = [*node.args, *(keyword.value for keyword in node.keywords)]
            return self._unsafe_parts(node.func.value) + [p for arg in parts for p in self._unsafe_parts(arg)]
        return [node]


def check_source(source: str, path: str = '<snippet>') -> list[Finding]:
    tree = ast.parse(source, filename=path)
    checker = _Checker(path, tree)
    checker.visit(tree)
    return checker.findings


def ui_files() -> list[Path]:
    files = sorted((ROOT / 'components').rglob('*.py')) + sorted((ROOT / 'pages').rglob('*.py'))
    return [*files, ROOT / 'main.py']


def test_no_untrusted_text_in_props_classes_or_style_strings() -> None:
    findings = [
        finding
        for path in ui_files()
        for finding in check_source(path.read_text(encoding='utf-8'), str(path.relative_to(ROOT)))
    ]
    assert not findings, '\n'.join(['', *map(str, findings), ADVICE])


def test_every_allow_list_entry_is_still_used() -> None:
    sources = {str(path.relative_to(ROOT)): path.read_text(encoding='utf-8') for path in ui_files()}
    for path, expression in ALLOWED:
        tree = ast.parse(sources[path])
        assert any(ast.unparse(node) == expression for node in ast.walk(tree)), (
            f'stale ALLOWED entry {path}: {expression}'
        )


def test_a_title_pasted_into_an_aria_label_is_flagged() -> None:
    findings = check_source("""ui.label('x').props(f'aria-label="{title}"')""")
    assert [(f.line, f.method, f.value) for f in findings] == [(1, 'props', 'title')]
    assert str(findings[0]) == (
        '<snippet>:1: `title` goes into a .props(...) string; '
        "set it on the dict instead: element.props['aria-label'] = text"
    )


def test_concatenation_format_and_variables_are_flagged() -> None:
    snippet = (
        'def card(source, name):\n'
        "    ui.row().classes('row ' + source.kind)\n"
        "    ui.row().style('width: %s' % name)\n"
        '    ui.row().props(\'title="{}"\'.format(source.title))\n'
        '    ui.row().props(name)\n'
        "    ui.row().classes(replace='text-xs ' + name)\n"
    )
    flagged = [(f.line, f.method, f.value) for f in check_source(snippet)]
    assert flagged == [
        (2, 'classes', 'source.kind'),
        (3, 'style', 'name'),
        (4, 'props', 'source.title'),
        (5, 'props', 'name'),
        (6, 'classes', 'name'),
    ]


def test_literals_chosen_in_code_pass() -> None:
    snippet = (
        "ICONS = {'pdf': 'picture_as_pdf', 'text': 'notes'}\n"
        "PALETTE = ('#e11d48', '#2563eb')\n"
        "CARD = 'rounded p-4'\n"
        'def card(busy, kind, title):\n'
        '    ui.button().props(f\'icon={"stop" if busy else "send"} color={ICONS[kind]}\')\n'
        '    ui.card().classes(CARD)\n'
        "    ui.label(title).classes('text-sm ' + ('text-positive' if busy else 'text-negative'))\n"
        '    for color in PALETTE:\n'
        "        ui.button().style(f'background: {color}')\n"
        "    ui.label(title).props['aria-label'] = f'Open {title}'\n"
    )
    assert check_source(snippet) == []
