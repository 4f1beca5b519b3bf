"""Schema 1: learners (anonymous id, browser token, resume code) and their append-only events."""

import sqlalchemy as sa
from alembic import op

from caregiver_course.store.migrations import schema_number

revision = "v1"
down_revision = None
branch_labels = None
depends_on = None

# Event sequence numbers: a rowid on SQLite ("INTEGER PRIMARY KEY AUTOINCREMENT"), a bigint identity elsewhere.
SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "learners",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("token", sa.Text, nullable=False, unique=True),
        sa.Column("resume_code", sa.Text, nullable=False, unique=True),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    op.create_table(
        "events",
        sa.Column("seq", SEQ, primary_key=True, autoincrement=True),
        sa.Column("learner_id", sa.Text, sa.ForeignKey("learners.id", ondelete="CASCADE"), nullable=False),
        sa.Column("at", sa.Float, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("lesson", sa.Text, nullable=False),
        sa.Column("item", sa.Text, nullable=False),
        sa.Column("sub_item", sa.Text, nullable=False, server_default=""),
        sa.Column("response", sa.Text, nullable=False, server_default=""),
        sa.Column("status", sa.Text, nullable=False, server_default=""),
        sa.CheckConstraint("kind IN ('answer', 'check', 'step')", name="events_kind"),
        sqlite_autoincrement=True,
    )
    op.create_index("events_learner", "events", ["learner_id", "seq"])
    schema_number(1)
