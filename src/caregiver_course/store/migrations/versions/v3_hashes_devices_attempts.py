"""Schema 3: learners.token and learners.resume_code hold keyed hashes (codes.keyed_hash), never the values;
a learner who resumes on another device gets a device token of its own; wrong-code tries per client (shared
by every kernel, for the rate limits) and which client each page's kernel serves."""

import sqlalchemy as sa
from alembic import context, op

from caregiver_course.store.codes import normalise_code
from caregiver_course.store.migrations import schema_number

revision = "v3"
down_revision = "v2"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "devices",
        sa.Column("token_hash", sa.Text, primary_key=True),
        sa.Column("learner_id", sa.Text, sa.ForeignKey("learners.id", ondelete="CASCADE"), nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    op.create_index("devices_learner", "devices", ["learner_id"])
    op.create_table(
        "attempts",
        sa.Column("scope", sa.Text, nullable=False),
        sa.Column("client", sa.Text, nullable=False),
        sa.Column("at", sa.Float, nullable=False),
        sa.Column("ok", sa.Integer, nullable=False),
    )
    op.create_index("attempts_scope", "attempts", ["scope", "at"])
    op.create_table(
        "kernel_clients",
        sa.Column("kernel_id", sa.Text, primary_key=True),
        sa.Column("client", sa.Text, nullable=False),
        sa.Column("at", sa.Float, nullable=False),
    )
    # Replace stored tokens and resume codes by their keyed hashes (the store hands its hash function over).
    keyed = context.config.attributes["keyed_hash"]
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id, token, resume_code FROM learners")).fetchall()
    if rows:
        bind.execute(
            sa.text("UPDATE learners SET token = :t, resume_code = :c WHERE id = :i"),
            [{"t": keyed(t), "c": keyed(normalise_code(c)), "i": i} for i, t, c in rows],
        )
    schema_number(3)
