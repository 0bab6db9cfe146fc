"""Step 5, render: Jinja templates (strict, autoescaped) turn page specs into bytes.

A template sees its page's spec and the site-wide inputs (settings, UI strings, assets,
photos, templates), nothing else: no catalogue to wander through. So ``page_key``, a digest of
exactly those, names a page's bytes, and ``build`` reuses them from the cache when it is the
same.
"""

from __future__ import annotations

import base64
import hashlib
import re
import traceback
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jinja2
import jinja2.bccache
from markupsafe import Markup, escape
from PIL import Image

from ocopsite.cache import Cache, code_version, digest
from ocopsite.catalogue import STAR_LEVELS, Entry
from ocopsite.errors import Problem
from ocopsite.i18n import Strings
from ocopsite.images import Picture
from ocopsite.jsonld import place_data, producer_kind, product_data
from ocopsite.model import Body, Language, Producer, SiteConfig, TourismSite
from ocopsite.plan import PageSpec
from ocopsite.qr import qr_file
from ocopsite.schema import Localized
from ocopsite.urls import Key, Urls, feed, file_of, relative, short_link

INTERNAL_HREF = re.compile(r'href="/([^"]*)"')
Pictures = Mapping[tuple[str, str], Picture]  # by (bundle folder, file name)


def fingerprint(assets_dir: Path) -> dict[str, tuple[str, bytes]]:
    """Each asset's fingerprinted URL ("assets/style.1a2b3c4d.css") and bytes."""
    found = {}
    for path in sorted(p for p in assets_dir.rglob("*") if p.is_file() and not p.name.startswith(".")):
        data = path.read_bytes()
        name = path.relative_to(assets_dir).as_posix()
        stem, dot, ext = name.rpartition(".")
        hashed = hashlib.sha256(data).hexdigest()[:10]
        found[name] = (f"assets/{stem}.{hashed}.{ext}" if dot else f"assets/{name}.{hashed}", data)
    return found


def template_digests(folder: Path) -> dict[str, str]:
    """Each file under ``templates/`` (but its assets, published by their own digest), by the
    name Jinja loads it by, with a digest of its bytes."""
    return {path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(folder.rglob("*")) if path.is_file() and "assets" not in path.relative_to(folder).parts}


class CompiledTemplates(jinja2.BytecodeCache):
    """Jinja's compiled templates, kept in the build's cache under the template's name and the
    checksum of its source (Jinja's own key): a template changed is compiled again."""

    def __init__(self, cache: Cache) -> None:
        self.cache = cache

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        key = digest(code_version(), bucket.key, bucket.checksum)
        found = self.cache.stored("template", [key]).get(key)
        if found is not None:
            bucket.bytecode_from_string(found)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self.cache.store("template", digest(code_version(), bucket.key, bucket.checksum), bucket.bytecode_to_string())


def _leaf(hasher: Any, text: str, mark: bytes = b"V") -> None:
    hasher.update(_marked(text, mark))


def _marked(text: str, mark: bytes) -> bytes:
    data = text.encode("utf-8", "surrogatepass")
    return b"%s%d:" % (mark, len(data)) + data


_PLAIN = {str: b"S", int: b"I", float: b"F", bool: b"B"}  # leaves fed as themselves, marked by type


def _plain_keys(mapping: dict[Any, Any]) -> bool:
    """Whether a mapping's keys are all texts, or all whole numbers: sortable, and fed as such."""
    kinds = {type(key) for key in mapping}
    return kinds == {str} or kinds == {int}


