"""A question on the screen (choices, check, feedback in words and symbols, never colour alone) and a
lesson's knowledge check, cut into steps of a phone screen each. Checking and scoring is
:mod:`caregiver_course.learning.quiz`."""

from __future__ import annotations

from html import escape

import ipywidgets as w

from ..content.sources import source_line
from ..learning import quiz
from ..store import session
from .glossary import mark_terms
from .widgets import (
    Choices,
    Panel,
    current_content,
    friendly,
    html,
    missing_box,
    problem_box,
    safe_callback,
)


def explained(html_text: str) -> str:
    """html_text with its glossary terms made tap-to-define (glossary.py)."""
    return mark_terms(html_text, current_content())


def _feedback_html(result: quiz.Result, clinic) -> str:
    details = "".join(f"<li>{escape(clinic.fill(d))}</li>" for d in result.details)
    again = "" if result.correct else "<p>You can change your answer and check again. There is no penalty.</p>"
    return (
        f"<div class='cc-feedback-{result.status}'>"
        f"<p><strong><span aria-hidden='true'>{result.symbol}</span> {result.headline}</strong></p>"
        f"<ul>{details}</ul><p><strong>Why:</strong> {explained(escape(clinic.fill(result.explanation)))}</p>{again}"
        f"<p class='cc-source'><small>{escape(source_line(result.sources))}</small></p></div>"
    )


class QuestionView(Panel):
    """One question: a fieldset named by the prompt, its choices, a Check button and a feedback region that
    stays in the page. It is bound to the learner's session when built, and shows their last answer (and
    its feedback) again after a reload or on another device."""

    def __init__(
        self,
        question: quiz.Question,
        number: int | None = None,
        of: int | None = None,
        restore: bool = True,
        seed: str = "",
    ):
        """restore=False starts blank (a practice); seed orders the choices (default: the learner's own)."""
        c = current_content()
        self.question = question
        self.clinic = c.clinic
        self.session = session.for_new_widget()
        label = f"Question {number} of {of}" if number else "Try this"
        kind = {"triage": "sort", "multi": "multi"}.get(question.type, "single")
        things = quiz.shuffled(question, seed or self.session.seed)
        if kind == "sort":
            options = [[c.clinic.fill(quiz.TRIAGE_LABELS[b]), b] for b in quiz.TRIAGE_BINS]
            rows = [[item.id, c.clinic.fill(item.text)] for item in things]
        else:
            options, rows = [[c.clinic.fill(o.text), o.id] for o in things], []
        self.choices = Choices(
            on_check=safe_callback(self._check, None),
            kind=kind,
            prompt=c.clinic.fill(question.prompt),
            prompt_id=f"cc-q-{question.id}",
            number_label=label,
            hint="Choose all that are right." if kind == "multi" else "",
            options=options,
            rows=rows,
            value={} if kind == "sort" else [] if kind == "multi" else "",
            check_label="Check my answer",
        )
        super().__init__(
            [self.choices], summary=f"{label}: {c.clinic.fill(question.prompt)}", classes=("cc-card", "cc-question")
        )
        self.add_class(f"cc-q-{question.type}")
        if restore:
            self._restore()

    @property
    def feedback(self) -> str:
        return self.choices.feedback

    def choose(self, value) -> None:
        """Set the answer as the browser would (tests and scripts)."""
        self.choices.value = value

    def response(self):
        value = self.choices.value
        if self.question.type == "triage":
            return {str(k): str(v) for k, v in (value or {}).items() if v} if isinstance(value, dict) else value
        if self.question.type == "multi":
            return list(value or [])
        return value

    def _restore(self) -> None:
        last = self.session.last_answers().get(self.question.id)
        if last is None:
            return
        try:
            result = quiz.check(self.question, last["response"])
        except (quiz.AnswerError, KeyError, TypeError):
            return  # an answer that no longer fits (the bank changed): start blank
        self.choices.value = last["response"]
        self.choices.feedback = _feedback_html(result, self.clinic)

    def check(self):
        return self._check()

    def _check(self, _=None):
        try:
            result = quiz.check(self.question, self.response())
        except quiz.AnswerError as exc:
            self.choices.feedback = (
                f"<div class='cc-feedback-hint'><p><strong><span aria-hidden='true'>ℹ</span> "
                f"{escape(str(exc))}</strong></p></div>"
            )
            return None
        self.session.record_answer(
            self.question.lesson, self.question.id, quiz.normalise(self.question, self.response()), result.status
        )
        self.choices.feedback = _feedback_html(result, self.clinic)
        self.session.changed()
        return result


@friendly("This question could not be shown.")
def question(question_id: str) -> Panel:
    c = current_content()
    try:
        return QuestionView(c.question(question_id))
    except KeyError:
        return missing_box(c, "questions/", question_id, "A practice question is missing.")


class KnowledgeCheck(Panel):
    """The knowledge check: an intro and one view per question (the app may show them over several steps)."""

    def __init__(self, intro: w.Widget, views: list[QuestionView], extra: list[w.Widget], summary: str):
        super().__init__([intro, *views, *extra], summary=summary, classes=("cc-quiz",))
        self.intro, self.views, self.extra = intro, views, extra

    def pages(self, budget: int = 14) -> list[list]:
        """The questions in pages of about one to two phone screens: a question costs 2 lines plus one per
        option (a sorting task: two per situation), and a page holds about budget lines."""
        pages: list[list] = [[]]
        used = 0
        for view in self.views:
            q = view.question
            cost = 2 + (2 * len(q.items) if q.type == "triage" else len(q.options))
            if pages[-1] and used + cost > budget:
                pages.append([])
                used = 0
            pages[-1].append(view)
            used += cost
        pages[0] = [self.intro, *pages[0]]
        pages[-1] = [*pages[-1], *self.extra]
        return pages


@friendly("The knowledge check could not be shown.")
def knowledge_check(lesson_id: str, exclude: tuple[str, ...] = ()) -> Panel:
    """Every question of a lesson (those used as practice elsewhere can be left out)."""
    c = current_content()
    qs = [q for q in c.questions_for(lesson_id) if q.id not in exclude]
    views = [QuestionView(q, i + 1, len(qs)) for i, q in enumerate(qs)]
    top = html(
        f"<p><strong>{len(qs)} questions.</strong> Take your time. You can try again as often as you like.</p>",
        "cc-quiz-intro",
    )
    broken = c.problems_in(f"questions/{lesson_id}.yaml")
    extra = [problem_box(broken, "Some questions could not be shown.")] if broken else []
    return KnowledgeCheck(top, views, extra, summary=f"Knowledge check: {len(qs)} questions")
