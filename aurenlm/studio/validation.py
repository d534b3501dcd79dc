"""What the studio refuses: errors with messages to show, artifacts that are not ready or not of the asked kind, and
mind maps edited in the browser (text labels, hex colours, bounded size, stable node ids)."""

from __future__ import annotations

import re
from typing import Any

from pydantic import ValidationError

from aurenlm.models import Artifact
from aurenlm.sharing.access import Forbidden
from aurenlm.studio.options import KIND_LABELS
from aurenlm.studio.schemas import MindMap, MindNode, assign_ids, iter_nodes

MAX_NODES = 1000
MAX_DEPTH = 12
MAX_LABEL = 200
_COLOR = re.compile(r'^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$')
_NODE_ID = re.compile(r'^[A-Za-z0-9_-]{1,40}$')


class ArtifactError(ValueError):
    """A request that cannot be served; the message says what to do and is safe to show."""


class ArtifactForbidden(Forbidden, ArtifactError):
    """The user can see the notebook but may not generate or change studio outputs (a viewer)."""


def require_done(artifact: Artifact, kind: str, what: str) -> None:
    """Refuse an artifact of another kind (`what` names the wanted one: "a quiz"), or one still being made."""
    if artifact.kind != kind:
        raise ArtifactError(f'This is not {what}.')
    if artifact.status != 'done' or artifact.data is None:
        raise ArtifactError(f'This {KIND_LABELS[kind].lower()} is not ready yet. Wait for it to finish.')


def clean_mindmap(data: Any) -> MindMap:
    """Validate an edited map: text labels, hex colours, bounded size; nodes without an id get a stable one."""
    try:
        mindmap = MindMap.model_validate(data)
    except ValidationError as e:
        first = e.errors()[0]
        where = '.'.join(str(part) for part in first['loc'])
        raise ArtifactError(f'The mind map is not valid ({where}: {first["msg"]}). Reload it and try again.') from None
    mindmap.title = ' '.join(mindmap.title.split())[:MAX_LABEL]
    if not mindmap.title:
        raise ArtifactError('The mind map needs a title.')
    nodes = iter_nodes(mindmap.nodes)
    if len(nodes) > MAX_NODES:
        raise ArtifactError(f'A mind map can have at most {MAX_NODES} nodes. Delete some branches first.')

    def check(items: list[MindNode], depth: int) -> None:
        if items and depth > MAX_DEPTH:
            raise ArtifactError(f'A mind map can be at most {MAX_DEPTH} levels deep.')
        for node in items:
            node.label = ' '.join(node.label.split())[:MAX_LABEL]
            if not node.label:
                raise ArtifactError('Every node needs a label. Type a name, or delete the node.')
            if node.color is not None and not _COLOR.match(node.color):
                raise ArtifactError('Colours must be hex values like #4f46e5.')
            check(node.children, depth + 1)

    check(mindmap.nodes, 1)
    return _fill_ids(mindmap)


def _fill_ids(mindmap: MindMap) -> MindMap:
    """Keep every valid, unique id (so edits do not disturb the rest); give the others assign_ids' stable ids."""
    fresh = assign_ids(mindmap)
    seen: set[str] = set()
    for node, candidate in zip(iter_nodes(mindmap.nodes), iter_nodes(fresh.nodes), strict=True):
        node_id = node.id if node.id and _NODE_ID.match(node.id) and node.id not in seen else candidate.id
        suffix = 1
        base = node_id
        while node_id in seen:
            suffix += 1
            node_id = f'{base}-{suffix}'
        node.id = node_id
        seen.add(node_id)
    return mindmap
