"""The declared shape of every content file: one place that says each field's type,
whether it is required and whether it is localized."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Field:
    """One field: its kind, whether it is required, and what its parts must be."""

    kind: str
    required: bool = False
    choices: tuple[str | int, ...] = ()
    low: float | None = None
    high: float | None = None
    fields: Mapping[str, Field] = field(default_factory=dict)
    item: Field | None = None


def required(kind: str, **kw: object) -> Field:
    return Field(kind, True, **kw)  # type: ignore[arg-type]


def optional(kind: str, **kw: object) -> Field:
    return Field(kind, False, **kw)  # type: ignore[arg-type]


def mapping(fields: Mapping[str, Field], is_required: bool = False) -> Field:
    return Field("mapping", is_required, fields=fields)


def list_of(item: Field, is_required: bool = False) -> Field:
    return Field("list", is_required, item=item)


MAX_VND = 1_000_000_000_000
SOURCES = list_of(mapping({"title": required("text"), "url": optional("https"), "date": optional("date")}))
PHOTOS = list_of(mapping({"file": required("text"), "alt": required("localized")}))
LOCATION = mapping({"lat": required("number", low=-90, high=90), "lon": required("number", low=-180, high=180)})

PRODUCT = {
    "name": required("localized"),
    "stars": required("int", choices=(3, 4, 5)),
    "category": required("slug"),
    "producer": required("slug"),
    "place": optional("slug"),
    "summary": optional("localized"),
    "recognition": mapping({
        "decision": optional("text"),
        "date": optional("date"),
        "issuer": optional("localized"),
        "score": optional("number", low=0, high=100),
        "expires": optional("date"),
        "status": optional("choice", choices=("revoked", "re-evaluating")),
    }),
    "price": mapping({
        "min": optional("int", low=0, high=MAX_VND),
        "max": optional("int", low=0, high=MAX_VND),
        "unit": optional("localized"),
    }),
    "photos": PHOTOS,
    "sold_at": list_of(required("slug")),
    "shops": list_of(mapping({"name": required("text"), "url": required("https")})),
    "season": list_of(required("int", low=1, high=12)),
    "sources": SOURCES,
}

PRODUCER_KINDS = ("enterprise", "cooperative", "cooperative-group", "household")
PRODUCER = {
    "name": required("localized"),
    "kind": required("choice", choices=PRODUCER_KINDS),
    "place": optional("slug"),
    "address": optional("text"),
    "phone": optional("text"),
    "email": optional("email"),
    "website": optional("https"),
    "location": LOCATION,
    "visitors": optional("bool"),
    "opening_hours": optional("localized"),
    "directions": optional("localized"),
    "photos": PHOTOS,
    "sources": SOURCES,
}

TOURISM_KINDS = ("community-tourism", "eco-tourism", "craft-village", "ocop-showcase", "farm", "market", "shop")
TOURISM = {
    "name": required("localized"),
    "kind": required("choice", choices=TOURISM_KINDS),
    "place": optional("slug"),
    "address": optional("text"),
    "phone": optional("text"),
    "website": optional("https"),
    "location": LOCATION,
    "opening_hours": optional("localized"),
    "directions": optional("localized"),
    "photos": PHOTOS,
    "sources": SOURCES,
}

PLACE_KINDS = ("commune", "ward", "special-zone")
PLACES = list_of(mapping({
    "slug": required("slug"),
    "name": required("localized"),
    "kind": required("choice", choices=PLACE_KINDS),
    "formerly": optional("localized"),
}), is_required=True)

CATEGORIES = list_of(mapping({
    "slug": required("slug"),
    "number": required("text"),
    "name": required("localized"),
    "groups": list_of(mapping({
        "slug": required("slug"),
        "number": required("int", low=1, high=99),
        "name": required("localized"),
    }), is_required=True),
}), is_required=True)

SITE = {
    "title": required("localized"),
    "description": optional("localized"),
    "province": optional("localized"),
    "base_url": required("base_url"),
    "languages": list_of(mapping({
        "code": required("language_code"),
        "name": required("text"),
        "fallback": list_of(required("language_code")),
    }), is_required=True),
    "expiring_soon_days": optional("int", low=0, high=3650),
    "per_page": optional("int", low=1, high=500),
    "online_goal": mapping({
        "percent": required("int", low=1, high=100),
        "year": optional("int", low=1990, high=2100),
        "source": mapping({"title": required("text"), "url": optional("https"), "date": optional("date")}),
    }),
}
