"""Checks the values of one YAML document against the declared record kinds (``model``) and
builds the records, collecting every problem with its line. A wrong value leaves its field out
and goes on: the other fields, and the references they make, are still checked."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from typing import Any

from ocopsite.errors import Problems, did_you_mean
from ocopsite.schema import Bounds, Localized, PartialDate, Spec, Terms, declared, specs
from ocopsite.slugs import is_slug
from ocopsite.yamldoc import Doc, Key

LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}(?:-[a-z0-9]{2,8})*$")
# Invisible characters, and those no page or feed may hold: private-use characters, noncharacters
# and lone surrogates (from YAML "\ud800" escapes).
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ue000-\uf8ff\ufffe\uffff]")
YEARS = (1990, 2100)
ISO_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
BASE_URL = re.compile(r"^https?://[^\s/]+(/[^\s?#]*)?$")
HTTPS = re.compile(r"^https://[^\s/]+\.[^\s]+$")
PLACEHOLDER = re.compile(r"«([^»]*)»")  # what ``ocopsite new`` writes where the editor must write
INVALID: Any = object()


def base_url(text: str) -> str | None:
    """A site's public address, ending with "/", or None if ``text`` is no http(s) address."""
    if not BASE_URL.match(text):
        return None
    return text if text.endswith("/") else text + "/"


