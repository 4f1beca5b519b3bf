"""Schema 4: the observation journal (opt-in, issue 11): one entry per learner and day, and whether it is on.
Only the learner's own page reads it: never a facilitator's page or a workshop's results."""

import sqlalchemy as sa
from alembic import op

from caregiver_course.store.migrations import schema_number

revision = "v4"
down_revision = "v3"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "journal_entries",
        sa.Column("learner_id", sa.Text, sa.ForeignKey("learners.id", ondelete="CASCADE"), nullable=False),
        sa.Column("day", sa.Text, nullable=False),
        sa.Column("at", sa.Float, nullable=False),
        sa.Column("entry", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("learner_id", "day"),
    )
    op.create_table(
        "journal_on",
        sa.Column("learner_id", sa.Text, sa.ForeignKey("learners.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("at", sa.Float, nullable=False),
    )
    schema_number(4)
