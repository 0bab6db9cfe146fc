"""Step 2, validate: raw records become frozen model objects; every problem is collected."""

from __future__ import annotations

import functools
from typing import Any

from ocopsite import schema
from ocopsite.checker import Checker
from ocopsite.errors import Problems, SiteError
from ocopsite.load import Bundle, Doc, RawSite, Reported, Text, remembered
from ocopsite.markup import hazard, internal_links, split_title, to_html
from ocopsite.model import (
    Body,
    FreePage,
    Goal,
    Group,
    Language,
    Localized,
    Place,
    Sector,
    Site,
    SiteConfig,
    SourceRef,
)
from ocopsite.records import producer, product, tourism_site
from ocopsite.slugs import is_slug, slug_for

RecordMemo = Reported


def validate_site(raw: RawSite, problems: Problems, memo: RecordMemo | None = None) -> Site:
    """Check every record against its schema and build the model; raise if anything is wrong.
    With ``memo``, a bundle whose files did not change keeps the record made from it before."""
    if raw.config is None:
        problems.raise_if_errors()
        raise SiteError([])
    config = site_config(raw.config, problems)
    problems.raise_if_errors()
    assert config is not None
    codes = tuple(lang.code for lang in config.languages)
    site = Site(
        config=config,
        products=_bundles(raw, "products", codes, problems, product, memo),
        producers=_bundles(raw, "producers", codes, problems, producer, memo),
        tourism=_bundles(raw, "tourism", codes, problems, tourism_site, memo),
        places=_memoized(memo, places, raw.places, codes, problems) if raw.places else (),
        sectors=_memoized(memo, sectors, raw.categories, codes, problems) if raw.categories else (),
        pages=tuple(p for b in raw.bundles if b.section == "pages" if (p := free_page(b, raw, codes, problems, memo))),
    )
    problems.raise_if_errors()
    return site


def site_config(doc: Doc, problems: Problems) -> SiteConfig | None:
    """Read ``site.yaml``: languages first, since every localized field depends on them."""
    raw_languages = doc.data.get("languages") if isinstance(doc.data, dict) else None
    if not isinstance(raw_languages, list):
        raw_languages = []
    codes = tuple(str(x.get("code")) for x in raw_languages if isinstance(x, dict)) or ("vi",)
    data = Checker(doc, codes, problems).fields(doc.data, schema.SITE)
    if data is None or "languages" not in data or "title" not in data:
        return None
    languages = tuple(_language(item, codes, i) for i, item in enumerate(data["languages"]))
    if len(set(codes)) != len(codes):
        problems.error(doc.path, doc.line("languages"), "a language is listed twice")
    for i, item in enumerate(data["languages"]):
        for j, code in enumerate(item.get("fallback", [])):
            if code not in codes:
                problems.error(doc.path, doc.line("languages", i, "fallback", j),
                               f"fallback language '{code}' is not one of the site's languages")
    return SiteConfig(
        title=data["title"],
        description=data.get("description"),
        province=data.get("province"),
        base_url=data["base_url"],
        languages=languages,
        expiring_soon_days=data.get("expiring_soon_days", 90),
        per_page=data.get("per_page", 30),
        online_goal=_goal(data.get("online_goal")),
    )


def _goal(goal: dict[str, Any] | None) -> Goal | None:
    if not goal:
        return None
    source = goal.get("source")
    return Goal(goal["percent"], goal.get("year"),
                SourceRef(source["title"], source.get("url"), source.get("date")) if source else None)


def _language(item: dict[str, Any], codes: tuple[str, ...], index: int) -> Language:
    fallback = [c for c in item.get("fallback", []) if c != item["code"]]
    if codes[0] not in fallback and index > 0:
        fallback.append(codes[0])
    return Language(item["code"], item["name"], tuple(fallback))


