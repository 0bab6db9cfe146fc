"""Problems a user can cause, each located by file and line."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
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


def did_you_mean_among(word: str, known: Mapping[str, Iterable[str]]) -> str:
    """A hint naming the slugs of ``known`` whose slug or any of whose names (already written as
    slugs) is closest to ``word``: " (did you mean 'dong-ninh-hoa'?)", or nothing."""
    best, close = 0.0, []
    for slug, names in known.items():
        score = max(_likeness(word, name) for name in (slug, *names))
        if score > best:
            best, close = score, [slug]
        elif score == best:
            close.append(slug)
    if best < 0.6 or not close:
        return ""
    return " (did you mean " + " or ".join(f"'{slug}'" for slug in sorted(close)[:3]) + "?)"


def _likeness(a: str, b: str) -> float:
    matcher = difflib.SequenceMatcher(None, a, b)
    return 0.0 if matcher.real_quick_ratio() < 0.6 or matcher.quick_ratio() < 0.6 else matcher.ratio()
