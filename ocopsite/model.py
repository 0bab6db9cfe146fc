"""The validated, immutable model of a site. Built by ``validate``, read by everyone after."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ocopsite.load import Doc

MONTHS_VALID = 36


@dataclass(frozen=True)
class Localized:
    """A text in several languages: ``(("vi", "…"), ("en", "…"))``."""

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
class SourceRef:
    """A public source of facts."""

    title: str
    url: str | None = None
    date: PartialDate | None = None


@dataclass(frozen=True)
class Recognition:
    """The OCOP recognition decision behind a product's stars."""

    decision: str | None = None
    date: PartialDate | None = None
    issuer: Localized | None = None
    score: float | None = None
    expires: PartialDate | None = None
    status: str | None = None

    @property
    def expiry(self) -> PartialDate | None:
        """The given expiry, or the decision date plus 36 months."""
        if self.expires is not None:
            return self.expires
        return self.date.plus_months(MONTHS_VALID) if self.date else None


@dataclass(frozen=True)
class Price:
    """An indicative price range in VND."""

    min: int | None
    max: int | None
    unit: Localized | None


@dataclass(frozen=True)
class Photo:
    """A photo in a bundle: its file, its alt text, and where the YAML names it."""

    file: str
    alt: Localized
    folder: str
    source: str
    line: int


@dataclass(frozen=True)
class Shop:
    name: str
    url: str


@dataclass(frozen=True)
class Location:
    lat: float
    lon: float


@dataclass(frozen=True)
class Link:
    """A link from Markdown to a page of the site, checked once pages are planned."""

    path: str
    line: int
    target: str


@dataclass(frozen=True)
class Body:
    """The Markdown description of a bundle, as safe HTML per language."""

    html: Localized | None = None
    links: tuple[Link, ...] = ()


@dataclass(frozen=True)
class Product:
    slug: str
    name: Localized
    stars: int
    category: str
    producer: str
    place: str | None
    summary: Localized | None
    recognition: Recognition | None
    price: Price | None
    photos: tuple[Photo, ...]
    sold_at: tuple[str, ...]
    shops: tuple[Shop, ...]
    season: tuple[int, ...]
    sources: tuple[SourceRef, ...]
    body: Body
    doc: Doc = field(repr=False, compare=False)


@dataclass(frozen=True)
class Producer:
    slug: str
    name: Localized
    kind: str
    place: str | None
    address: str | None
    phone: str | None
    email: str | None
    website: str | None
    location: Location | None
    visitors: bool
    opening_hours: Localized | None
    directions: Localized | None
    photos: tuple[Photo, ...]
    sources: tuple[SourceRef, ...]
    body: Body
    doc: Doc = field(repr=False, compare=False)


@dataclass(frozen=True)
class TourismSite:
    slug: str
    name: Localized
    kind: str
    place: str | None
    address: str | None
    phone: str | None
    website: str | None
    location: Location | None
    opening_hours: Localized | None
    directions: Localized | None
    photos: tuple[Photo, ...]
    sources: tuple[SourceRef, ...]
    body: Body
    doc: Doc = field(repr=False, compare=False)


@dataclass(frozen=True)
class Place:
    slug: str
    name: Localized
    kind: str
    formerly: Localized | None


@dataclass(frozen=True)
class Group:
    """An OCOP product group (nhóm), the unit a product's ``category`` names."""

    slug: str
    number: int
    name: Localized
    sector: str


@dataclass(frozen=True)
class Sector:
    """An OCOP sector (ngành) and its groups."""

    slug: str
    number: str
    name: Localized
    groups: tuple[Group, ...]


@dataclass(frozen=True)
class FreePage:
    slug: str
    title: Localized
    body: Body


@dataclass(frozen=True)
class Language:
    code: str
    name: str
    fallback: tuple[str, ...]

    @property
    def chain(self) -> tuple[str, ...]:
        """This language, then where its missing texts come from."""
        return (self.code, *self.fallback)


@dataclass(frozen=True)
class Goal:
    """A public target for the share of products sold online, with where it was announced."""

    percent: int
    year: int | None
    source: SourceRef | None


@dataclass(frozen=True)
class SiteConfig:
    title: Localized
    description: Localized | None
    province: Localized | None
    base_url: str
    languages: tuple[Language, ...]
    expiring_soon_days: int
    per_page: int = 30
    online_goal: Goal | None = None

    @property
    def default_language(self) -> Language:
        return self.languages[0]


@dataclass(frozen=True)
class Site:
    """Every validated record of a site, not yet cross-referenced."""

    config: SiteConfig
    products: tuple[Product, ...]
    producers: tuple[Producer, ...]
    tourism: tuple[TourismSite, ...]
    places: tuple[Place, ...]
    sectors: tuple[Sector, ...]
    pages: tuple[FreePage, ...]
