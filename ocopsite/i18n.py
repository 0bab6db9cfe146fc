"""UI strings and the formatting of numbers, dates and prices for each language."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from string import Formatter
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.core import get_global
from babel.dates import format_date, format_skeleton, get_month_names
from babel.numbers import format_currency, format_decimal, format_percent
from markupsafe import Markup, escape

from ocopsite.errors import Problems
from ocopsite.model import FormerUnit, Place, Price, SiteConfig
from ocopsite.schema import Bounds, PartialDate
from ocopsite.yamldoc import Doc

SECTIONS = (
    "products", "stars", "producers", "labels", "tourism", "categories", "places", "search", "statistics", "paged",
)


@dataclass(frozen=True)
class Strings:
    """One language's UI strings (flattened to dotted keys) and section slugs."""

    lang: str
    texts: Mapping[str, str]
    sections: Mapping[str, str]
    locale: Locale
    _plain: dict[str, Markup] = field(default_factory=dict, repr=False, compare=False)

    @functools.cached_property
    def og_locale(self) -> str:
        """This language as Open Graph writes it, language_TERRITORY: "vi_VN", "en_US"."""
        territory = self.locale.territory
        if territory is None:
            likely = get_global("likely_subtags").get(self.locale.language)
            territory = Locale.parse(likely).territory if likely else None
        return f"{self.locale.language}_{territory}" if territory else self.locale.language

    def __call__(self, key: str, **values: Any) -> Markup:
        """A UI string, its placeholders filled with escaped values (or Markup, kept as is)."""
        if not values:
            plain = self._plain.get(key)
            if plain is None:
                plain = self._plain[key] = Markup(escape(self.texts[key])).format()
            return plain
        return Markup(escape(self.texts[key])).format(**values)

    def plural(self, key: str, n: int) -> str:
        """A counted phrase in the right plural form: "1 product", "3 products", "3 sản phẩm"."""
        form = self.locale.plural_form(n)
        text = self.texts.get(f"{key}.{form}") or self.texts[f"{key}.other"]
        return str(Markup(escape(text)).format(n=self.number(n)))

    def date(self, value: PartialDate | dt.date | None) -> str:
        """A date at the precision it is known: "16 tháng 1, 2025", "December 2020", "2023"."""
        if value is None:
            return ""
        if isinstance(value, dt.date):
            return str(format_date(value, "long", locale=self.locale))
        if value.day:
            return str(format_date(value.earliest(), "long", locale=self.locale))
        if value.month:
            return str(format_skeleton("yMMMM", value.earliest(), locale=self.locale))
        return str(value.year)

    def number(self, value: float) -> str:
        return str(format_decimal(value, locale=self.locale))

    def percent(self, part: float, whole: float) -> str:
        """``part`` as a whole-number share of ``whole``: "80%", "80 %" where the language spaces it."""
        return str(format_percent(part / whole if whole else 0, locale=self.locale))

    def price(self, price: Price) -> str:
        """A price range in VND, in this language's number format."""
        amounts = [format_currency(v, "VND", locale=self.locale) for v in (price.min, price.max) if v is not None]
        if len(amounts) == 2 and price.min == price.max:
            amounts = amounts[:1]
        return " – ".join(str(a) for a in amounts)

    def month(self, number: int) -> str:
        return str(get_month_names("wide", "format", locale=self.locale)[number])

    def km(self, value: float) -> str:
        return str(format_decimal(value, "#,##0.0", locale=self.locale))

    def recognised(self, when: PartialDate | Bounds) -> Markup:
        """When a product was recognised, at the precision a source gives it."""
        if isinstance(when, PartialDate):
            return self("status.recognised", date=self.date(when))
        if when.after and when.before:
            return self("status.recognised_between", start=self.date(when.after), end=self.date(when.before))
        if when.before:
            return self("status.recognised_by", date=self.date(when.before))
        return self("status.recognised_after", date=self.date(when.after))

    def when(self, when: PartialDate | Bounds) -> Markup:
        """A date at the precision a source gives it, on its own: "1 March 2024", "by 15
        February 2023", "between 16 January and 19 June 2025"."""
        if isinstance(when, PartialDate):
            return escape(self.date(when))
        if when.after and when.before:
            return self("status.when_between", start=self.date(when.after), end=self.date(when.before))
        if when.before:
            return self("status.when_by", date=self.date(when.before))
        return self("status.when_after", date=self.date(when.after))

    def status_line(self, code: str, first: dt.date | None, last: dt.date | None, bounded: bool) -> Markup:
        """A certificate's status in a sentence: "Valid until 15 February 2026", "Ended by 15
        February 2026 unless renewed", "Expiry date not published"."""
        if code == "valid" and first:
            return self("status.until_least" if bounded else "status.until", date=self.date(first))
        if code == "expiring" and first:
            return self("status.expiring_from" if bounded else "status.expiring_on", date=self.date(first))
        if code == "expired" and last:
            return self("status.ended_by" if bounded else "status.ended_on", date=self.date(last))
        return self(f"status.{code}")

    def formerly(self, place: Place) -> str:
        """A place's former units, by the district they were in: "Vạn Phú Commune, Vạn Giã
        Township and Vạn Lương Commune (Vạn Ninh District)"."""
        groups: dict[tuple[str | None, str | None], list[FormerUnit]] = {}
        for unit in place.formerly:
            groups.setdefault((unit.district, unit.district_type), []).append(unit)
        parts = []
        for (district, kind), units in groups.items():
            names = [self._unit(unit) for unit in units]
            listed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} {self.texts['place.and']} {names[-1]}"
            where = self.texts[f"place.district.{kind}"].format(name=district) if district and kind else district
            parts.append(f"{listed} ({where})" if where else listed)
        return "; ".join(parts)

    def _unit(self, unit: FormerUnit) -> str:
        named = self.texts[f"place.unit.{unit.type}"].format(name=unit.name)
        return self.texts["place.part"].format(unit=named) if unit.part else named


