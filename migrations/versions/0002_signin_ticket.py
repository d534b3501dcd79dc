"""signin_ticket: one-time passes from the password check to the cookie-setting request

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03 19:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'signin_ticket',
        sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('user_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('browser', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('signin_ticket', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_signin_ticket_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_signin_ticket_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('signin_ticket', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_signin_ticket_user_id'))
        batch_op.drop_index(batch_op.f('ix_signin_ticket_expires_at'))
    op.drop_table('signin_ticket')
