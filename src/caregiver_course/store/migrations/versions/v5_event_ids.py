"""Schema 5: every event carries an id made by the writer, unique, so a write retried after an unclear
failure (the commit went through but the reply was lost) never stores an answer twice."""

import sqlalchemy as sa
from alembic import op

from caregiver_course.store.migrations import schema_number

revision = "v5"
down_revision = "v4"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("events", sa.Column("event_id", sa.Text))
    op.execute("UPDATE events SET event_id = 'seq-' || CAST(seq AS TEXT) WHERE event_id IS NULL")
    op.create_index("events_event_id", "events", ["event_id"], unique=True)
    schema_number(5)
