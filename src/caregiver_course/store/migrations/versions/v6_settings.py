"""Schema 6: a small table of the store's own settings. It holds the fingerprint of the hashing key the store
was made with, so a server started with another key refuses to start instead of losing every learner."""

import sqlalchemy as sa
from alembic import op

from caregiver_course.store.migrations import schema_number

revision = "v6"
down_revision = "v5"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "store_settings",
        sa.Column("name", sa.Text, primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    schema_number(6)
