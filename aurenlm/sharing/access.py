"""May this person do X in this notebook? The one place that answers it, for every server-side path.

- `require(user, notebook_id, capability)` answers the person's role when it allows the action, None when they are
  not a member (the caller answers "not found", exactly as for a missing notebook), and raises `Forbidden` for a
  member whose role does not allow it. Every refusal is audited (`access_refused`): the UI never offers an action a
  role forbids, so a refused call is a forged socket event, a script, or a page left open after a role change.
- `@guarded(capability, via=...)` on a service function declares the capability it needs and checks it before the
  function runs; `@declares(capability)` marks one that checks in its body (a stream that must fail with its own
  error). `GUARDED` lists both with their capability, so tests can enumerate them.
- API routes declare theirs on their dependency (`aurenlm/web/api/deps.py`, `Access(needs=...)`).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any, Literal, TypeVar

from aurenlm import repos
from aurenlm.models import Notebook, User
from aurenlm.repos import members
from aurenlm.sharing import roles
from aurenlm.sharing.roles import Capability

F = TypeVar('F', bound=Callable[..., Any])
Via = Literal['notebook', 'notebook_id', 'source_id', 'note_id', 'artifact_id', 'message_id', 'job_id']

# the address of whoever acts in this request or socket event, for the audit trail (set by the API and main.py)
client_ip: ContextVar[str] = ContextVar('client_ip', default='')

GUARDED: dict[str, Capability] = {}


class Forbidden(Exception):  # noqa: N818 - named for what the person hears, like the API's code
    """A member's role does not allow this. The message says what the role allows and what to do next.

    Services raise their own subclasses (`SourceForbidden(Forbidden, SourceError)`, …) so callers that catch the
    service's error type see it too; put `Forbidden` first in the bases, so its `__init__` runs.
    """

    code = 'forbidden'

    def __init__(self, role: str | None, capability: Capability, message: str | None = None) -> None:
        self.role, self.capability = role, capability
        super().__init__(message or roles.refusal(role, capability))


def role_of(user: User, notebook_id: str) -> str | None:
    return members.role_of(user.id, notebook_id)


def can(user: User, notebook_id: str, capability: Capability) -> bool:
    """A yes or no, for deciding what to show; never audits."""
    return roles.allows(role_of(user, notebook_id), capability)


def require(
    user: User,
    notebook_id: str,
    capability: Capability,
    *,
    refuse: type[Forbidden] = Forbidden,
    where: str = '',
    ip: str | None = None,
) -> str | None:
    """The user's role when it allows `capability`; None when they are not a member; `refuse` (audited) otherwise.
    `where` names the function or route for the audit trail; `ip` defaults to the request's (`client_ip`)."""
    role = role_of(user, notebook_id)
    if role is None:
        return None
    if not roles.allows(role, capability):
        repos.audit.record(
            user.id,
            'access_refused',
            ip=client_ip.get() if ip is None else ip,
            notebook_id=notebook_id,
            capability=capability.value,
            role=role,
            where=where,
        )
        raise refuse(role, capability)
    return role


def still_allowed(user_id: str | None, notebook_id: str | None, capability: Capability) -> bool:
    """For a job, when it starts: does the person who queued it still hold a role that allows it?

    A job whose person is gone (`user_id` None: accounts/deletion.py unlinks the jobs of a deleted account) runs while
    its notebook exists: what they added now belongs to the notebook, and its owner and editors answer for it. Someone
    merely removed from the notebook still has an account, so their role is asked, and they are refused."""
    if notebook_id is None:
        return False
    if user_id is None:
        return members.count(notebook_id) > 0  # the owner is a member as long as the notebook exists
    return roles.allows(members.role_of(user_id, notebook_id), capability)


def notebook_of(user: User, via: Via, value: Any) -> str | None:
    """The notebook a guarded call acts in, found through the user's membership (None for a stranger's id)."""
    if value is None:
        return None
    if via == 'notebook':
        return value.id if isinstance(value, Notebook) else None
    if via == 'notebook_id':
        return str(value)
    if via == 'job_id':
        from aurenlm import jobs  # imported here: the job machinery is heavy and never needs this module

        job = jobs.get(str(value))
        return job.notebook_id if job is not None and job.notebook_id else None
    finders = {
        'source_id': repos.sources.get,
        'note_id': repos.notes.get,
        'artifact_id': repos.artifacts.get,
        'message_id': repos.messages.get,
    }
    row = finders[via](user, value)
    return row.notebook_id if row is not None else None


def guarded(
    capability: Capability, *, via: Via, missing: Any = None, refuse: type[Forbidden] = Forbidden
) -> Callable[[F], F]:
    """Check, before a service function runs, that its `user` may do `capability` in the notebook its `via`
    argument names. A non-member gets `missing` back (what the function answers for a missing id); a member whose
    role does not allow it gets `refuse`. Works on plain and async functions."""

    def decorate(fn: F) -> F:
        signature = inspect.signature(fn)
        name = f'{fn.__module__}.{fn.__qualname__}'
        GUARDED[name] = capability

        def allowed(args: tuple, kwargs: dict) -> bool:
            bound = signature.bind(*args, **kwargs)
            user = bound.arguments['user']
            notebook_id = notebook_of(user, via, bound.arguments.get(via))
            if notebook_id is None:
                return False
            return require(user, notebook_id, capability, refuse=refuse, where=name) is not None

        wrapper: Any
        if inspect.iscoroutinefunction(fn):

            @functools.wraps(fn)
            async def run_async(*args: Any, **kwargs: Any) -> Any:
                if not allowed(args, kwargs):
                    return missing
                return await fn(*args, **kwargs)

            wrapper = run_async
        else:

            @functools.wraps(fn)
            def run(*args: Any, **kwargs: Any) -> Any:
                if not allowed(args, kwargs):
                    return missing
                return fn(*args, **kwargs)

            wrapper = run
        wrapper.capability = capability
        return wrapper

    return decorate


def declares(capability: Capability) -> Callable[[F], F]:
    """Register a function that calls `require` in its own body, so it is enumerated with the guarded ones."""

    def decorate(fn: F) -> F:
        GUARDED[f'{fn.__module__}.{fn.__qualname__}'] = capability
        fn.capability = capability  # type: ignore[attr-defined]
        return fn

    return decorate
