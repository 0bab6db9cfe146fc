"""Every record kind of a site, declared once: its fields, what each must be in YAML, and the
checks that span several fields. ``validate`` builds these frozen records from the files;
everyone after reads them. To add a field: declare it here, show it in a template, and label
it in each file of templates/i18n/ (CONTRIBUTING.md, "Adding a field").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from ocopsite import schema as s
from ocopsite.schema import Bounds, Digested, Localized, PartialDate, Report, Terms, When, item

if TYPE_CHECKING:
    from ocopsite.yamldoc import Doc

MONTHS_VALID = 36
MAX_VND = 1_000_000_000_000
ILLUSTRATIONS = ("mango", "durian", "grape", "sea-grapes", "fish-sauce", "birds-nest", "agarwood", "garlic-shallot",
                 "tea", "coffee", "honey", "wine", "dried-seafood", "rice", "coconut", "melon", "pomelo", "pottery",
                 "brocade", "default")
UNCONFIRMABLE = ("stars", "recognition", "place", "producer")
PRODUCER_KINDS = ("enterprise", "cooperative", "cooperative-group", "household")
TOURISM_KINDS = ("community-tourism", "eco-tourism", "craft-village", "ocop-showcase", "farm", "market", "shop")
SALE_KINDS = ("ocop-showcase", "market", "shop")  # tourism kinds that are points of sale
PLACE_KINDS = ("commune", "ward", "special-zone")
UNIT_TYPES = ("xa", "phuong", "thi-tran")
DISTRICT_TYPES = ("huyen", "thi-xa", "thanh-pho")
STAR_BANDS = {3: (50, 70, "50 to under 70"), 4: (70, 90, "70 to under 90"), 5: (90, 101, "90 to 100")}
PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp")


@dataclass(frozen=True, kw_only=True)
class Source(Digested):
    """A public source of facts: a page (``url``) or a printed decision (``document``, ``issuer``)."""

    title: str = s.text(required=True)
    date: PartialDate = s.date(required=True)
    url: str | None = s.https()
    document: str | None = s.text()
    issuer: str | None = s.text()

    def check(self, report: Report) -> None:
        if not self.url and not (self.document and self.issuer):
            report.error(("title",), "a source needs its 'url', or the 'document' number and 'issuer' of a printed "
                                     "decision")


@dataclass(frozen=True, kw_only=True)
class Photo(Digested):
    """A photo in a bundle: a file of its folder, and its alt text."""

    file: str = s.text(required=True)
    alt: Localized = s.localized(required=True)

    def check(self, report: Report) -> None:
        name = self.file
        if "/" in name or "\\" in name or name.startswith("."):
            report.error(("file",), f"photo '{name}' must be a file name in this folder, without a path")
        elif name not in report.files:
            report.error(("file",), f"photo '{name}' does not exist in {report.folder}/")
        elif (head := report.files[name]) is None:
            pass  # refused as it was read, and said why
        elif not name.lower().endswith(PHOTO_SUFFIXES) or not _is_image(head):
            report.error(("file",), f"photo '{name}' is not a JPEG, PNG or WebP image")


def _is_image(head: bytes) -> bool:
    """JPEG, PNG or WebP, by the file's first bytes rather than its name."""
    return head.startswith((b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")) or (head[:4] == b"RIFF" and head[8:12] == b"WEBP")


@dataclass(frozen=True, kw_only=True)
class Location(Digested):
    lat: float = s.number(-90, 90, required=True)
    lon: float = s.number(-180, 180, required=True)


@dataclass(frozen=True, kw_only=True)
class Shop(Digested):
    name: str = s.text(required=True)
    url: str = s.https(required=True)


@dataclass(frozen=True, kw_only=True)
class Price(Digested):
    """An indicative price range in VND."""

    min: int | None = s.whole(0, MAX_VND)
    max: int | None = s.whole(0, MAX_VND)
    unit: Localized | None = s.localized()

    def check(self, report: Report) -> None:
        if self.min is None and self.max is None:
            report.error((), "'price' needs 'min', 'max' or both")
        elif self.min is not None and self.max is not None and self.min > self.max:
            report.error(("max",), "'price.max' is lower than 'price.min'")


@dataclass(frozen=True, kw_only=True)
class Recognition(Digested):
    """The OCOP recognition decision behind a product's stars."""

    decision: str | None = s.text()
    date: When | None = s.when()
    issuer: Localized | None = s.localized()
    score: float | None = s.number(0, 100)
    expires: PartialDate | None = s.date()
    status: str | None = s.one_of("revoked", "re-evaluating")

    @property
    def expiry(self) -> When | None:
        """The given expiry, or every day the certificate may end: the recognition date plus 36 months."""
        if self.expires is not None:
            return self.expires
        return self.date.plus_months(MONTHS_VALID) if self.date else None

    def check(self, report: Report) -> None:
        first = self.date.earliest() if self.date else None
        if first and self.expires and self.expires.latest() < first:
            report.error(("expires",), "'recognition.expires' is before 'recognition.date'")
        if isinstance(self.date, Bounds):
            if self.date.after is None and self.date.before is None:
                report.error(("date",), "'recognition.date' needs 'after', 'before' or both")
            elif self.date.after and self.date.before and self.date.after.earliest() > self.date.before.latest():
                report.error(("date", "before"), "'recognition.date.before' is earlier than 'after'")


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


@dataclass(frozen=True, kw_only=True)
class Bundle(Digested):
    """What every bundle record has besides its YAML fields."""

    slug: str
    folder: str
    body: Body = Body()
    doc: Doc = field(repr=False, compare=False)


@dataclass(frozen=True, kw_only=True)
class Product(Bundle):
    name: Localized = s.localized(required=True)
    stars: int = s.whole(choices=(3, 4, 5), required=True)
    category: str = s.slug("groups", required=True)
    producer: str = s.slug("producers", required=True)
    place: str | None = s.slug("places")
    kind: str | None = s.one_of(*ILLUSTRATIONS)
    summary: Localized | None = s.localized()
    recognition: Recognition | None = s.record(Recognition)
    unconfirmed: tuple[str, ...] = s.many(item("choice", choices=UNCONFIRMABLE))
    price: Price | None = s.record(Price)
    photos: tuple[Photo, ...] = s.many(item("record", record=Photo))
    sold_at: tuple[str, ...] = s.many(item("slug", ref="tourism"))
    shops: tuple[Shop, ...] = s.many(item("record", record=Shop))
    season: tuple[int, ...] = s.many(item("int", low=1, high=12))
    notes: Localized | None = s.localized()
    sources: tuple[Source, ...] = s.many(item("record", record=Source))

    def check(self, report: Report) -> None:
        score = self.recognition.score if self.recognition else None
        low, high, band = STAR_BANDS[self.stars]
        if score is not None and not low <= score < high:
            report.warning(("recognition", "score"),
                           f"a score of {score:g} does not match {self.stars} stars ({band} points)")
        for i, slug in enumerate(self.sold_at):
            if slug in self.sold_at[:i]:
                report.error(("sold_at", i), f"'{slug}' is listed twice in 'sold_at'")
        for i, fact in enumerate(self.unconfirmed):
            report.warning(("unconfirmed", i), f"'{fact}' is marked unconfirmed: no source states it")


@dataclass(frozen=True, kw_only=True)
class Producer(Bundle):
    name: Localized = s.localized(required=True)
    kind: str = s.one_of(*PRODUCER_KINDS, required=True)
    place: str | None = s.slug("places")
    address: str | None = s.text()
    phone: str | None = s.text()
    email: str | None = s.email()
    website: str | None = s.https()
    location: Location | None = s.record(Location)
    visitors: bool = s.flag()
    opening_hours: Localized | None = s.localized()
    directions: Localized | None = s.localized()
    sold_at: tuple[str, ...] = s.many(item("slug", ref="tourism"))
    photos: tuple[Photo, ...] = s.many(item("record", record=Photo))
    notes: Localized | None = s.localized()
    sources: tuple[Source, ...] = s.many(item("record", record=Source))


@dataclass(frozen=True, kw_only=True)
class TourismSite(Bundle):
    """A tourism site or a point of sale (``SALE_KINDS``)."""

    name: Localized = s.localized(required=True)
    kind: str = s.one_of(*TOURISM_KINDS, required=True)
    place: str | None = s.slug("places")
    address: str | None = s.text()
    phone: str | None = s.text()
    website: str | None = s.https()
    location: Location | None = s.record(Location)
    opening_hours: Localized | None = s.localized()
    directions: Localized | None = s.localized()
    photos: tuple[Photo, ...] = s.many(item("record", record=Photo))
    notes: Localized | None = s.localized()
    sources: tuple[Source, ...] = s.many(item("record", record=Source))

    @property
    def sells(self) -> bool:
        return self.kind in SALE_KINDS


@dataclass(frozen=True, kw_only=True)
class FormerUnit(Digested):
    """A commune, ward or township before 1 July 2025, and the district it was in."""

    name: str = s.text(required=True)
    type: str = s.one_of(*UNIT_TYPES, required=True)
    district: str | None = s.text()
    district_type: str | None = s.one_of(*DISTRICT_TYPES)
    province: str | None = s.text()
    part: bool = s.flag()


@dataclass(frozen=True, kw_only=True)
class Place(Digested):
    slug: str = s.slug(required=True)
    name: Localized = s.localized(required=True)
    kind: str = s.one_of(*PLACE_KINDS, required=True)
    location: Location | None = s.record(Location)
    formerly: tuple[FormerUnit, ...] = s.many(item("record", record=FormerUnit))
    sources: tuple[Source, ...] = s.many(item("record", record=Source))

    @cached_property
    def former_names(self) -> tuple[str, ...]:
        """Every name tourists and old labels may still use: units and districts."""
        return tuple(dict.fromkeys([*(u.name for u in self.formerly), *(u.district for u in self.formerly
                                                                           if u.district)]))


@dataclass(frozen=True, kw_only=True)
class Group(Digested):
    """An OCOP product group (nhóm), the unit a product's ``category`` names."""

    slug: str = s.slug(required=True)
    number: int = s.whole(1, 99, required=True)
    name: Localized = s.localized(required=True)


@dataclass(frozen=True, kw_only=True)
class Sector(Digested):
    """An OCOP sector (ngành) and its groups."""

    slug: str = s.slug(required=True)
    number: str = s.text(required=True)
    name: Localized = s.localized(required=True)
    groups: tuple[Group, ...] = s.many(item("record", record=Group), required=True)


@dataclass(frozen=True, kw_only=True)
class Synonym(Digested):
    """Words that mean the same to a reader, in any language (the search treats them alike)."""

    terms: Terms = s.terms()
    sources: tuple[Source, ...] = s.many(item("record", record=Source))


@dataclass(frozen=True, kw_only=True)
class Language(Digested):
    code: str = field(metadata={"spec": s.Spec("language_code", True)})
    name: str = s.text(required=True)
    fallback: tuple[str, ...] = s.many(item("language_code"))

    @property
    def chain(self) -> tuple[str, ...]:
        """This language, then where its missing texts come from."""
        return (self.code, *self.fallback)


@dataclass(frozen=True, kw_only=True)
class Goal(Digested):
    """A public target for the share of products sold online, with where it was announced."""

    percent: int = s.whole(1, 100, required=True)
    year: int | None = s.whole(1990, 2100)
    source: Source | None = s.record(Source)


@dataclass(frozen=True, kw_only=True)
class Reference(Digested):
    """The point distances are measured from (the centre of Nha Trang, say)."""

    name: Localized = s.localized(required=True)
    lat: float = s.number(-90, 90, required=True)
    lon: float = s.number(-180, 180, required=True)


@dataclass(frozen=True, kw_only=True)
class SiteConfig(Digested):
    title: Localized = s.localized(required=True)
    description: Localized | None = s.localized()
    province: Localized | None = s.localized()
    base_url: str = field(metadata={"spec": s.Spec("base_url", True)})
    languages: tuple[Language, ...] = s.many(item("record", record=Language), required=True)
    expiring_soon_days: int = field(default=90, metadata={"spec": s.Spec("int", low=0, high=3650)})
    per_page: int = field(default=30, metadata={"spec": s.Spec("int", low=1, high=500)})
    online_goal: Goal | None = s.record(Goal)
    reference: Reference | None = s.record(Reference)
    edit_url: str | None = s.https()  # where a source file opens for editing: its path is added

    @property
    def default_language(self) -> Language:
        return self.languages[0]


@dataclass(frozen=True, kw_only=True)
class FreePage(Bundle):
    """A page of Markdown only (``content/pages/<slug>/``): the first ``# Heading`` is its title."""

    title: Localized


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
    synonyms: tuple[Synonym, ...] = ()


RECORD_FILES: dict[str, tuple[str, type[Any]]] = {
    "products": ("product.yaml", Product),
    "producers": ("producer.yaml", Producer),
    "tourism": ("site.yaml", TourismSite),
}