def load_strings(ui: Mapping[str, Doc], config: SiteConfig, problems: Problems) -> dict[str, Strings]:
    """Every site language needs ``templates/i18n/<code>.yaml`` with every key the default has."""
    flat = {code: _flatten(doc.data if isinstance(doc.data, dict) else {}) for code, doc in ui.items()}
    default = config.default_language.code
    strings = {}
    for lang in config.languages:
        if lang.code not in ui:
            problems.error(f"templates/i18n/{lang.code}.yaml", 0, f"missing: UI strings for language '{lang.code}'")
            continue
        doc = ui[lang.code]
        for key in sorted(set(flat.get(default, {})) - set(flat[lang.code])):
            problems.error(doc.path, 1, f"missing UI string '{key}' (present in {default}.yaml)")
        _check_placeholders(doc, flat[lang.code], flat.get(default, {}), problems)
        sections = {k[len("sections."):]: v for k, v in flat[lang.code].items() if k.startswith("sections.")}
        for name in SECTIONS:
            if name not in sections:
                problems.error(doc.path, doc.line("sections"), f"missing section slug 'sections.{name}'")
        strings[lang.code] = Strings(lang.code, flat[lang.code], sections, _locale(lang.code))
    return strings


def _check_placeholders(doc: Doc, texts: Mapping[str, str], default: Mapping[str, str], problems: Problems) -> None:
    """A translation must use the same {placeholders} as the default language's string."""
    for key, text in texts.items():
        reference = default.get(key) or default.get(key.rsplit(".", 1)[0] + ".other")
        wanted = _placeholders(reference) if reference is not None else set()
        found = _placeholders(text)
        if found is None:
            problems.error(doc.path, doc.line(*key.split(".")), f"UI string '{key}' has an unmatched '{{' or '}}'")
        elif wanted is not None and found != wanted:
            names = ", ".join(f"{{{n}}}" for n in sorted(wanted)) or "no placeholder"
            problems.error(doc.path, doc.line(*key.split(".")), f"UI string '{key}' must use {names}")


def _placeholders(text: str) -> set[str] | None:
    try:
        return {name for _, name, _, _ in Formatter().parse(text) if name is not None}
    except ValueError:
        return None


def _flatten(data: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in data.items():
        if isinstance(value, dict):
            out.update(_flatten(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = str(value)
    return out


ENGLISH = "en_GB"  # the catalogue writes British English (CONTRIBUTING.md), and dates to match: 1 March 2027


def _locale(code: str) -> Locale:
    try:
        return Locale.parse(ENGLISH if code == "en" else code.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return Locale.parse("en")
