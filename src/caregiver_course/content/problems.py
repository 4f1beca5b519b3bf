"""Content problems: one clear message that names the file, the item and the field."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """Something wrong in a content file, described for the clinic staff who edit it."""

    file: str
    item: str
    field: str
    message: str

    def __str__(self) -> str:
        if self.item == "(whole file)":  # a problem with the file as a whole: no parser words
            where = f", {self.field[1:-1]}" if self.field.startswith("(line ") else ""
            return f"{self.file}{where}: {self.message}"
        return f"{self.file}: item '{self.item}', field '{self.field}': {self.message}"


class ContentError(Exception):
    """Raised when content cannot be used; carries every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))