def _memoized(memo: RecordMemo | None, read: Any, doc: Doc, codes: tuple[str, ...], problems: Problems) -> Any:
    """``read(doc, codes, problems)``, or what it gave for the same Doc (the same text) last time."""
    return remembered(memo, (read.__name__, id(doc), codes), problems, lambda own: read(doc, codes, own), keep=doc)


def _bundles(raw: RawSite, section: str, codes: tuple[str, ...], problems: Problems, build: Any,
             memo: RecordMemo | None = None) -> tuple[Any, ...]:
    found = []
    for bundle in raw.bundles:
        if bundle.section != section or bundle.doc is None or not _bundle_ok(bundle, raw, codes, problems):
            continue
        # A bundle whose files did not change is the very same object (see load), which is kept
        # with the record so that its identity cannot be reused.
        record = remembered(memo, (section, id(bundle), codes), problems,
                            functools.partial(_record, bundle, section, codes, build=build), keep=bundle)
        if record is not None:
            found.append(record)
    return tuple(found)


def _record(bundle: Bundle, section: str, codes: tuple[str, ...], problems: Problems, build: Any) -> Any:
    """A bundle's record, or None if its fields fail their schema (the problems say why)."""
    fields_schema = _SCHEMAS[section]
    assert bundle.doc is not None
    checker = Checker(bundle.doc, codes, problems)
    fields = checker.fields(bundle.doc.data, fields_schema)
    if fields is not None and all(k in fields for k, f in fields_schema.items() if f.required):
        return build(bundle, fields, body(bundle, codes, problems), checker)
    return None


_SCHEMAS = {"products": schema.PRODUCT, "producers": schema.PRODUCER, "tourism": schema.TOURISM}


def _bundle_ok(bundle: Bundle, raw: RawSite, codes: tuple[str, ...], problems: Problems) -> bool:
    """A bundle's folder name must be a slug, unlike any other but in case or accents."""
    for lang in bundle.texts:
        if lang not in codes:
            problems.error(bundle.texts[lang].path, 0, f"'{lang}' is not a language of this site ({', '.join(codes)})")
    if is_slug(bundle.slug):
        return True
    twin = slug_for(bundle.slug)
    siblings = {b.slug for b in raw.bundles if b.section == bundle.section and is_slug(b.slug)}
    if twin in siblings:
        problems.error(bundle.folder, 0, f"folder name '{bundle.slug}' differs from '{twin}' only by case or "
                       "accents; merge the two folders")
    else:
        hint = f" (did you mean '{twin}'?)" if twin else ""
        problems.error(bundle.folder, 0, f"folder name '{bundle.slug}' is not a valid slug "
                       f"(lowercase letters a-z, digits and hyphens){hint}")
    return False


def body(bundle: Bundle, codes: tuple[str, ...], problems: Problems) -> Body:
    """The bundle's Markdown texts as safe HTML, with the internal links they make."""
    texts = [(code, bundle.texts[code]) for code in codes if code in bundle.texts]
    _warn_missing_texts(bundle, codes, problems)
    return markdown_body(texts, problems)


def _warn_missing_texts(bundle: Bundle, codes: tuple[str, ...], problems: Problems) -> None:
    """Each translation missing beside the default language's text is a warning."""
    for code in codes[1:]:
        if code not in bundle.texts and codes[0] in bundle.texts:
            problems.warning(f"{bundle.folder}/{code}.md", 0, f"no '{code}' text; the '{codes[0]}' text is shown")


def markdown_body(texts: list[tuple[str, Text]], problems: Problems) -> Body:
    """Markdown per language as safe HTML, with the links to other pages it makes."""
    html = []
    for code, text in texts:
        if (found := hazard(text.text)) is not None:
            problems.error(text.path, *found)
            return Body()
        try:
            html.append((code, to_html(text.text)))
        except RecursionError:
            problems.error(text.path, 0, "Markdown nested too deeply")
            return Body()
    if not html:
        return Body()
    links = tuple(link for (_, t), (_, h) in zip(texts, html, strict=True) for link in internal_links(t, h))
    return Body(Localized(tuple(html)), links)


