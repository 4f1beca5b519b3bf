"""The parts a lesson notebook shows, each one widget: header, help box, key points, what's next, the
clinic's values, a checklist, a reflection and the side-effect table.
Lesson cells call them as ``cc.header("start")``."""

from __future__ import annotations

from html import escape

import ipywidgets as w

from ..content.clinic import LEARNER_LABELS
from ..learning import quiz
from ..store import session
from .takehome import lesson_tools
from .widgets import (
    HELP_LABEL,
    Choices,
    Panel,
    crisis_html,
    current_content,
    disclaimer_html,
    friendly,
    html,
    missing_box,
    problem_box,
    safe_callback,
)

TABLE_LABEL = "What is normal, what is urgent"  # the whole side-effect table, one tap from Home and from Help


@friendly("The help box could not be shown.")
def help_now(on_table=None) -> Panel:
    """A Help button that stays on screen (bottom corner) and opens the crisis and clinic numbers as links.
    In the app, on_table() shows the whole side-effect table: the help box then has a button for it."""
    box = html(f"<h2 class='cc-help-title'>Help now</h2>{crisis_html()}", "cc-crisis", "cc-help-box")
    shown = [box]  # what the Help button opens and closes
    if on_table is not None:
        table = w.Button(description=TABLE_LABEL, tooltip="Every sign, and what to do, in one place")
        table.add_class("cc-help-table")
        shown.append(table)
    for part in shown:
        part.layout.display = "none"
    button = w.Button(description=HELP_LABEL, tooltip="Show crisis and clinic numbers")
    button.add_class("cc-help-button")

    def toggle(_):
        opening = box.layout.display == "none"
        for part in shown:
            part.layout.display = None if opening else "none"
        button.description = "✕ Close help" if opening else HELP_LABEL

    def open_table(_):
        toggle(None)  # the help box closes, so it does not cover the table
        on_table()

    button.on_click(safe_callback(toggle))
    if on_table is not None:
        table.on_click(safe_callback(open_table))
    return Panel([*shown, button], summary="Help now button (crisis and clinic numbers)", classes=("cc-help",))


@friendly("The lesson header could not be shown.")
def header(lesson_id: str) -> Panel:
    c = current_content()
    try:
        lesson = c.lesson(lesson_id)
    except KeyError:
        return missing_box(c, "lessons.yaml", lesson_id, "The lesson title could not be shown.")
    total = len(c.lessons) - 1
    where = f"Lesson {lesson.number} of {total}" if lesson.number else "Start here"
    objectives = "".join(f"<li>{escape(c.clinic.fill(o))}</li>" for o in lesson.objectives)
    top = html(
        f"<p class='cc-where'>{where} · about {lesson.minutes} minutes</p>"
        f"<h1 class='cc-title'>{escape(lesson.title)}</h1><p><strong>In this lesson you will:</strong></p>"
        f"<ul>{objectives}</ul>",
        "cc-header",
    )
    note = html(f"<div class='cc-note'>{disclaimer_html()}</div>", "cc-disclaimer")
    children = [top, help_now(), note]
    if c.clinic.value("treatment_type") == "esketamine":
        children.append(
            html(  # fact A5: a different, FDA-approved treatment with rules of its own
                "<div class='cc-note'><p><strong>Note:</strong> This course was written for ketamine infusions "
                "given into a vein. Your loved one's clinic gives esketamine nasal spray (SPRAVATO). It is approved "
                "by the FDA and has some rules of its own, so a few details here differ. Always follow what your "
                "clinic tells you.</p></div>",
                "cc-treatment-note",
            )
        )
    broken = c.problems_in("clinic.yaml")
    if broken:
        children.append(problem_box(broken, "Some clinic details are missing."))
    return Panel(
        children,
        summary=f"{where}: {lesson.title} (about {lesson.minutes} minutes)"
        if lesson.number
        else f"{lesson.title} (about {lesson.minutes} minutes)",
        classes=("cc-lesson-header",),
    )


