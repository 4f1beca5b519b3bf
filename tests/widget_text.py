"""Reading what a widget tree shows, for tests that check text without a browser."""


def walk(widget):
    """Every widget in the tree, parents before children, in display order."""
    stack = [widget]
    while stack:
        w = stack.pop(0)
        yield w
        stack[0:0] = list(getattr(w, "children", ()))


def text_of(widget) -> str:
    """All text a tree shows (values, button labels, summaries, options) and its CSS classes."""
    out = []
    for w in walk(widget):
        for attr in ("value", "description", "summary", "prompt", "hint", "feedback"):
            v = getattr(w, attr, None)
            if isinstance(v, str):
                out.append(v)
        out.extend(str(o) for o in getattr(w, "options", ()) or ())
        rows = getattr(w, "rows", ())
        out.extend(str(r) for r in (rows if isinstance(rows, (list, tuple)) else ()))  # sorting situations
        out.append(" ".join(getattr(w, "_dom_classes", ())))
    return "\n".join(out)
