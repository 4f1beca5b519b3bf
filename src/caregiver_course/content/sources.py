"""Source lines a caregiver understands: "FDA label for SPRAVATO", "your clinic's guide", not "fact sheet E7".

Each fact in data/source/content-facts.md names its sources (S1, S29c, ...). A question's source line lists
the plain names of those sources, in order, without repeats.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from .lang import current
from .paths import data_dir

# Plain names of the fact sheet's sources (its "Sources" list), grouped the way a caregiver would say them.
PLAIN = {
    "S1": "FDA label for SPRAVATO",
    "S2": "FDA label for SPRAVATO",
    "S3": "FDA label for SPRAVATO",
    "S4": "FDA label for SPRAVATO",
    "S5": "FDA safety program for SPRAVATO",
    "S5a": "FDA drug listing",
    "S6": "SPRAVATO patient information",
    "S7": "SPRAVATO driving studies",
    "S8": "FDA label for SPRAVATO",
    "S9": "Davis's Drug Guide",
    "S10": "MedlinePlus (US National Library of Medicine)",
    "S11": "news of the FDA's 2025 approval",
    "S12": "FDA warning about ketamine (2023)",
    "S13": "research review",
    "S14": "research study",
    "S15": "research study",
    "S16": "research study",
    "S17": "review of research studies",
    "S18": "research review",
    "S19": "research study",
    "S20": "review of research studies",
    "S21": "research study",
    "S22": "research review",
    "S23": "expert group (American Psychiatric Association)",
    "S24": "international expert group",
    "S25": "research review",
    "S26": "ketamine doctors' society (ASKP3)",
    "S27": "MSD Manual",
    "S28": "research review",
    "S29": "other clinics' instruction sheets",
    "S30": "anesthesia fasting guidance",
    "S31": "988 Suicide & Crisis Lifeline",
    "S32": "National Institute of Mental Health",
    "S33": "National Institute of Mental Health",
    "S34": "American College of Emergency Physicians",
    "S35": "Family Caregiver Alliance",
    "S36": "National Institute on Aging",
    "S37": "Caregiver Action Network",
    "S38": "NAMI (National Alliance on Mental Illness)",
    "S39": "National Alliance for Caregiving",
    "S40": "Illinois Psychiatric Society",
    "S41": "CDC",
    "S42": "AHRQ",
    "S43": "AHRQ",
    "S44": "research review",
    "S45": "W3C",
    "S46": "research study",
}
GUIDE = "your clinic's guide"

# The same names in Spanish (English name -> Spanish); a name not listed is a proper name kept as it is.
SPANISH = {
    "FDA label for SPRAVATO": "etiqueta de la FDA para SPRAVATO",
    "FDA safety program for SPRAVATO": "programa de seguridad de la FDA para SPRAVATO",
    "FDA drug listing": "lista de medicamentos de la FDA",
    "SPRAVATO patient information": "información para pacientes de SPRAVATO",
    "SPRAVATO driving studies": "estudios sobre SPRAVATO y la conducción",
    "MedlinePlus (US National Library of Medicine)": "MedlinePlus (Biblioteca Nacional de Medicina de EE. UU.)",
    "news of the FDA's 2025 approval": "noticia de la aprobación de la FDA en 2025",
    "FDA warning about ketamine (2023)": "advertencia de la FDA sobre la ketamina (2023)",
    "research review": "revisión de investigaciones",
    "research study": "estudio de investigación",
    "review of research studies": "revisión de estudios de investigación",
    "research": "investigación",
    "expert group (American Psychiatric Association)": "grupo de expertos (Asociación Estadounidense de Psiquiatría)",
    "international expert group": "grupo internacional de expertos",
    "ketamine doctors' society (ASKP3)": "sociedad de médicos de ketamina (ASKP3)",
    "MSD Manual": "Manual MSD",
    "other clinics' instruction sheets": "instrucciones de otras clínicas",
    "anesthesia fasting guidance": "guía de ayuno para la anestesia",
    "988 Suicide & Crisis Lifeline": "la Línea 988 (988 Suicide & Crisis Lifeline)",
    "National Institute of Mental Health": "Instituto Nacional de Salud Mental",
    "American College of Emergency Physicians": "Colegio Estadounidense de Médicos de Emergencia",
    "National Institute on Aging": "Instituto Nacional sobre el Envejecimiento",
    "NAMI (National Alliance on Mental Illness)": "NAMI (Alianza Nacional sobre Enfermedades Mentales)",
    "Illinois Psychiatric Society": "Sociedad Psiquiátrica de Illinois",
    GUIDE: "la guía de su clínica",
}
BASED_ON = {"en": "Based on", "es": "Basado en"}
FACT = re.compile(r"^- \*\*([A-K]\d+)\.\*\*(.*?)(?=^- \*\*[A-K]\d+\.\*\*|^#|\Z)", re.MULTILINE | re.DOTALL)
SOURCE_ID = re.compile(r"\bS(\d+[a-z]?)\b")


@lru_cache(maxsize=4)
def _fact_sources(path: str, mtime: float) -> dict[str, tuple[str, ...]]:
    text = Path(path).read_text(encoding="utf-8")
    out = {}
    for fact, body in FACT.findall(text):
        line = next((ln for ln in body.splitlines() if "Src:" in ln), "")
        ids = []
        for n in SOURCE_ID.findall(line):
            sid = "S29" if n.startswith("29") else f"S{n}"
            if sid not in ids:
                ids.append(sid)
        out[fact] = tuple(ids)
    return out


def fact_sources(root: Path | None = None) -> dict[str, tuple[str, ...]]:
    path = Path(root or data_dir()) / "source" / "content-facts.md"
    return _fact_sources(str(path), path.stat().st_mtime)


def plain_sources(ids, root: Path | None = None, lang: str | None = None) -> list[str]:
    """Plain names for a list of citations (fact IDs and guide:sections), in order, without repeats, in lang
    (by default the language lesson parts are built in: lang.current())."""
    lang = lang or current()
    facts = fact_sources(root)
    names: list[str] = []
    for ident in ids:
        if str(ident).startswith("guide:"):
            found = [GUIDE]
        else:
            found = [PLAIN.get(s, "research") for s in facts.get(str(ident), ())]
        if lang == "es":
            found = [SPANISH.get(name, name) for name in found]
        for name in found:
            if name not in names:
                names.append(name)
    return names


def source_line(ids, root: Path | None = None, lang: str | None = None) -> str:
    """'Based on: your clinic's guide; FDA label for SPRAVATO.' ('Basado en: la guía de su clínica; ...')"""
    lang = lang or current()
    names = plain_sources(ids, root, lang)
    return f"{BASED_ON[lang]}: {'; '.join(names)}." if names else ""