@friendly("The key points could not be shown.")
def key_points(lesson_id: str) -> Panel:
    c = current_content()
    lesson = c.lesson(lesson_id)
    points = [c.clinic.fill(p) for p in lesson.key_points]
    body = "".join(f"<li>{escape(p)}</li>" for p in points)
    summary = "Key points:\n" + "\n".join(f"- {p}" for p in points)
    return Panel([html(f"<h3>Key points</h3><ul>{body}</ul>", "cc-card")], summary=summary, classes=("cc-key-points",))


@friendly("The next step could not be shown.")
def whats_next(lesson_id: str) -> Panel:
    c = current_content()
    lesson = c.lesson(lesson_id)
    later = [x for x in c.lessons if x.number == lesson.number + 1]
    if later:
        nxt = later[0]
        text = (
            f"<h3>What's next</h3><p>Next is lesson {nxt.number}: <strong>{escape(nxt.title)}</strong> "
            f"(about {nxt.minutes} minutes). {escape(c.clinic.fill(nxt.summary))}</p>"
        )
        summary = f"Next: lesson {nxt.number}, {nxt.title}"
    else:
        text = (
            "<h3>What's next</h3><p>You have reached the end of the course. Thank you for the care you "
            "give. Come back to any lesson whenever you need it.</p>"
        )
        summary = "End of the course"

    tools = lesson_tools(lesson_id, session.for_new_widget())
    return Panel([*tools, html(text, "cc-card")], summary=summary, classes=("cc-next",))


@friendly("The clinic's details could not be shown.")
def clinic_box(*names: str, title: str = "What your clinic says") -> Panel:
    """A box of clinic settings (from data/clinic.yaml) with learner-friendly labels."""
    c = current_content()
    rows = []
    for name in names:
        if name not in LEARNER_LABELS:
            raise KeyError(name)
        if name in ("dose_and_length", "local_support", "crisis_text_line") and not c.clinic.is_set(name):
            continue
        rows.append((LEARNER_LABELS[name], c.clinic.shown(name)))
    body = "".join(f"<li><strong>{escape(label)}:</strong> {escape(value)}</li>" for label, value in rows)
    summary = title + ":\n" + "\n".join(f"- {label}: {value}" for label, value in rows)
    return Panel(
        [html(f"<div class='cc-note'><h3>{escape(title)}</h3><ul>{body}</ul></div>")],
        summary=summary,
        classes=("cc-clinic-box",),
    )


@friendly("The checklist could not be shown.")
def checklist(checklist_id: str) -> Panel:
    c = current_content()
    cl = c.checklists.get(checklist_id)
    if cl is None:
        return missing_box(c, "checklists.yaml", checklist_id, "A checklist is missing.")
    sess = session.for_new_widget()
    ticked = sorted(sess.checked(checklist_id))
    box = Choices(
        kind="multi",
        prompt=cl.title,
        prompt_id=f"cc-cl-{cl.id}",
        hint=c.clinic.fill(cl.intro) if cl.intro else "",
        options=[[c.clinic.fill(i.text), i.id] for i in cl.items],
        value=ticked,
    )
    box.add_class("cc-checklist-items")
    count = len(cl.items)

    def status(n: int) -> str:
        return f"<p>{n} of {count} ticked.</p>"

    box.feedback = status(len(ticked))
    before = set(ticked)

    def on_change(change):
        nonlocal before
        now = {str(x) for x in (change["new"] or ())} & {i.id for i in cl.items}
        for item_id in sorted(now ^ before):
            sess.record_check(cl.lesson, cl.id, item_id, item_id in now)
        before = now
        box.feedback = status(len(now))
        sess.changed()

    box.observe(safe_callback(on_change), names="value")
    return Panel([box], summary=f"Checklist: {cl.title} ({count} items)", classes=("cc-card", "cc-checklist"))


