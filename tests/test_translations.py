"""The Spanish course mirrors the English one and is kept in step with it (issue 20, item 3).

data/es/*.yaml and notebooks/es/*.ipynb translate the words only: ids, answers, signs, placeholders and every
other value stay identical. data/es/translations.yaml records which English each unit translates, so an
English edit shows up as a stale unit until the Spanish is updated and stamped."""

from __future__ import annotations

import json
import re
import shutil
import string
from collections import Counter
from pathlib import Path

import pytest
import yaml

from caregiver_course import content
from caregiver_course.__main__ import main
from caregiver_course.content import lang as langs
from caregiver_course.content import translations
from caregiver_course.content.parse import signs_text

REPO = Path(__file__).resolve().parents[1]
DATA, NOTEBOOKS = REPO / "data", REPO / "notebooks"
ES = DATA / "es"

# Values that are not words: identical in every language.
NON_TEXT = {"id", "lesson", "type", "topic", "answer", "source", "sign", "setting", "group", "minutes", "notebook"}
NON_TEXT |= {"only_if", "treatment_type", "companion_in_room"}

TEXT_FILES = [*translations.TEXT_FILES, *(f"questions/{p.name}" for p in sorted((DATA / "questions").glob("*.yaml")))]


def _yaml(path: Path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _placeholders(text: str) -> Counter:
    return Counter(name for _, name, _, _ in string.Formatter().parse(text) if name is not None)


# Lists of words in the language itself (how a sign is recognised in text, a term's other names): as long as
# the language needs.
OWN_WORDS = {"words", "also"}


def _compare(en, es, where: str, key: str | None = None) -> list[str]:
    """Every difference between an English value and its translation that is not a translated word."""
    if key in OWN_WORDS:
        ok = isinstance(es, list) and es and all(isinstance(x, str) and x.strip() for x in es)
        return [] if ok else [f"{where}: should be a list of {key}"]
    if key in NON_TEXT:
        return [] if en == es else [f"{where}: {en!r} became {es!r}"]
    if isinstance(en, dict):
        if not isinstance(es, dict) or set(map(str, en)) != set(map(str, es)):
            return [f"{where}: keys {sorted(map(str, en))} != {sorted(map(str, es or {}))}"]
        return [d for k in en for d in _compare(en[k], es[k], f"{where}.{k}", str(k))]
    if isinstance(en, list):
        if not isinstance(es, list) or len(en) != len(es):
            return [f"{where}: {len(en)} entries in English, {len(es) if isinstance(es, list) else es!r} in Spanish"]
        return [d for i, (a, b) in enumerate(zip(en, es)) if (d := _compare(a, b, f"{where}[{i}]", key))]
    if isinstance(en, str):
        if not isinstance(es, str) or not es.strip():
            return [f"{where}: no Spanish text"]
        if _placeholders(en) != _placeholders(es):
            return [f"{where}: placeholders {dict(_placeholders(en))} != {dict(_placeholders(es))}"]
        return []
    return [] if en == es else [f"{where}: {en!r} became {es!r}"]


def _flatten(diffs):
    return [d for x in diffs for d in (x if isinstance(x, list) else [x])]


@pytest.mark.parametrize("rel", TEXT_FILES)
def test_spanish_file_mirrors_english_file(rel):
    """Same keys, ids, order, answers, signs, sources and numbers; the same placeholders in every string."""
    diffs = _flatten(_compare(_yaml(DATA / rel), _yaml(ES / rel), rel))
    assert diffs == [], "\n".join(diffs[:20])


def test_spanish_clinic_file_holds_only_text_values_with_the_same_shape():
    en, es = _yaml(DATA / "clinic.yaml"), _yaml(ES / "clinic.yaml")
    assert set(es) <= set(translations.CLINIC_TEXTS)
    for name, entry in es.items():
        english = en[name]
        assert set(entry) == {k for k in ("value", "esketamine") if k in english}, name
        assert _placeholders(entry["value"]) == _placeholders(english["value"])
        for a, b in ((english["value"], entry["value"]), (english.get("esketamine", ""), entry.get("esketamine", ""))):
            assert re.findall(r"\d+(?:\.\d+)?", a) == re.findall(r"\d+(?:\.\d+)?", b), name  # numbers kept


def test_loaded_spanish_content_has_the_same_ids_answers_signs_and_numbers():
    en, es = content.load(DATA, NOTEBOOKS), content.load(DATA, NOTEBOOKS, lang="es")
    assert es.problems == [] and es.lang == "es"

    def shape(c):
        return (
            [(x.id, x.number, x.minutes, x.notebook) for x in c.lessons],
            [
                (
                    q.id,
                    q.lesson,
                    q.type,
                    q.topic,
                    sorted(q.answer),
                    [o.id for o in q.options],
                    [(i.id, i.answer, i.sign) for i in q.items],
                    q.sources,
                )
                for q in c.all_questions
            ],
            [(r.id, r.group, r.sources) for r in c.side_effects],
            {k: (v.lesson, [i.id for i in v.items]) for k, v in c.checklists.items()},
            {k: v.lesson for k, v in c.reflections.items()},
            sorted(c.actions),
            sorted(c.discussion),
            sorted(c.facilitator_notes),
            {k: (v.setting, sorted(v.texts)) for k, v in c.variants.items()},
            {
                n: (s.confirmed, s.value if n not in translations.CLINIC_TEXTS else "")
                for n, s in c.clinic.settings.items()
            },
        )

    assert shape(en) == shape(es)
    assert es.lesson("understanding").title != en.lesson("understanding").title  # and it is Spanish


@pytest.mark.parametrize("name", sorted(p.name for p in (NOTEBOOKS / "es").glob("*.ipynb")))
def test_spanish_notebook_has_identical_code_cells_and_structure(name):
    en, es = json.loads((NOTEBOOKS / name).read_text()), json.loads((NOTEBOOKS / "es" / name).read_text())
    assert [(c["id"], c["cell_type"]) for c in en["cells"]] == [(c["id"], c["cell_type"]) for c in es["cells"]]
    assert en["metadata"] == es["metadata"]
    for a, b in zip(en["cells"], es["cells"]):
        if a["cell_type"] == "code":
            assert a["source"] == b["source"], a["id"]
        else:
            source_en, source_es = "".join(a["source"]), "".join(b["source"])
            assert _placeholders(source_en) == _placeholders(source_es), a["id"]
            assert re.findall(r"^#+ ", source_en, re.M) == re.findall(r"^#+ ", source_es, re.M), a["id"]


def _words(value) -> list[str]:
    """The Spanish sentences a learner reads in a YAML value (not ids, sources or other non-text values)."""
    if isinstance(value, dict):
        return [
            w for k, v in value.items() if k not in NON_TEXT | {"words", "also", "term", "short"} for w in _words(v)
        ]
    if isinstance(value, list):
        return [w for v in value for w in _words(v)]
    if isinstance(value, str):
        text = re.sub(r"\{[a-z_:]+\}", "algo", value).strip()
        return [text if text.endswith((".", "?", "!", ":")) else text + "."]
    return []


def _plain_markdown(notebook: Path) -> str:
    cells = json.loads(notebook.read_text())["cells"]
    text = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    text = re.sub(r"^#+ .*$", "", text, flags=re.M)  # headings are not sentences
    return re.sub(r"[*_`>]", "", text)


def readability() -> dict[str, float]:
    """Fernández-Huerta (textstat, set_lang('es')) of each Spanish file's text: above 70 is easy to read."""
    import textstat

    textstat.set_lang("es")
    try:
        scores = {rel: textstat.fernandez_huerta("\n".join(_words(_yaml(ES / rel)))) for rel in TEXT_FILES}
        clinic = [e["value"] + "." for e in _yaml(ES / "clinic.yaml").values()]
        scores["clinic.yaml"] = textstat.fernandez_huerta("\n".join(clinic))
        for nb in sorted((NOTEBOOKS / "es").glob("0*.ipynb")):
            scores[f"notebooks/es/{nb.name}"] = textstat.fernandez_huerta(_plain_markdown(nb))
    finally:
        textstat.set_lang("en_US")
    return scores


def test_spanish_text_reads_easily_fernandez_huerta_70_or_more():
    scores = readability()
    low = {k: v for k, v in scores.items() if v < 70}
    assert low == {}, low
    assert len(scores) == len(TEXT_FILES) + 1 + 9


def test_the_repository_has_no_missing_and_no_stale_spanish_units(capsys):
    """Fails when an English unit changes without its Spanish translation being updated and stamped."""
    s = translations.status(DATA, NOTEBOOKS, "es")
    assert len(s.units) > 250
    assert (s.missing, s.stale) == ([], [])
    assert main(["check", "--data", str(DATA), "--notebooks", str(NOTEBOOKS)]) == 0
    assert f"Translation 'es': {len(s.units)} units, 0 missing, 0 stale" in capsys.readouterr().out


@pytest.fixture
def copies(tmp_path, monkeypatch):
    """Private copies of data/ and notebooks/ that a test may edit; the package reads from them."""
    data, nbs = tmp_path / "data", tmp_path / "notebooks"
    shutil.copytree(DATA, data)
    shutil.copytree(NOTEBOOKS, nbs, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    monkeypatch.setenv("CAREGIVER_CONTENT_DIR", str(data))
    monkeypatch.setenv("CAREGIVER_NOTEBOOKS_DIR", str(nbs))
    return data, nbs


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_an_english_edit_makes_its_unit_stale_until_the_spanish_is_updated_and_stamped(copies, capsys):
    data, nbs = copies
    _edit(data / "lessons.yaml", "What this course is, how long it takes", "What this course is and how long it takes")
    s = translations.status(data, nbs, "es")
    assert s.stale == ["lessons.yaml#start"] and s.missing == []
    assert main(["check"]) == 0  # a stale translation is listed, it does not stop the course
    out = capsys.readouterr().out
    assert "0 missing, 1 stale" in out and "lessons.yaml#start" in out
    # the translator updates the Spanish, stamps the unit: in step again, and waiting for the clinic's review
    assert main(["translations", "stamp", "es", "lessons.yaml#start"]) == 0
    s = translations.status(data, nbs, "es")
    assert s.stale == [] and "lessons.yaml#start" in s.unreviewed


def test_a_changed_notebook_cell_and_clinic_value_are_stale_too(copies):
    data, nbs = copies
    nb = json.loads((nbs / "00-start-here.ipynb").read_text())
    cell = next(c for c in nb["cells"] if c["cell_type"] == "markdown")
    cell["source"] = ["".join(cell["source"]) + "\nOne more sentence."]
    (nbs / "00-start-here.ipynb").write_text(json.dumps(nb))
    _edit(data / "clinic.yaml", "value: the rest of the day", "value: the rest of the day and the night")
    s = translations.status(data, nbs, "es")
    assert s.stale == sorted([f"00-start-here.ipynb#{cell['id']}", "clinic.yaml#companion_stay_after"])
    # a translation of an old clinic value is never shown: Spanish learners read the current English value
    shown = content.load(data, nbs, lang="es").clinic.shown("companion_stay_after")
    assert shown.startswith("the rest of the day and the night")


def test_a_unit_missing_from_the_spanish_is_listed(copies):
    data, nbs = copies
    raw = _yaml(data / "es" / "reflections.yaml")
    gone = raw["reflections"].pop()["id"]
    (data / "es" / "reflections.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    assert translations.status(data, nbs, "es").missing == [f"reflections.yaml#{gone}"]


def test_review_marks_units_and_the_lesson_helper_follows(copies, capsys):
    data, nbs = copies
    units = content.load(data, nbs, lang="es").lesson_units("start")
    assert "lessons.yaml#start" in units and any(u.startswith("00-start-here.ipynb#") for u in units)
    assert content.load(data, nbs).unreviewed_in_lesson("start") == []  # English is the source: nothing to review
    assert content.load(data, nbs, lang="es").unreviewed_in_lesson("start") == units  # none reviewed yet
    assert main(["translations", "review", "es", "lessons.yaml#start"]) == 0
    assert "lessons.yaml#start" not in content.load(data, nbs, lang="es").unreviewed_in_lesson("start")
    assert content.unreviewed("en", ["start"]) == []
    still = content.unreviewed("es", ["start"])  # the lesson id stands for every unit on its page
    assert still and "lessons.yaml#start" not in still
    assert "reviewed: yes" in (data / "es" / "translations.yaml").read_text()
    assert main(["translations", "review", "es", "lessons.yaml#nope"]) == 1  # an unknown unit changes nothing
    assert main(["translations", "review", "es", "--all"]) == 0
    assert content.load(data, nbs, lang="es").unreviewed_in_lesson("side-effects") == []
    assert content.unreviewed("es", ["side-effects", "lessons.yaml#start"]) == []  # what the interface calls
    # an English edit after the review: the unit is stale, so no longer counted as reviewed
    _edit(data / "lessons.yaml", "What this course is, how long it takes", "What this course is and how long it takes")
    assert content.load(data, nbs, lang="es").unreviewed_in_lesson("start") == ["lessons.yaml#start"]


def test_a_problem_in_a_spanish_file_names_the_spanish_file(copies):
    data, _ = copies
    _edit(data / "es" / "lessons.yaml", "minutes: 3", "minutes: tres")
    problems = [str(p) for p in content.load(lang="es").problems]
    assert any(p.startswith("es/lessons.yaml: item 'start', field 'minutes'") for p in problems), problems
    assert content.load().problems == []  # the English course is not touched
    assert any(p.startswith("es/lessons.yaml") for p in content.preflight_problems())


def test_the_spanish_clinic_file_cannot_change_a_number(copies):
    data, _ = copies
    with (data / "es" / "clinic.yaml").open("a", encoding="utf-8") as f:
        f.write('emergency_number: "112"\n')
    c = content.load(lang="es")
    assert c.clinic.value("emergency_number") == "911"
    assert any(p.file == "es/clinic.yaml" and p.item == "emergency_number" for p in c.problems)


def test_spanish_clinic_values_and_words_of_the_content_layer():
    es = content.load(DATA, NOTEBOOKS, lang="es")
    en = content.load(DATA, NOTEBOOKS)
    assert es.clinic.shown("no_driving") == f"{es.clinic.value('no_driving')} (consulte con su clínica)"
    assert es.clinic.value("no_driving").startswith("durante 24 horas")
    assert es.clinic.shown("emergency_number") == en.clinic.shown("emergency_number") == "911"
    assert es.clinic.shown("companion_in_room") == "sí" and en.clinic.shown("companion_in_room") == "yes"
    assert "ketamina" in es.clinic.shown("treatment_type")
    rows = es.side_effects
    joined = signs_text(rows, "emergency", "es")
    names = [r.short for r in rows if r.group == "emergency"]
    assert joined.endswith(f"; o {names[-1]}") or joined.endswith(f"; u {names[-1]}")
    assert "; or " not in "".join(x for lesson in es.lessons for x in lesson.key_points)


def test_spanish_or_before_an_o_sound():
    assert langs.join_or(["a", "b", "otro"], "es") == "a; b; u otro"
    assert langs.join_or(["a", "b"], "en") == "a; or b"


def test_get_caches_each_language_and_english_stays_the_default():
    assert content.get().lang == "en" and content.get("es").lang == "es"
    assert content.get("es") is content.get("es")
    assert content.notebooks_dir("es") == content.notebooks_dir() / "es"
    with pytest.raises(ValueError):
        content.get("../etc")


def test_a_notebook_knows_its_language_from_its_folder(monkeypatch):
    monkeypatch.chdir(NOTEBOOKS / "es")
    assert langs.current() == "es"
    with langs.using("en"):
        assert langs.current() == "en"
    monkeypatch.chdir(NOTEBOOKS)
    assert langs.current() == "en"


def test_a_lesson_built_in_spanish_shows_spanish_parts():
    from widget_text import text_of

    from caregiver_course.ui import notebook_view
    from caregiver_course.ui.widgets import friendly_error

    lesson = content.get("es").lesson("side-effects")
    widgets = notebook_view.render(NOTEBOOKS / "es" / lesson.notebook, {}, friendly_error, lang="es")
    shown = "\n".join(text_of(w) for w in widgets)
    assert lesson.title in shown and "Llame al 911" in shown
    assert content.get().lesson("side-effects").title not in shown


def test_source_lines_in_spanish_name_every_source_in_spanish_or_by_its_proper_name():
    from caregiver_course.content import sources

    proper = {"Davis's Drug Guide", "Family Caregiver Alliance", "Caregiver Action Network"}
    proper |= {"National Alliance for Caregiving", "CDC", "AHRQ", "W3C"}
    for name in {*sources.PLAIN.values(), sources.GUIDE, "research"}:
        assert name in sources.SPANISH or name in proper, name
    line = sources.source_line(["G1", "guide:transportation-and-scheduling"], DATA, lang="es")
    assert line.startswith("Basado en: ") and "la guía de su clínica" in line
    assert sources.source_line(["G1"], DATA).startswith("Based on: ")


def test_one_progress_across_languages_the_same_steps_and_the_same_scores():
    """Switching language keeps every step and answer: each lesson has as many steps in Spanish as in English
    (steps come from the notebooks' headings and the question pages), and the same answers give the same
    progress."""
    from caregiver_course.learning import progress, quiz
    from caregiver_course.ui import notebook_view
    from caregiver_course.ui.widgets import friendly_error

    en, es = content.get(), content.get("es")
    for lesson in en.lessons:
        counts = [
            len(notebook_view.render_steps(folder / lesson.notebook, {}, friendly_error, lang=lang))
            for lang, folder in (("en", NOTEBOOKS), ("es", NOTEBOOKS / "es"))
        ]
        assert counts[0] == counts[1], (lesson.id, counts)
    events = [{"kind": "step", "lesson": "understanding", "item": "end"}]
    events.append({"kind": "step", "lesson": "emotional", "item": "step", "sub_item": "2"})
    for q in en.all_questions:
        right = {i.id: i.answer for i in q.items} if q.type == "triage" else sorted(q.answer)
        response = right if q.type in ("triage", "multi") else right[0]
        status = quiz.check(es.question(q.id), response).status if q in en.questions else "correct"
        events.append({"kind": "answer", "lesson": q.lesson, "item": q.id, "status": status})
    assert progress.lesson_progress(en, events) == progress.lesson_progress(es, events)
    assert progress.lesson_progress(es, events)["understanding"].status == progress.DONE
