"""Take-home tools: files a learner downloads (support plan, triage cards, journal export, session calendar,
certificate). Pure Python, no widgets: each function takes content, clinic settings and the learner's own
choices, and returns bytes or text. The PDF, chart and calendar libraries are imported inside the functions,
so a kernel that never makes a file never loads them.
"""

# Control characters (C0 and C1, and DEL) except newline and tab: never written into a CSV or PDF file. A NUL or
# an ESC typed into a note would otherwise reach a spreadsheet or a PDF reader as it is.
_CONTROLS = dict.fromkeys(c for c in (*range(0x20), *range(0x7F, 0xA0)) if chr(c) not in "\n\t")


def strip_controls(text: object) -> str:
    """The text without control characters (newline and tab stay)."""
    return str(text).translate(_CONTROLS)