class Renderer:
    """Renders pages; each page gets helpers bound to its own URL and language."""

    def __init__(self, templates: Path, config: SiteConfig, strings: Mapping[str, Strings], urls: Urls,
                 assets: Mapping[str, str], pictures: Pictures, compiled: jinja2.BytecodeCache | None = None) -> None:
        self.config = config
        self.pictures = pictures
        self._records: dict[str, bytes] = {}  # what ``_feed`` gives for a record, by its digest
        self.strings = strings
        self.urls = urls
        self.assets = assets
        self.languages = {lang.code: lang for lang in config.languages}
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(templates),
            undefined=jinja2.StrictUndefined,
            autoescape=jinja2.select_autoescape(["html", "xml"]),
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            bytecode_cache=compiled,
        )
        self.env.filters["tel"] = lambda phone: re.sub(r"[^+0-9]", "", phone)
        self.env.filters["csp_hash"] = lambda text: "sha256-" + base64.b64encode(
            hashlib.sha256(str(text).encode()).digest()).decode()
        self.env.policies["json.dumps_kwargs"] = {"sort_keys": True, "ensure_ascii": False}
        self.default_image = _image_size(templates / "assets" / "share.png")
        self.env.globals.update(site=config, languages=config.languages, strings=strings, short_link=short_link,
                                qr_file=qr_file, root_path=urlsplit(config.base_url).path, star_levels=STAR_LEVELS,
                                notfound_inputs=self.notfound_inputs)

    def notfound_inputs(self) -> tuple[list[str], list[str]]:
        """What the 404 page's script needs to find where the site starts in an address: the
        first folder of every page (languages, "p"), and each language's product section
        ("en/products")."""
        marks = [*self.languages, "p"]
        products = [f"{code}/{self.urls.sections[code]['products']}" for code in self.languages]
        return marks, products

    def compile_all(self) -> list[Problem]:
        """Every template, compiled (or loaded compiled from the cache) here, before render
        workers are forked: they then never touch the cache, which belongs to this process.
        The problems of templates that do not compile, located."""
        problems = []
        for name in self.env.list_templates(filter_func=lambda n: not n.startswith(("assets/", "i18n/"))):
            try:
                self.env.get_template(name)
            except jinja2.TemplateSyntaxError as exc:
                problems.append(template_problem(Path(self.env.loader.searchpath[0]).parent, exc))  # type: ignore[union-attr]
        return problems

    def key(self, inputs: str, page: PageSpec) -> str:
        """A digest of everything ``page`` is rendered from, given the digest of the site-wide
        ``inputs``: what the page shows (its spec, records by their digests) and the photos of
        those records."""
        hasher = hashlib.sha256()
        for part in (inputs, page.url, page.template, page.lang or "", repr(page.key), str(page.number),
                     str(page.indexed)):
            _leaf(hasher, part)
        self._feed(hasher, page.data)
        return hasher.hexdigest()

    def _feed(self, hasher: Any, value: Any) -> None:
        """Feed a value of a spec to ``hasher``, unambiguously (each leaf with its length and
        type, each container between marks): records and entries by their own digest (and their
        photos as published), everything else by its representation. Called some forty times a
        page, so the commonest values come first, and a record's bytes are made once a build."""
        kind = type(value)
        plain = _PLAIN.get(kind)
        if plain is not None:
            hasher.update(_marked(str(value) if kind is str else repr(value), plain))
            return
        if kind is tuple or kind is list:
            self._feed_items(hasher, value)
            return
        own = getattr(value, "digest", None)
        if isinstance(own, str):
            fed = self._records.get(own)
            if fed is None:  # a record's digest names its content, photos included by name
                photos = self._photos(value.product if isinstance(value, Entry) else value)
                fed = self._records[own] = _marked(own, b"R") + _marked(photos, b"V")
            hasher.update(fed)
        elif isinstance(value, (tuple, list)):
            self._feed_items(hasher, value)
        elif kind is dict and _plain_keys(value):  # a spec's own data: items in the order of their keys
            hasher.update(b"<")
            for name in sorted(value):
                self._feed(hasher, name)
                self._feed(hasher, value[name])
            hasher.update(b">")
        elif isinstance(value, Mapping):  # keys may be records: items in the order of their digests
            items = []
            for item in value.items():
                own_hasher = hashlib.sha256()
                self._feed(own_hasher, item)
                items.append(own_hasher.digest())
            hasher.update(b"{" + b"".join(sorted(items)) + b"}")
        elif hasattr(value, "__dataclass_fields__"):
            hasher.update(_marked(kind.__name__, b"D"))
            for name in value.__dataclass_fields__:
                self._feed(hasher, getattr(value, name))
            hasher.update(b")")
        else:
            hasher.update(_marked(repr(value), b"V"))

    def _feed_items(self, hasher: Any, value: tuple[Any, ...] | list[Any]) -> None:
        hasher.update(b"(" if isinstance(value, tuple) else b"[")
        for item in value:
            self._feed(hasher, item)
        hasher.update(b")")

    def _photos(self, record: Any) -> str:
        photos = getattr(record, "photos", ())
        return repr([self.pictures.get((record.folder, p.file)) for p in photos]) if photos else ""

    def render(self, page: PageSpec) -> bytes:
        """The bytes of one page."""
        return self.env.get_template(page.template).render(self.context(page)).encode()

    def context(self, page: PageSpec) -> dict[str, Any]:
        lang = self.languages[page.lang] if page.lang else self.config.default_language
        here = page.url

        def url(section: str, key: Key = None, in_lang: str | None = None, number: int = 1) -> str:
            return relative(here, self.urls.page(in_lang or lang.code, section, key, number))

        return {
            **page.data,
            "page": page,
            "lang": lang,
            "t": self.strings[lang.code],
            "url": url,
            "link": lambda target: relative(here, target),
            "asset": lambda name: relative(here, self.assets[name]),
            "asset_path": lambda name: self.assets[name],
            "picture": lambda record, photo: self.pictures[(record.folder, photo.file)],
            "absolute": self.urls.absolute,
            "page_url": self.urls.page,
            "feed_url": feed,
            "alternates": self.alternates(page),
            "tx": lambda value: self.text(value, lang)[0],
            "lx": lambda value: self.marked(value, lang),
            "lx_in": self.marked,
            "lang_of": lambda value: self.lang_attribute(value, lang),
            "body": lambda value: self.body(value, lang, here),
            "structured": lambda thing: self.structured(thing, page, lang),
            "share_image": lambda: self.share_image(page, lang),
        }

    def share_image(self, page: PageSpec, lang: Language) -> ShareImage | None:
        """The picture a link preview shows: the first photo of what the page is about, else the
        site's card (``templates/assets/share.png``), else none."""
        thing = page.data.get("entry") or page.data.get("producer") or page.data.get("spot")
        if isinstance(thing, Entry):
            thing = thing.product
        photos = getattr(thing, "photos", ())
        if photos:
            share = self.pictures[(thing.folder, photos[0].file)].share  # type: ignore[union-attr]
            return ShareImage(self.urls.absolute(share.url), share.width, share.height,
                              self.text(photos[0].alt, lang)[0], "image/jpeg")
        if self.default_image and "share.png" in self.assets:
            width, height = self.default_image
            return ShareImage(self.urls.absolute(self.assets["share.png"]), width, height,
                              self.text(self.config.title, lang)[0], "image/png")
        return None

    def alternates(self, page: PageSpec) -> list[tuple[Language, str]]:
        """The same page in every language, for the switch and hreflang links."""
        if not page.localized or page.section in ("", None):
            return []
        return [(lang, self.urls.page(lang.code, page.section, page.key, page.number))
                for lang in self.languages.values()]

    def text(self, value: Localized | None, lang: Language) -> tuple[str, str]:
        return value.get(lang.chain) if value is not None else ("", lang.code)

    def marked(self, value: Localized | None, lang: Language) -> Markup:
        """A localized text, wrapped in ``lang`` when it falls back to another language."""
        text, used = self.text(value, lang)
        return escape(text) if used == lang.code else Markup('<span lang="{}">{}</span>').format(used, text)

    def structured(self, thing: Entry | Producer | TourismSite, page: PageSpec, lang: Language) -> dict[str, Any]:
        """The page's schema.org JSON-LD, built here so that templates only print it."""
        def text(value: Localized | None) -> str:
            return self.text(value, lang)[0]

        here = self.urls.absolute(page.url)
        if isinstance(thing, Entry):
            producer = self.urls.absolute(self.urls.page(lang.code, "producers", thing.producer.slug))
            data = product_data(thing, text, here, producer, lang)
            record: Any = thing.product
        else:
            kind = producer_kind(thing) if isinstance(thing, Producer) else "TouristAttraction"
            data = place_data(kind, thing, text, here)
            record = thing
        if record.photos:
            data["image"] = [self.urls.absolute(self.pictures[(record.folder, p.file)].share.url)
                             for p in record.photos]
        return data

    def lang_attribute(self, value: Localized, lang: Language) -> Markup:
        """` lang="vi"` for an attribute's text that falls back to another language."""
        used = self.text(value, lang)[1]
        return Markup("") if used == lang.code else Markup(' lang="{}"').format(used)

    def body(self, value: Body, lang: Language, here: str) -> Markup:
        """Sanitised Markdown HTML, internal links made relative, fallback marked with ``lang``."""
        if value.html is None:
            return Markup("")
        html, used = value.html.get(lang.chain)
        html = INTERNAL_HREF.sub(lambda m: f'href="{relative(here, m.group(1))}"', html)
        return Markup(html if used == lang.code else f'<div lang="{used}">{html}</div>')


