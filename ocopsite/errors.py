"""Problems a user can cause, each located by file and line."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the site's sources, at ``path:line``."""

    path: str
    line: int
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        prefix = "" if self.severity == "error" else f"{self.severity}: "
        return f"{where}: {prefix}{self.message}"


class SiteError(Exception):
    """Raised when the sources have errors; carries every problem found."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = sorted(set(problems))
        super().__init__("\n".join(str(p) for p in self.problems))

    def __reduce__(self) -> tuple[type[SiteError], tuple[list[Problem]], dict[str, object]]:
        """Rebuilt from its problems (the build's work is done in another process)."""
        return SiteError, (self.problems,), self.__dict__


class Problems:
    """A collector: each pipeline step adds what it finds, then raises once."""

    def __init__(self) -> None:
        self.items: list[Problem] = []

    def error(self, path: str, line: int, message: str) -> None:
        """Record an error."""
        self.items.append(Problem(path, line, message))

    def warning(self, path: str, line: int, message: str) -> None:
        """Record a warning: reported, but the build goes on."""
        self.items.append(Problem(path, line, message, "warning"))

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.items if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return sorted({p for p in self.items if p.severity != "error"})

    def raise_if_errors(self) -> None:
        """Stop the pipeline if anything so far is an error."""
        if self.errors:
            raise SiteError(self.errors)


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """A hint such as " (did you mean 'stars'?)", or nothing."""
    close = difflib.get_close_matches(word, sorted(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""
