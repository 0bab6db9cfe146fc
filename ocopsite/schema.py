"""How a record kind is declared: each field of a model dataclass says, in its metadata, what
its YAML value must be. ``model`` declares every record kind once with these helpers, and
``validate`` reads the declarations to check a file and build its records: nothing else lists
fields.

A field without a ``Spec`` (a bundle's slug, its Markdown body) is not read from YAML.
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
from collections.abc import Mapping
from dataclasses import MISSING, Field, dataclass, field, fields
from functools import cached_property
from typing import Any, Protocol


@dataclass(frozen=True)
class Spec:
    """What one YAML value must be."""

    kind: str  # text, localized, int, number, bool, date, when, https, email, slug, choice, record, list, terms
    required: bool = False
    choices: tuple[str | int, ...] = ()
    low: float | None = None
    high: float | None = None
    ref: str | None = None  # for slugs: the table it names ("producers", "places", "groups", "tourism")
    record: type | None = None  # for records: the dataclass it builds
    item: Spec | None = None  # for lists: what each item must be


def _declare(spec: Spec, default: Any = None) -> Any:
    if spec.required:
        return field(metadata={"spec": spec})
    return field(default=default, metadata={"spec": spec})


def text(required: bool = False) -> Any:
    return _declare(Spec("text", required))


def localized(required: bool = False) -> Any:
    """One text per site language: ``{vi: …, en: …}``."""
    return _declare(Spec("localized", required))


def whole(low: int | None = None, high: int | None = None, required: bool = False,
          choices: tuple[int, ...] = ()) -> Any:
    return _declare(Spec("int", required, choices, low, high))


def number(low: float | None = None, high: float | None = None, required: bool = False) -> Any:
    return _declare(Spec("number", required, low=low, high=high))


def flag(default: bool = False) -> Any:
    return field(default=default, metadata={"spec": Spec("bool")})


def date(required: bool = False) -> Any:
    """An ISO date of full, month or year precision."""
    return _declare(Spec("date", required))


def when(required: bool = False) -> Any:
    """A date, or bounds on it: ``{after: 2022-01-01, before: 2023-02-15}``."""
    return _declare(Spec("when", required))


def https(required: bool = False) -> Any:
    return _declare(Spec("https", required))


def email() -> Any:
    return _declare(Spec("email"))


def slug(ref: str | None = None, required: bool = False) -> Any:
    """A slug; with ``ref``, one of the table of that name."""
    return _declare(Spec("slug", required, ref=ref))


def one_of(*choices: str, required: bool = False) -> Any:
    return _declare(Spec("choice", required, choices))


def record(kind: type, required: bool = False) -> Any:
    """A nested mapping, itself a record kind."""
    return _declare(Spec("record", required, record=kind))


def many(item: Spec, required: bool = False) -> Any:
    """A list; empty when left out."""
    return field(default=(), metadata={"spec": Spec("list", required, item=item)})


def terms() -> Any:
    """A list of texts per language: ``{vi: [yến sào, yến], en: [bird's nest]}``."""
    return _declare(Spec("terms", True))


def item(kind: str, **options: Any) -> Spec:
    """The spec of a list's items: ``many(item("slug", ref="tourism"))``."""
    return Spec(kind, **options)


def specs(kind: type) -> dict[str, Spec]:
    """The YAML fields of a record kind, in declaration order."""
    return {f.name: f.metadata["spec"] for f in fields(kind) if "spec" in f.metadata}


def defaults(kind: type) -> dict[str, Any]:
    """The value of each optional field that is left out."""
    return {f.name: f.default for f in fields(kind) if "spec" in f.metadata and f.default is not MISSING}


def declared(kind: type) -> list[Field[Any]]:
    return [f for f in fields(kind) if "spec" in f.metadata]


class Digested:
    """A record whose ``digest`` names its content: equal records have equal digests, on any
    machine and in any process. Caches key on it (see ``render``)."""

    @cached_property
    def digest(self) -> str:
        return hashlib.sha256(repr(self).encode("utf-8", "surrogatepass")).hexdigest()[:20]


@dataclass(frozen=True)
class Localized(Digested):
    """A text in several languages: ``(("vi", "…"), ("en", "…"))``. Digested: most values a
    page is rendered from are such texts, and its key takes each by its digest."""

    texts: tuple[tuple[str, str], ...]

    def get(self, chain: tuple[str, ...]) -> tuple[str, str]:
        """The first text found along a language fallback chain, with its language."""
        found = dict(self.texts)
        for lang in chain:
            if lang in found:
                return found[lang], lang
        return self.texts[0][1], self.texts[0][0]

    def has(self, lang: str) -> bool:
        """Whether a text exists in ``lang`` itself, without fallback."""
        return any(code == lang for code, _ in self.texts)

    def all(self) -> tuple[str, ...]:
        return tuple(text for _, text in self.texts)


@dataclass(frozen=True)
class Terms:
    """Several texts per language (a synonym group)."""

    texts: tuple[tuple[str, tuple[str, ...]], ...]

    def all(self) -> tuple[str, ...]:
        return tuple(term for _, group in self.texts for term in group)


@dataclass(frozen=True, order=True)
class PartialDate:
    """An ISO 8601 date of full, month or year precision ("2025-01-16", "2020-12", "2025")."""

    year: int
    month: int | None = None
    day: int | None = None

    def iso(self) -> str:
        parts = [f"{self.year:04d}", f"{self.month:02d}" if self.month else "", f"{self.day:02d}" if self.day else ""]
        return "-".join(p for p in parts if p)

    def earliest(self) -> dt.date:
        """The first day this date may mean."""
        return dt.date(self.year, self.month or 1, self.day or 1)

    def latest(self) -> dt.date:
        """The last day this date may mean."""
        month = self.month or 12
        return dt.date(self.year, month, self.day or calendar.monthrange(self.year, month)[1])

    def plus_months(self, months: int) -> PartialDate:
        """The same date ``months`` later, at the same precision (31 Jan + 1 month = 28/29 Feb)."""
        if self.month is None:
            return PartialDate(self.year + months // 12)
        index = self.year * 12 + self.month - 1 + months
        year, month = divmod(index, 12)
        day = None if self.day is None else min(self.day, calendar.monthrange(year, month + 1)[1])
        return PartialDate(year, month + 1, day)


@dataclass(frozen=True)
class Bounds:
    """A date known only to lie on or after ``after`` and on or before ``before`` (either may be
    unknown), as a source bounds it."""

    after: PartialDate | None = None
    before: PartialDate | None = None

    def earliest(self) -> dt.date | None:
        return self.after.earliest() if self.after else None

    def latest(self) -> dt.date | None:
        return self.before.latest() if self.before else None

    def plus_months(self, months: int) -> Bounds:
        return Bounds(self.after.plus_months(months) if self.after else None,
                      self.before.plus_months(months) if self.before else None)


When = PartialDate | Bounds


class Report(Protocol):
    """Where a record's own checks (``check`` methods in ``model``) report, by key within it."""

    files: Mapping[str, bytes | None]  # the bundle's other files, each by name with its first bytes
    folder: str  # the bundle's folder

    def error(self, key: tuple[str | int, ...], message: str) -> None: ...

    def warning(self, key: tuple[str | int, ...], message: str) -> None: ...
