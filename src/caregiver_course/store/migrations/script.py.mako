"""${message}"""

import sqlalchemy as sa
from alembic import op

from caregiver_course.store.migrations import schema_number

revision = ${repr(up_revision)}
down_revision = ${repr(down_revision)}
branch_labels = None
depends_on = None


def upgrade() -> None:
    ${upgrades if upgrades else "pass"}
    schema_number(int(revision[1:]))
