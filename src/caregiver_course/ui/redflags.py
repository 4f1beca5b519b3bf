"""The red-flags box a lesson shows (``cc.red_flags("emergency")``): one group's signs and what to do."""

from __future__ import annotations

from .links import GROUP_TITLES, red_flags_html
from .widgets import Panel, current_content, friendly_error, html

# Links are tap targets: at least 24 px high (WCAG 2.5.8), written inline so they hold wherever they are shown.


def red_flags(group: str):
    """Widget for a lesson cell: ``cc.red_flags("emergency")``."""
    try:
        c = current_content()
        if group not in GROUP_TITLES:
            raise KeyError(group)
        body = red_flags_html(c, group)
        rows = [c.clinic.fill(r.name) for r in c.side_effects if r.group == group]
        summary = f"{c.clinic.fill(GROUP_TITLES[group])}:\n" + "\n".join(f"- {name}" for name in rows)
        return Panel(
            [html(f"<div class='cc-redflags cc-redflags-{group}'>{body}</div>")],
            summary=summary,
            classes=("cc-card", "cc-red-flags"),
        )
    except Exception:
        import logging

        logging.getLogger("caregiver_course").exception("red_flags(%r) failed", group)
        return friendly_error("The list of signs could not be shown. The numbers are behind the ☎ Help button.")
