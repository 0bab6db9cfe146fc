"""Step 2, validate: raw documents become frozen records (``model``); every problem is collected.

Each file is checked on its own, then every reference between files (a product's producer,
category, place and points of sale) is resolved against what exists, so that no mistake hides
another: a wrong value in one field, a YAML syntax error in one file, or a record that cannot be
built still leaves every other field and file checked.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from ocopsite.cache import Cache, code_version, digest
from ocopsite.checker import INVALID, PLACEHOLDER, Checker
from ocopsite.errors import Problem, Problems, SiteError, did_you_mean_among
from ocopsite.load import Bundle, RawSite, Text
from ocopsite.markup import hazard, internal_links, split_title, to_html
from ocopsite.model import RECORD_FILES, Body, FreePage, Place, Sector, Site, SiteConfig, Synonym
from ocopsite.parallel import Workers
from ocopsite.schema import Localized, Spec
from ocopsite.slugs import is_slug, slug_for
from ocopsite.yamldoc import Doc, Key

TABLES = {"producers": "producer", "tourism": "tourism site or point of sale", "places": "place", "groups": "category"}
PLACE_WORDS = ("xa-", "phuong-", "thi-tran-", "dac-khu-")


@dataclass
class _Refs:
    """What each table holds (slug → names written as slugs, for "did you mean"), and every
    reference made to it: (file, line, table, what it names)."""

    known: dict[str, dict[str, list[str]]] = field(default_factory=lambda: {name: {} for name in TABLES})
    made: list[tuple[str, int, str, str]] = field(default_factory=list)

    def add(self, table: str, slug: str, names: Iterable[str] = ()) -> None:
        aliases = [slug_for(name) for name in names]
        if table == "places":
            aliases += [alias.removeprefix(word) for alias in aliases for word in PLACE_WORDS if alias.startswith(word)]
        self.known[table].setdefault(slug, []).extend(alias for alias in aliases if alias)

    def note(self, checker: Checker) -> None:
        self.made.extend((checker.doc.path, checker.doc.line(*key), table, slug) for key, table, slug in checker.refs)

    def resolve(self, problems: Problems) -> None:
        for path, line, table, slug in self.made:
            if slug not in self.known[table]:
                hint = did_you_mean_among(slug_for(slug) or slug, self.known[table])
                problems.error(path, line, f"unknown {TABLES[table]} '{slug}'{hint}")


def validate_site(raw: RawSite, problems: Problems, cache: Cache, workers: Workers) -> Site:
    """Check every file against its record kind and build the records; raise with every problem."""
    config = site_config(raw.config, problems) if raw.config is not None else None
    if config is None:
        problems.raise_if_errors()
        raise SiteError([])
    codes = tuple(lang.code for lang in config.languages)
    html = markdown_html([t for b in raw.bundles for t in b.texts.values()], cache, workers)
    refs = _Refs()
    bundles = {section: [b for b in raw.bundles if b.section == section and _bundle_ok(b, raw, codes, problems)]
               for section in ("products", "producers", "tourism", "pages")}
    records = {section: [r for b in bundles[section] if (r := _record(b, codes, html, problems, refs, cache))
                         is not None] for section in RECORD_FILES}
    for section in ("producers", "tourism"):
        for bundle in bundles[section]:
            refs.add(section, bundle.slug)
        for record in records[section]:
            refs.add(section, record.slug, record.name.all())
    places = _list_of(raw.places, Place, codes, problems, refs)
    sectors = _list_of(raw.categories, Sector, codes, problems, refs)
    for place in places:
        refs.add("places", place.slug, (*place.name.all(), *place.former_names))
    for sector in sectors:
        for group in sector.groups:
            refs.add("groups", group.slug, group.name.all())
    _known_despite_errors(raw, refs)
    refs.resolve(problems)
    site = Site(config, tuple(records["products"]), tuple(records["producers"]), tuple(records["tourism"]), places,
                sectors, tuple(p for b in bundles["pages"] if (p := free_page(b, codes, html, problems)) is not None),
                _list_of(raw.synonyms, Synonym, codes, problems, refs))
    problems.raise_if_errors()
    return site


def site_config(doc: Doc, problems: Problems) -> SiteConfig | None:
    """Read ``site.yaml``: languages first, since every localized field depends on them."""
    raw_languages = doc.data.get("languages") if isinstance(doc.data, dict) else None
    codes = tuple(str(x.get("code")) for x in raw_languages if isinstance(x, dict)) \
        if isinstance(raw_languages, list) else ()
    checker = Checker(doc, codes or ("vi",), problems)
    config = checker.record(SiteConfig, doc.data)
    if config is INVALID:
        return None
    if len(set(codes)) != len(codes):
        problems.error(doc.path, doc.line("languages"), "a language is listed twice")
    for i, lang in enumerate(config.languages):
        for j, code in enumerate(lang.fallback):
            if code not in codes:
                problems.error(doc.path, doc.line("languages", i, "fallback", j),
                               f"fallback language '{code}' is not one of the site's languages")
    return _with_fallbacks(config)


def _with_fallbacks(config: SiteConfig) -> SiteConfig:
    """Every language falls back, last, to the default one."""
    default = config.languages[0].code
    languages = tuple(replace(lang, fallback=tuple(dict.fromkeys(
        [c for c in lang.fallback if c != lang.code] + ([default] if i else [])))) for i, lang in
        enumerate(config.languages))
    return replace(config, languages=languages)


def markdown_html(texts: list[Text], cache: Cache, workers: Workers) -> dict[str, str]:
    """Each Markdown text's safe HTML, by the digest of the text: from the cache, else converted
    (on every core when there are many). Texts that are hazardous are left out (see ``body``)."""
    keys = {html_key(t.text): t.text for t in texts}
    found = {key: data.decode() for key, data in cache.stored("html", keys).items()}
    missing = [key for key in keys if key not in found and hazard(keys[key]) is None]
    for key, html in zip(missing, workers.map(_convert, [keys[k] for k in missing]), strict=True):
        if html is not None:
            found[key] = html
            cache.store("html", key, html.encode())
    return found


def html_key(text: str) -> str:
    """A Markdown text's key in the cache: the converter's version changes it too."""
    return digest(code_version(), text)


def _convert(text: str) -> str | None:
    try:
        return to_html(text)
    except RecursionError:
        return None


def _record(bundle: Bundle, codes: tuple[str, ...], html: Mapping[str, str], problems: Problems, refs: _Refs,
            cache: Cache) -> Any:
    """A bundle's record (kept in memory by the bundle's digest), or None after saying why."""
    def make() -> tuple[Any, list[Problem], list[tuple[str, int, str, str]]]:
        own, own_refs = Problems(), _Refs()
        assert bundle.doc is not None
        checker = Checker(bundle.doc, codes, own, bundle.files, bundle.folder)
        body = markdown_body([(c, bundle.texts[c]) for c in codes if c in bundle.texts], html, own)
        _warn_missing_texts(bundle, codes, own)
        made = checker.record(RECORD_FILES[bundle.section][1], bundle.doc.data,
                              extra={"slug": bundle.slug, "folder": bundle.folder, "body": body, "doc": bundle.doc})
        own_refs.note(checker)
        return (None if made is INVALID else made), own.items, own_refs.made

    if bundle.doc is None:
        return None
    record, found, made = cache.remember("record", digest(bundle.digest, *codes), make)
    problems.items.extend(found)
    refs.made.extend(made)
    return record


def _list_of(doc: Doc | None, kind: type, codes: tuple[str, ...], problems: Problems, refs: _Refs) -> tuple[Any, ...]:
    """The records of a file that is a list (places, categories, synonyms), each slug once."""
    if doc is None:
        return ()
    checker = Checker(doc, codes, problems)
    items = checker.value(doc.data, Spec("list", True, item=Spec("record", record=kind)), ())
    refs.note(checker)
    if doc.data is None and not doc.partial:
        problems.error(doc.path, 1, "this file is empty; it must be a list (lines starting with '- ')")
    _no_duplicates(doc, problems)
    return tuple(items) if items not in (INVALID, None) else ()


def _known_despite_errors(raw: RawSite, refs: _Refs) -> None:
    """A place or category whose entry has a mistake still exists: references to it are not
    reported as unknown as well."""
    for doc, table in ((raw.places, "places"), (raw.categories, "groups")):
        for item in doc.data if doc is not None and isinstance(doc.data, list) else ():
            groups = item.get("groups") if isinstance(item, dict) else None
            found = [*(g for g in groups if isinstance(g, dict))] if table == "groups" and isinstance(groups, list) \
                else [item] if table == "places" else []
            for entry in found:
                if isinstance(entry, dict) and isinstance(entry.get("slug"), str):
                    refs.known[table].setdefault(entry["slug"], [])


def _no_duplicates(doc: Doc, problems: Problems) -> None:
    """Each slug of places.yaml or categories.yaml may appear once."""
    seen: dict[str, int] = {}
    keys: list[Key] = []
    for i, item in enumerate(doc.data if isinstance(doc.data, list) else []):
        keys.append((i,))
        groups = item.get("groups") if isinstance(item, dict) else None
        keys += [(i, "groups", j) for j in range(len(groups))] if isinstance(groups, list) else []
    for key in keys:
        found: Any = doc.data
        for part in key:
            found = found[part]
        slug = found.get("slug") if isinstance(found, dict) else None
        if isinstance(slug, str):
            line = doc.line(*key, "slug")
            if slug in seen:
                problems.error(doc.path, line, f"slug '{slug}' is used twice (first on line {seen[slug]})")
            seen.setdefault(slug, line)


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


def _warn_missing_texts(bundle: Bundle, codes: tuple[str, ...], problems: Problems) -> None:
    """Each translation missing beside the default language's text is a warning."""
    for code in codes[1:]:
        if code not in bundle.texts and codes[0] in bundle.texts:
            problems.warning(f"{bundle.folder}/{code}.md", 0, f"no '{code}' text; the '{codes[0]}' text is shown")


