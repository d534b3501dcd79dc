"""Invitations: a notebook shared with an address that has no account yet, waiting for that address to register."""

from __future__ import annotations

from sqlmodel import select

from aurenlm import db
from aurenlm.models import Invitation
from aurenlm.repos.users import normalise_email


def pending_for(email: str) -> bool:
    """Is any notebook waiting for this address? An invite-only instance lets exactly these addresses register."""
    with db.session() as s:
        return (
            s.exec(select(Invitation.id).where(Invitation.email == normalise_email(email)).limit(1)).first() is not None
        )