def places(doc: Doc, codes: tuple[str, ...], problems: Problems) -> tuple[Place, ...]:
    """Read ``places.yaml``."""
    items = Checker(doc, codes, problems).value(doc.data, schema.PLACES, ())
    found = tuple(
        Place(p["slug"], p["name"], p["kind"], p.get("formerly"))
        for p in (items if isinstance(items, list) else []) if {"slug", "name", "kind"} <= p.keys()
    )
    _no_duplicates(doc, [(i,) for i in range(len(doc.data) if isinstance(doc.data, list) else 0)], problems)
    return found


def sectors(doc: Doc, codes: tuple[str, ...], problems: Problems) -> tuple[Sector, ...]:
    """Read ``categories.yaml``: sectors (ngành) and their groups (nhóm)."""
    items = Checker(doc, codes, problems).value(doc.data, schema.CATEGORIES, ())
    data = doc.data if isinstance(doc.data, list) else []
    keys: list[tuple[int | str, ...]] = [(i,) for i in range(len(data))]
    keys += [(i, "groups", j) for i, s in enumerate(data) if isinstance(s, dict)
            for j in range(len(s.get("groups") or []) if isinstance(s.get("groups"), list) else 0)]
    _no_duplicates(doc, keys, problems)
    return tuple(
        Sector(s["slug"], s["number"], s["name"], tuple(
            Group(g["slug"], g["number"], g["name"], s["slug"])
            for g in s["groups"] if {"slug", "number", "name"} <= g.keys()
        ))
        for s in (items if isinstance(items, list) else []) if {"slug", "number", "name", "groups"} <= s.keys()
    )


def _no_duplicates(doc: Doc, keys: list[tuple[int | str, ...]], problems: Problems) -> None:
    """Each slug of places.yaml or categories.yaml may appear once."""
    seen: dict[str, int] = {}
    for key in keys:
        item: Any = doc.data
        for part in key:
            item = item[part]
        slug = item.get("slug") if isinstance(item, dict) else None
        if not isinstance(slug, str):
            continue
        line = doc.line(*key, "slug")
        if slug in seen:
            problems.error(doc.path, line, f"slug '{slug}' is used twice (first on line {seen[slug]})")
        seen.setdefault(slug, line)


def free_page(bundle: Bundle, raw: RawSite, codes: tuple[str, ...], problems: Problems,
              memo: RecordMemo | None = None) -> FreePage | None:
    """A free page: each language's Markdown starts with its ``# Title``. With ``memo``, the very
    same page as last time for the very same bundle (see ``load``)."""
    if not _bundle_ok(bundle, raw, codes, problems):
        return None
    return remembered(memo, ("pages", id(bundle), codes), problems,
                      lambda own: _free_page(bundle, codes, own), keep=bundle)


def _free_page(bundle: Bundle, codes: tuple[str, ...], problems: Problems) -> FreePage | None:
    if codes[0] not in bundle.texts:
        problems.error(f"{bundle.folder}/{codes[0]}.md", 0, f"missing: a page needs its '{codes[0]}' text")
        return None
    titles, bodies = [], []
    for code in codes:
        if code in bundle.texts:
            source = bundle.texts[code]
            if (found := hazard(source.text)) is not None:
                problems.error(source.path, *found)
                continue
            title, rest = split_title(source.text)
            if title is None:
                problems.error(source.path, 1, "a page must start with its title as a '# Title' line")
                continue
            titles.append((code, title))
            bodies.append((code, Text(source.path, rest)))
    if not titles or titles[0][0] != codes[0]:
        return None
    _warn_missing_texts(bundle, codes, problems)
    return FreePage(bundle.slug, Localized(tuple(titles)), markdown_body(bodies, problems))
