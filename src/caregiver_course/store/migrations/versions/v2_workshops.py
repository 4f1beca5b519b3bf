"""Schema 2: workshops, their participants, and which workshop an answer counts for."""

import sqlalchemy as sa
from alembic import op

from caregiver_course.store.migrations import schema_number

revision = "v2"
down_revision = "v1"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "workshops",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("join_code", sa.Text, nullable=False, unique=True),
        sa.Column("title", sa.Text, nullable=False, server_default=""),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("closed_at", sa.Float),
    )
    op.create_table(
        "participants",
        sa.Column("workshop_id", sa.Text, sa.ForeignKey("workshops.id", ondelete="CASCADE"), nullable=False),
        sa.Column("learner_id", sa.Text, sa.ForeignKey("learners.id", ondelete="CASCADE"), nullable=False),
        sa.Column("nickname", sa.Text, nullable=False, server_default=""),
        sa.Column("joined_at", sa.Float, nullable=False),
        sa.PrimaryKeyConstraint("workshop_id", "learner_id"),
    )
    op.add_column("events", sa.Column("workshop_id", sa.Text))
    op.create_index("events_workshop", "events", ["workshop_id", "item"])
    schema_number(2)