@dataclass(frozen=True)
class ShareImage:
    url: str
    width: int
    height: int
    alt: str
    type: str


def render_page(renderer: Renderer, page: PageSpec) -> tuple[bytes | None, list[Problem]]:
    """A page's bytes, or None and the template error, located (run in a worker)."""
    try:
        return renderer.render(page), []
    except Exception as exc:  # a template's mistake, whatever it raised: located, never a traceback
        return None, [template_problem(Path(renderer.env.loader.searchpath[0]).parent, exc)]  # type: ignore[union-attr]


def template_problem(root: Path, exc: Exception) -> Problem:
    """Locate a template error at its template file and line."""
    if isinstance(exc, jinja2.TemplateSyntaxError) and exc.filename:
        return Problem(_relative(root, exc.filename), exc.lineno, exc.message or str(exc))
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        template = frame.filename.endswith((".html", ".xml", ".txt", ".webmanifest", ".js"))
        if template and "/templates/" in frame.filename:
            return Problem(_relative(root, frame.filename), frame.lineno or 0, f"template error: {_said(exc)}")
    return Problem("templates", 0, f"template error: {_said(exc)}")


def _said(exc: Exception) -> str:
    return str(exc) if isinstance(exc, jinja2.TemplateError) else f"{type(exc).__name__}: {exc}"


def _relative(root: Path, filename: str) -> str:
    path = Path(filename)
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def _image_size(path: Path) -> tuple[int, int] | None:
    try:
        with Image.open(path) as image:
            return image.size
    except OSError:
        return None


def output_file(page: PageSpec) -> str:
    """Where a page is written inside the output folder."""
    return file_of(page.url)

