"""Sample take-home files (issue 11) with made-up answers, and pictures of each PDF page for the README.

    .venv/bin/python benchmarks/render_takehome.py [OUT_DIR]   # default docs/takehome; needs pdftoppm

Prints each file's size and page count."""

import datetime as dt
import io
import random
import subprocess
import sys
from pathlib import Path

from pypdf import PdfReader

from caregiver_course import content
from caregiver_course.toolkit import calendar, certificate, journal, plan, triage_card

out = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/takehome")
out.mkdir(parents=True, exist_ok=True)
c = content.get()
ticked = {
    "session-day-plan": {"on-calendar", "driver", "food", "drinks", "no-driving"},
    "recovery-space": {"quiet-room", "blanket", "clinic-number"},
    "questions-for-clinic": {"series", "companion"},
    "my-self-care-plan": {"own-health", "crisis-line-for-me"},
}
sessions = [dt.datetime(2026, 12, 3, 9, 30), dt.datetime(2026, 12, 8, 14, 0)]
today = dt.date(2026, 11, 27)
files = {
    "my-support-plan.pdf": plan.plan_pdf(c, ticked, sessions, today=today),
    "triage-card-wallet.pdf": triage_card.card_pdf(c, "http://localhost:8866/voila/render/course.ipynb", "wallet"),
    "triage-card-fridge.pdf": triage_card.card_pdf(c, "http://localhost:8866/voila/render/course.ipynb", "fridge"),
}
random.seed(4)
entries = []
for i in range(21):
    d = today - dt.timedelta(days=20 - i)
    eff = ["nausea", "tired"] if i % 4 == 0 else (["rash"] if i == 11 else [])
    day, e = journal.clean_entry(
        {
            "day": d,
            "mood": min(5, 2 + i // 6 + random.randint(0, 1)),
            "sleep": random.choice([5, 6, 7, 8]),
            "effects": eff,
            "session": i % 4 == 0,
            "note": "tired after the session" if i % 4 == 0 else "",
        },
        c,
        today,
    )
    entries.append({**e, "day": day})
files["journal-for-care-team.pdf"] = journal.export_pdf(entries, c, today)
(out / "journal.csv").write_text(journal.to_csv(entries, c))
(out / "journal-chart.svg").write_text(journal.chart_svg(entries))
(out / "session-calendar.ics").write_bytes(calendar.calendar_ics(c.clinic, sessions))
lines = [
    certificate.LessonLine(x.number, x.title, True, x.total - (1 if x.number in (4, 8) else 0), x.total, x.key_points)
    for x in certificate.summary(c, [])
]
files["certificate.pdf"] = certificate.certificate_pdf(
    c, lines, certificate.verification_code(b"demo-key" * 4, "demo", today.isoformat()), today, "Sam Rivera"
)


for name, data in files.items():
    (out / name).write_bytes(data)
    print(f"{name:28} {len(data) / 1024:5.1f} KiB  {len(PdfReader(io.BytesIO(data)).pages)} page(s)")
print(
    "journal.csv",
    (out / "journal.csv").stat().st_size,
    "bytes;",
    "session-calendar.ics",
    (out / "session-calendar.ics").stat().st_size,
    "bytes",
)

for name in files:
    subprocess.run(
        ["pdftoppm", "-r", "100" if "wallet" in name else "60", "-png", str(out / name), str(out / name[:-4])],
        check=True,
    )