@friendly("The reflection box could not be shown.")
def reflection(reflection_id: str) -> Panel:
    c = current_content()
    r = c.reflections.get(reflection_id)
    if r is None:
        return missing_box(c, "reflections.yaml", reflection_id, "A reflection prompt is missing.")
    prompt = c.clinic.fill(r.prompt)
    top = html(
        f"<h3>Think about it</h3><p id='cc-r-{escape(r.id)}'>{escape(prompt)}</p>"
        + (f"<p><em>{escape(c.clinic.fill(r.hint))}</em></p>" if r.hint else "")
    )
    area = w.Textarea(placeholder="Type here if you like (optional).", rows=4)
    area.layout.width = "100%"
    area.add_class("cc-reflection-text")
    note = html("<p>🔒 What you type here is never saved, and no one else can see it.</p>")
    return Panel([top, area, note], summary=f"Reflection: {prompt}", classes=("cc-card", "cc-reflection"))


GROUP_ICONS = {"expected": "🕒", "clinic": "☎", "emergency": "🚑", "crisis": "💬"}

ROWS_PER_PART = 4  # side-effect rows in one part of the table (one lesson step on a phone)


class SideEffectTable(Panel):
    """One small table per group (the app may show each group as its own step)."""

    def __init__(self, parts: list, extra: list, summary: str):
        super().__init__([*parts, *extra], summary=summary, classes=("cc-side-effect-table",))
        self.parts, self.extra = parts, extra

    def pages(self) -> list[list]:
        pages = [[part] for part in self.parts]
        if pages:
            pages[-1] += self.extra
        return pages


@friendly("The side-effect table could not be shown.")
def side_effect_table(groups: tuple[str, ...] = quiz.TRIAGE_BINS) -> Panel:
    """A table per group on wide screens; on phones each row is a card whose fields carry their labels
    (cc-app.css). Each group is shown by icon + word + colour, never colour alone."""
    c = current_content()
    rows = [r for r in c.side_effects if r.group in groups]
    heads = ("What you notice", "What it can look like", "What to do")
    parts = []
    chunks = []  # (group, rows, continued): a group of many rows is shown in parts, so a phone step stays short
    for group in groups:
        mine = [r for r in rows if r.group == group]
        count = -(-len(mine) // ROWS_PER_PART)  # parts of balanced length (5 rows: 3 + 2, never 4 + 1)
        cuts = [round(i * len(mine) / count) for i in range(count + 1)] if mine else []
        chunks += [(group, mine[a:b], a > 0) for a, b in zip(cuts, cuts[1:])]
    for group, mine, continued in chunks:
        label = escape(c.clinic.fill(quiz.TRIAGE_LABELS[group]))
        more = " (continued)" if continued else ""
        body = "".join(
            f"<tr class='cc-se-row cc-se-{r.group}'><th scope='row' data-label='{heads[0]}'>"
            f"{escape(c.clinic.fill(r.name))}</th><td data-label='{heads[1]}'>{escape(c.clinic.fill(r.looks_like))}"
            f"</td><td data-label='{heads[2]}'><span class='cc-se-group'><span aria-hidden='true'>"
            f"{GROUP_ICONS[r.group]}</span> <strong>{label}.</strong></span> {escape(c.clinic.fill(r.what_to_do))}"
            f"</td></tr>"
            for r in mine
        )
        parts.append(
            html(
                f"<h3 class='cc-se-heading cc-se-{group}'><span aria-hidden='true'>{GROUP_ICONS[group]}</span> "
                f"{label}{more}</h3><table class='cc-se-table'><caption class='cc-visually-hidden'>"
                f"Side effects: {label}{more}"
                f"</caption><thead><tr>{''.join(f'<th scope=col>{h}</th>' for h in heads)}</tr></thead>"
                f"<tbody>{body}</tbody></table>",
                "cc-side-effects",
            )
        )
    broken = c.problems_in("side_effects.yaml")
    extra = [problem_box(broken, "Some rows of the table are missing.")] if broken else []
    return SideEffectTable(parts, extra, summary=f"Side-effect table: {len(rows)} rows")