class Checker:
    """Validates the values of one document; problems go to the shared collector, and every
    reference to another record (a ``slug`` with a ``ref``) is noted in ``refs`` for
    ``validate`` to resolve once every file is read."""

    def __init__(self, doc: Doc, languages: tuple[str, ...], problems: Problems,
                 files: Mapping[str, bytes | None] | None = None, folder: str = "") -> None:
        self.doc = doc
        self.languages = languages
        self.problems = problems
        self.files: Mapping[str, bytes | None] = files or {}
        self.folder = folder
        self.refs: list[tuple[Key, str, str]] = []  # (where, table, what it names)

    def error(self, key: Key, message: str) -> None:
        self.problems.error(self.doc.path, self.doc.line(*key), message)

    def warning(self, key: Key, message: str) -> None:
        self.problems.warning(self.doc.path, self.doc.line(*key), message)

    def record(self, kind: type, data: Any, key: Key = (), extra: Mapping[str, Any] | None = None) -> Any:
        """A record of ``kind`` from a mapping, or INVALID after saying why (the fields that are
        right are checked all the same)."""
        if not isinstance(data, dict):
            where = f"'{_name(key)}'" if key else "this file"
            self.error(key, f"{where} must be a mapping of fields (name: value), not {_kind(data)}")
            return INVALID
        fields = specs(kind)
        clean: dict[str, Any] = {}
        wrong = False
        for name, raw in data.items():
            if name not in fields:
                hint = self._shallow_hint(data, fields, key, name) or did_you_mean(str(name), fields)
                self.error((*key, name), f"unknown field '{name}'{hint}")
                continue
            value = self.value(raw, fields[name], (*key, name))
            wrong |= value is INVALID
            if value is not INVALID and value is not None:
                clean[name] = value
        complete = True
        for field in declared(kind):
            spec = field.metadata["spec"]
            if spec.required and field.name not in clean:
                complete = False
                if data.get(field.name) is None and not self.doc.partial:
                    inside = f" in '{_name(key, '')}'" if key else ""
                    self.error(key, f"missing required field '{field.name}'{inside}")
        if not complete:
            return INVALID
        made = kind(**clean, **(extra or {}))
        if hasattr(made, "check") and not wrong:  # its own checks need every field it was given
            made.check(_Within(self, key))
        return made

    def value(self, raw: Any, spec: Spec, key: Key) -> Any:
        """Check one value against its spec; INVALID after reporting a problem."""
        if raw is None:
            return None
        if isinstance(raw, str) and (found := PLACEHOLDER.search(raw)):
            self.error(key, f"'{_name(key)}' still holds the placeholder «{found.group(1)}»: write what it asks "
                            "for in its place")
            return INVALID
        result = getattr(self, f"_{spec.kind}")(raw, spec, key)
        if result is not INVALID and spec.choices and result not in spec.choices:
            options = ", ".join(str(c) for c in spec.choices)
            hint = did_you_mean(str(result), [str(c) for c in spec.choices])
            self.error(key, f"'{_name(key)}' must be one of {options}, not {result!r}{hint}")
            return INVALID
        return result

    def _shallow_hint(self, data: dict[Any, Any], fields: Mapping[str, Spec], key: Key, name: Any) -> str:
        """An unknown field that belongs to the field above it, indented too little."""
        here = self.doc.columns.get((*key, name))
        above = [k for k in data if k != name and self.doc.line(*key, k) < self.doc.line(*key, name)]
        if here is None or not above:
            return ""
        parent = max(above, key=lambda k: self.doc.line(*key, k))
        spec, value = fields.get(str(parent)), data[parent]
        inner = (spec is not None and ((spec.kind == "localized" and name in self.languages)
                                       or (spec.kind == "record" and spec.record is not None
                                           and name in specs(spec.record)))) and isinstance(value, dict)
        if not inner:
            return ""
        columns = [self.doc.columns[(*key, parent, k)] for k in value if (*key, parent, k) in self.doc.columns]
        if not columns:
            return ""
        return (f"; if it belongs to '{parent}' (line {self.doc.line(*key, parent)}), indent it {columns[0]} spaces "
                f"like the fields of '{parent}' (it is indented {here})")

    def _record(self, raw: Any, spec: Spec, key: Key) -> Any:
        assert spec.record is not None
        return self.record(spec.record, raw, key)

    def _list(self, raw: Any, spec: Spec, key: Key) -> Any:
        if not isinstance(raw, list):
            self.error(key, f"'{_name(key)}' must be a list (lines starting with '- '), not {_kind(raw)}")
            return INVALID
        assert spec.item is not None
        items = [self.value(item, spec.item, (*key, i)) for i, item in enumerate(raw)]
        return tuple(item for item in items if item is not INVALID and item is not None)

    def _text(self, raw: Any, spec: Spec, key: Key) -> Any:
        if isinstance(raw, bool) or not isinstance(raw, (str, int, float)):
            self.error(key, f"'{_name(key)}' must be text, not {_kind(raw)}")
            return INVALID
        text = self.doc.spelled.get(key, str(raw)).strip()
        if CONTROL.search(text):
            self.error(key, f"'{_name(key)}' contains an invisible control character; retype it")
            return INVALID
        if not text:
            self.error(key, f"'{_name(key)}' is empty")
            return INVALID
        return text

    def _choice(self, raw: Any, spec: Spec, key: Key) -> Any:
        return self._text(raw, spec, key)

    def _slug(self, raw: Any, spec: Spec, key: Key) -> Any:
        text = self._text(raw, spec, key)
        if text is INVALID:
            return INVALID
        if spec.ref is not None:  # resolved, or said unknown with what was meant, once all is read
            self.refs.append((key, spec.ref, text))
            return text if is_slug(text) else INVALID
        if not is_slug(text):
            self.error(key, f"'{text}' is not a valid slug (lowercase letters, digits and hyphens)")
            return INVALID
        return text

    def _language_code(self, raw: Any, spec: Spec, key: Key) -> Any:
        text = self._text(raw, spec, key)
        if text is not INVALID and not LANGUAGE_CODE.match(text):
            self.error(key, f"'{text}' is not a lowercase language code such as vi, en, ko or zh-hans")
            return INVALID
        return text

    def _https(self, raw: Any, spec: Spec, key: Key) -> Any:
        text = self._text(raw, spec, key)
        if text is not INVALID and not HTTPS.match(text):
            self.error(key, f"'{_name(key)}' must be an https:// address, not '{text}'")
            return INVALID
        return text

    def _base_url(self, raw: Any, spec: Spec, key: Key) -> Any:
        text = self._text(raw, spec, key)
        if text is INVALID:
            return INVALID
        url = base_url(text)
        if url is None:
            self.error(key, f"'base_url' must be an http(s) address such as https://example.org/, not '{text}'")
            return INVALID
        return url

    def _email(self, raw: Any, spec: Spec, key: Key) -> Any:
        text = self._text(raw, spec, key)
        if text is not INVALID and not EMAIL.match(text):
            self.error(key, f"'{text}' is not an e-mail address")
            return INVALID
        return text

    def _bool(self, raw: Any, spec: Spec, key: Key) -> Any:
        if not isinstance(raw, bool):
            self.error(key, f"'{_name(key)}' must be true or false, not {_kind(raw)}")
            return INVALID
        return raw

    def _int(self, raw: Any, spec: Spec, key: Key) -> Any:
        if isinstance(raw, bool) or not isinstance(raw, int):
            hint = " (remove the quotes)" if isinstance(raw, str) and raw.strip().isdigit() else ""
            self.error(key, f"'{_name(key)}' must be a whole number, not {_kind(raw)}{hint}")
            return INVALID
        return self._in_range(raw, spec, key)

    def _number(self, raw: Any, spec: Spec, key: Key) -> Any:
        if isinstance(raw, bool) or not isinstance(raw, (int, float)) or not math.isfinite(raw):
            self.error(key, f"'{_name(key)}' must be a number, not {_kind(raw)}")
            return INVALID
        return self._in_range(raw, spec, key)

    def _in_range(self, raw: Any, spec: Spec, key: Key) -> Any:
        if (spec.low is not None and raw < spec.low) or (spec.high is not None and raw > spec.high):
            low = "" if spec.low is None else _bound(spec.low)
            high = "" if spec.high is None else _bound(spec.high)
            bounds = f"between {low} and {high}" if low and high else (f"at least {low}" if low else f"at most {high}")
            self.error(key, f"'{_name(key)}' must be {bounds}, not {raw}")
            return INVALID
        return raw

    def _date(self, raw: Any, spec: Spec, key: Key) -> Any:
        if isinstance(raw, dt.date) and not isinstance(raw, dt.datetime) and YEARS[0] <= raw.year <= YEARS[1]:
            return PartialDate(raw.year, raw.month, raw.day)
        match = ISO_DATE.match(str(raw)) if isinstance(raw, (str, int)) and not isinstance(raw, bool) else None
        if match:
            year, month, day = (int(g) if g else None for g in match.groups())
            try:
                dt.date(year or 1, month or 1, day or 1)
                if YEARS[0] <= (year or 0) <= YEARS[1]:
                    return PartialDate(year or 1, month, day)
            except ValueError:
                pass
        self.error(key, f"'{_name(key)}' must be a date between {YEARS[0]} and {YEARS[1]} such as 2025-01-16, "
                        f"2025-01 or 2025, not {str(raw)!r}")
        return INVALID

    def _when(self, raw: Any, spec: Spec, key: Key) -> Any:
        """A date, or ``{after: …, before: …}`` when a source only bounds it."""
        if not isinstance(raw, dict):
            return self._date(raw, spec, key)
        bounds = {}
        for name, value in raw.items():
            if name not in ("after", "before"):
                self.error((*key, name), f"unknown field '{name}' in '{_name(key)}' (a date's bounds are 'after' "
                                         "and 'before')")
            elif value is None:
                self.error((*key, name), f"'{_name((*key, name))}' is empty: write a date such as 2025-01-16, "
                                         "or leave it out")
            elif (checked := self._date(value, spec, (*key, name))) is not INVALID:
                bounds[name] = checked
        return Bounds(bounds.get("after"), bounds.get("before")) if bounds or not raw else INVALID

    def _localized(self, raw: Any, spec: Spec, key: Key) -> Any:
        texts = self._per_language(raw, key, lambda text, where: self.value(text, Spec("text"), where))
        return INVALID if texts is INVALID else Localized(texts)

    def _terms(self, raw: Any, spec: Spec, key: Key) -> Any:
        def words(value: Any, where: Key) -> Any:
            found = self._list(value, Spec("list", item=Spec("text")), where)
            return tuple(found) if found is not INVALID and found else INVALID

        texts = self._per_language(raw, key, words)
        return INVALID if texts is INVALID else Terms(texts)

    def _per_language(self, raw: Any, key: Key, check: Any) -> Any:
        """One checked value per site language, in the site's order; the default one required."""
        default = self.languages[0]
        if not isinstance(raw, dict):
            example = ", ".join(f"{code}: …" for code in self.languages)
            self.error(key, f"'{_name(key)}' must have one text per language ({example}), not {_kind(raw)}")
            return INVALID
        found = []
        for code, value in raw.items():
            if code not in self.languages:
                self.error((*key, code), f"unknown language '{code}' in '{_name(key)}'"
                                         f"{did_you_mean(str(code), self.languages)}")
            elif value is None:
                self.error((*key, code), f"'{_name(key)}.{code}' is empty")
            elif (checked := check(value, (*key, code))) is not INVALID:
                found.append((code, checked))
        if not any(code == default for code, _ in found):
            if default not in raw:
                self.error(key, f"'{_name(key)}' has no text in the default language '{default}'")
            return INVALID
        for code in self.languages[1:]:
            if code not in raw:
                self.warning(key, f"no '{code}' text for '{_name(key)}'")
        order = {code: i for i, code in enumerate(self.languages)}
        return tuple(sorted(found, key=lambda t: order[t[0]]))


class _Within:
    """A ``schema.Report`` for a record's own checks, at ``key`` within the document."""

    def __init__(self, checker: Checker, key: Key) -> None:
        self.checker = checker
        self.key = key
        self.files = checker.files
        self.folder = checker.folder

    def error(self, key: Key, message: str) -> None:
        self.checker.error((*self.key, *key), message)

    def warning(self, key: Key, message: str) -> None:
        self.checker.warning((*self.key, *key), message)


def _bound(value: float) -> str:
    return f"{int(value):,}" if value == int(value) else f"{value:g}"


def _name(key: Key, default: str = "value") -> str:
    names = [str(k) for k in key if isinstance(k, str)]
    return ".".join(names) if names else default


def _kind(raw: Any) -> str:
    if isinstance(raw, bool):
        return "true/false"
    if isinstance(raw, (int, float)):
        return f"the number {raw}"
    if isinstance(raw, str):
        return f"the text '{raw}'" if len(raw) < 40 else "a text"
    if isinstance(raw, list):
        return "a list"
    if isinstance(raw, dict):
        return "a mapping"
    if isinstance(raw, dt.date):
        return f"the date {raw}"
    return "an empty value" if raw is None else type(raw).__name__
