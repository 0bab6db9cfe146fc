"""Checks raw YAML data against a declared schema, collecting every problem with its line."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from typing import Any

from ocopsite.errors import Problems, did_you_mean
from ocopsite.load import Doc, Key
from ocopsite.model import Localized, PartialDate
from ocopsite.schema import Field
from ocopsite.slugs import is_slug

LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}(?:-[a-z0-9]{2,8})*$")
# Invisible characters, and those no page or feed may hold: private-use characters (the build
# uses one as a marker in pages), noncharacters and lone surrogates (from YAML "\ud800" escapes).
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ue000-\uf8ff\ufffe\uffff]")
YEARS = (1990, 2100)
ISO_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
BASE_URL = re.compile(r"^https?://[^\s/]+(/[^\s?#]*)?$")
INVALID = object()


def base_url(text: str) -> str | None:
    """A site's public address, ending with "/", or None if ``text`` is no http(s) address."""
    if not BASE_URL.match(text):
        return None
    return text if text.endswith("/") else text + "/"


class Checker:
    """Validates the values of one document; problems go to the shared collector."""

    def __init__(self, doc: Doc, languages: tuple[str, ...], problems: Problems) -> None:
        self.doc = doc
        self.languages = languages
        self.problems = problems

    def error(self, key: Key, message: str) -> None:
        self.problems.error(self.doc.path, self.doc.line(*key), message)

    def fields(self, data: Any, schema: Mapping[str, Field], key: Key = ()) -> dict[str, Any] | None:
        """Check a mapping of fields; None when it is not a mapping at all."""
        if not isinstance(data, dict):
            self.error(key, f"{_name(key, 'this file')} must be a mapping of fields (name: value), not {_kind(data)}")
            return None
        clean: dict[str, Any] = {}
        for name, raw in data.items():
            if name not in schema:
                self.error((*key, name), f"unknown field '{name}'{did_you_mean(str(name), schema)}")
                continue
            value = self.value(raw, schema[name], (*key, name))
            if value is not INVALID and value is not None:
                clean[name] = value
        for name, spec in schema.items():
            if spec.required and data.get(name) is None:
                self.error(key, f"missing required field '{name}'" + (f" in '{_name(key, '')}'" if key else ""))
        return clean

    def value(self, raw: Any, spec: Field, key: Key) -> Any:
        """Check one value against its field; INVALID after reporting a problem."""
        if raw is None:
            return None
        check = getattr(self, f"_{spec.kind}")
        result = check(raw, spec, key)
        if result is not INVALID and spec.choices and result not in spec.choices:
            options = ", ".join(str(c) for c in spec.choices)
            hint = did_you_mean(str(result), [str(c) for c in spec.choices])
            self.error(key, f"'{_name(key)}' must be one of {options}, not {result!r}{hint}")
            return INVALID
        return result

    def _mapping(self, raw: Any, spec: Field, key: Key) -> Any:
        result = self.fields(raw, spec.fields, key)
        complete = result is not None and all(n in result for n, f in spec.fields.items() if f.required)
        return result if complete else INVALID

    def _list(self, raw: Any, spec: Field, key: Key) -> Any:
        if not isinstance(raw, list):
            self.error(key, f"'{_name(key)}' must be a list (lines starting with '- '), not {_kind(raw)}")
            return INVALID
        assert spec.item is not None
        items = [self.value(item, spec.item, (*key, i)) for i, item in enumerate(raw)]
        return [item for item in items if item is not INVALID and item is not None]

    def _text(self, raw: Any, spec: Field, key: Key) -> Any:
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

    def _choice(self, raw: Any, spec: Field, key: Key) -> Any:
        return self._text(raw, spec, key)

    def _slug(self, raw: Any, spec: Field, key: Key) -> Any:
        text = self._text(raw, spec, key)
        if text is not INVALID and not is_slug(text):
            self.error(key, f"'{text}' is not a valid slug (lowercase letters, digits and hyphens)")
            return INVALID
        return text

    def _language_code(self, raw: Any, spec: Field, key: Key) -> Any:
        text = self._text(raw, spec, key)
        if text is not INVALID and not LANGUAGE_CODE.match(text):
            self.error(key, f"'{text}' is not a lowercase language code such as vi, en, ko or zh-hans")
            return INVALID
        return text

    def _https(self, raw: Any, spec: Field, key: Key) -> Any:
        text = self._text(raw, spec, key)
        if text is not INVALID and not re.match(r"^https://[^\s/]+\.[^\s]+$", text):
            self.error(key, f"'{_name(key)}' must be an https:// address, not '{text}'")
            return INVALID
        return text

    def _base_url(self, raw: Any, spec: Field, key: Key) -> Any:
        text = self._text(raw, spec, key)
        if text is INVALID:
            return INVALID
        url = base_url(text)
        if url is None:
            self.error(key, f"'base_url' must be an http(s) address such as https://example.org/, not '{text}'")
            return INVALID
        return url

    def _email(self, raw: Any, spec: Field, key: Key) -> Any:
        text = self._text(raw, spec, key)
        if text is not INVALID and not EMAIL.match(text):
            self.error(key, f"'{text}' is not an e-mail address")
            return INVALID
        return text

    def _bool(self, raw: Any, spec: Field, key: Key) -> Any:
        if not isinstance(raw, bool):
            self.error(key, f"'{_name(key)}' must be true or false, not {_kind(raw)}")
            return INVALID
        return raw

    def _int(self, raw: Any, spec: Field, key: Key) -> Any:
        if isinstance(raw, bool) or not isinstance(raw, int):
            hint = " (remove the quotes)" if isinstance(raw, str) and raw.strip().isdigit() else ""
            self.error(key, f"'{_name(key)}' must be a whole number, not {_kind(raw)}{hint}")
            return INVALID
        return self._in_range(raw, spec, key)

    def _number(self, raw: Any, spec: Field, key: Key) -> Any:
        if isinstance(raw, bool) or not isinstance(raw, (int, float)) or not math.isfinite(raw):
            self.error(key, f"'{_name(key)}' must be a number, not {_kind(raw)}")
            return INVALID
        return self._in_range(raw, spec, key)

    def _in_range(self, raw: Any, spec: Field, key: Key) -> Any:
        if (spec.low is not None and raw < spec.low) or (spec.high is not None and raw > spec.high):
            low = "" if spec.low is None else _bound(spec.low)
            high = "" if spec.high is None else _bound(spec.high)
            bounds = f"between {low} and {high}" if low and high else (f"at least {low}" if low else f"at most {high}")
            self.error(key, f"'{_name(key)}' must be {bounds}, not {raw}")
            return INVALID
        return raw

    def _date(self, raw: Any, spec: Field, key: Key) -> Any:
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

    def _localized(self, raw: Any, spec: Field, key: Key) -> Any:
        default = self.languages[0]
        if not isinstance(raw, dict):
            example = ", ".join(f"{code}: …" for code in self.languages)
            self.error(key, f"'{_name(key)}' must have one text per language ({example}), not {_kind(raw)}")
            return INVALID
        texts = []
        for code, text in raw.items():
            if code not in self.languages:
                hint = did_you_mean(str(code), self.languages)
                self.error((*key, code), f"unknown language '{code}' in '{_name(key)}'{hint}")
            elif (value := self._text(text, spec, (*key, code))) is not INVALID:
                texts.append((code, value))
        if not any(code == default for code, _ in texts):
            if default not in raw:
                self.error(key, f"'{_name(key)}' has no text in the default language '{default}'")
            return INVALID
        for code in self.languages[1:]:
            if code not in raw:
                self.problems.warning(self.doc.path, self.doc.line(*key), f"no '{code}' text for '{_name(key)}'")
        order = {code: i for i, code in enumerate(self.languages)}
        return Localized(tuple(sorted(texts, key=lambda t: order[t[0]])))


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