def markdown_body(texts: list[tuple[str, Text]], html: Mapping[str, str], problems: Problems) -> Body:
    """Markdown per language as safe HTML, with the links to other pages it makes."""
    made = []
    for code, text in texts:
        if (found := hazard(text.text)) is not None:
            problems.error(text.path, *found)
            return Body()
        for number, line in enumerate(text.text.splitlines(), 1):
            for placeholder in PLACEHOLDER.finditer(line):
                problems.error(text.path, number, f"still holds the placeholder «{placeholder.group(1)}»: write what "
                                                  "it asks for in its place")
        converted = html.get(html_key(text.text))
        if converted is None:
            problems.error(text.path, 0, "Markdown nested too deeply")
            return Body()
        made.append((code, converted))
    if not made:
        return Body()
    links = tuple(link for (_, t), (_, h) in zip(texts, made, strict=True) for link in internal_links(t, h))
    return Body(Localized(tuple(made)), links)


def free_page(bundle: Bundle, codes: tuple[str, ...], html: Mapping[str, str], problems: Problems) -> FreePage | None:
    """A free page: each language's Markdown starts with its ``# Title``."""
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
    pages_html = {**html, **markdown_html([t for _, t in bodies], Cache(), Workers(1))}
    return FreePage(slug=bundle.slug, folder=bundle.folder, title=Localized(tuple(titles)),
                    body=markdown_body(bodies, pages_html, problems), doc=Doc(bundle.folder, None, {}))
