"""Step 5, render: Jinja templates (strict, autoescaped) turn page specs into bytes."""

from __future__ import annotations

import functools
import hashlib
import re
import types
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jinja2
import jinja2.runtime
from markupsafe import Markup, escape
from PIL import Image

from ocopsite.catalogue import STAR_LEVELS, Catalogue, Entry
from ocopsite.i18n import Strings
from ocopsite.images import Picture
from ocopsite.jsonld import place_data, producer_kind, product_data
from ocopsite.model import Body, Group, Language, Localized, Photo, Producer, Product, TourismSite
from ocopsite.plan import PageSpec
from ocopsite.qr import qr_file
from ocopsite.search import search_record
from ocopsite.urls import Key, Urls, feed, file_of, relative, short_link

INTERNAL_HREF = re.compile(r'href="/([^"]*)"')
ROOT = "\ue000up\ue000"  # stands for the way up to the page's language folder, filled in per page


def fingerprint(assets_dir: Path) -> dict[str, tuple[str, bytes]]:
    """Each asset's fingerprinted URL ("assets/style.1a2b3c4d.css") and bytes."""
    found = {}
    for path in sorted(p for p in assets_dir.rglob("*") if p.is_file() and not p.name.startswith(".")):
        data = path.read_bytes()
        name = path.relative_to(assets_dir).as_posix()
        stem, dot, ext = name.rpartition(".")
        digest = hashlib.sha256(data).hexdigest()[:10]
        found[name] = (f"assets/{stem}.{digest}.{ext}" if dot else f"assets/{name}.{digest}", data)
    return found


def digest(*values: Any) -> str:
    """A short digest of values, by their representation (the build's version)."""
    return hashlib.sha256(repr(values).encode()).hexdigest()[:12]


# What a template calls that cannot ask Jinja for its context (``pass_context`` and the like set
# ``jinja_pass_arg`` on a function, which a method shares; ``Strings`` never does). A macro does
# (its ``__call__`` takes the caller's evaluation context, to escape as the caller does).
_FUNCTIONS = frozenset({types.FunctionType, types.MethodType, types.BuiltinFunctionType})
_NEVER_PASSED = frozenset({Strings})


class _Context(jinja2.runtime.Context):
    def call(__self, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        """Every call a template makes passes here: about 140 for a product page. Jinja's own
        looks for what to pass the callable three times; for the callables above it is known."""
        environment = __self.environment
        if isinstance(environment, TrackingEnvironment) and environment.reads is not None:
            environment.whole(*args, *kwargs.values())
        kind = type(__obj)
        if kind in _NEVER_PASSED or (kind in _FUNCTIONS and getattr(__obj, "jinja_pass_arg", None) is None):
            if kwargs:
                kwargs.pop("_block_vars", None)  # for a context it is not given
                kwargs.pop("_loop_vars", None)
            try:
                return __obj(*args, **kwargs)
            except StopIteration:  # as Jinja's
                return environment.undefined("value was undefined because a callable raised a StopIteration exception")
        return super().call(__obj, *args, **kwargs)


class TrackingEnvironment(jinja2.Environment):
    """Records which templates a page uses and which parts of the catalogue they read, so that a
    page is rendered again when, and only when, one of them changes (see ``session``). The
    catalogue, the site and each language's lists are watched: an attribute read records that
    attribute; the object itself, handed whole to a function or filter or printed, records all
    of it."""

    context_class = _Context
    watched: Mapping[int, tuple[str, ...]] = {}
    reads: set[tuple[Any, ...]] | None = None

    def get_template(self, name: Any, parent: str | None = None, globals: Any = None) -> jinja2.Template:
        if self.reads is not None and isinstance(name, str):
            self.reads.add(("template", name))  # the page, what it extends, imports and includes
        return super().get_template(name, parent, globals)

    def watch(self) -> None:
        """From now on, record what is read (``getattr`` and ``getitem``, which compiled templates
        call for every ``a.b`` and ``a[b]``, about 220 times a product page, are Jinja's own
        until then: a clean build records nothing)."""
        self.reads = set()
        self.getattr = self._getattr_read  # type: ignore[method-assign]
        self.getitem = self._getitem_read  # type: ignore[method-assign]

    def _getattr_read(self, obj: Any, attribute: str) -> Any:
        value = jinja2.Environment.getattr(self, obj, attribute)
        self._read(obj, attribute, value)
        return value

    def _getitem_read(self, obj: Any, argument: Any) -> Any:
        value = jinja2.Environment.getitem(self, obj, argument)
        self._read(obj, argument, value)
        return value

    def _read(self, obj: Any, name: Any, value: Any) -> None:
        if self.reads is not None and (owner := self.watched.get(id(obj))) and id(value) not in self.watched:
            self.reads.add((*owner, name))  # a watched value (cat.site) is followed to what is read of it

    def whole_value(self, value: Any) -> Any:
        """``finalize``: a printed value passes here."""
        self.whole(value)
        return value

    def whole(self, *values: Any) -> None:
        """Values that leave the template's hands: a watched object among them is read in full."""
        if self.reads is not None:
            self.reads.update((*owner, "*") for v in values if (owner := self.watched.get(id(v))))


class Renderer:
    """Renders pages; each page gets helpers bound to its own URL and language."""

    def __init__(self, templates: Path, cat: Catalogue, strings: Mapping[str, Strings], urls: Urls,
                 assets: Mapping[str, str], pictures: Mapping[Photo, Picture],
                 environment: TrackingEnvironment | None = None,
                 fragments: dict[tuple[Any, ...], Fragment] | None = None) -> None:
        """``environment``: one from an earlier build of the same templates, whose compiled
        templates are reused (``serve``); ``fragments``: the shared fragments of an earlier build
        with the same templates and global inputs, none of which read a part of the catalogue
        that changed since (``Session.fragments``)."""
        self.cat = cat
        self.pictures = pictures
        self.strings = strings
        self.urls = urls
        self.assets = assets
        self.languages = {lang.code: lang for lang in cat.site.config.languages}
        self.env = environment or TrackingEnvironment(
            loader=jinja2.FileSystemLoader(templates),
            undefined=jinja2.StrictUndefined,
            autoescape=jinja2.select_autoescape(["html", "xml"]),
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
        self.env.watched = {id(cat): ("cat",), id(cat.site): ("site",),
                            **{id(view): ("view", code) for code, view in cat.views.items()}}
        if environment is None:
            self.env.filters["tel"] = lambda phone: re.sub(r"[^+0-9]", "", phone)
            self.env.filters["current"] = _mark_current
        self.fragments: dict[tuple[Any, ...], Fragment] = fragments if fragments is not None else {}
        self.env.policies["json.dumps_kwargs"] = {"sort_keys": True, "ensure_ascii": False}
        self.icons = _symbol_ids(templates / "assets" / "icons.svg")
        self.default_image = _image_size(templates / "assets" / "share.png")
        self.env.globals.update(cat=cat, site=cat.site.config, languages=cat.site.config.languages,
                                strings=strings, short_link=short_link, qr_file=qr_file,
                                root_path=urlsplit(cat.site.config.base_url).path, star_levels=STAR_LEVELS,
                                icon_for=self.icon_for)

    def track(self) -> None:
        """Record what each page reads from now on (see ``render_tracked``)."""
        self.env.watch()
        if self.env.finalize is None:  # once per environment, before any template is compiled
            self.env.finalize = self.env.whole_value
            for name, function in list(self.env.filters.items()):
                self.env.filters[name] = _watching(self.env, function)
            for name, function in list(self.env.tests.items()):
                self.env.tests[name] = _watching(self.env, function)

    def render_tracked(self, page: PageSpec) -> tuple[bytes, frozenset[tuple[Any, ...]]]:
        """A page's bytes and the parts of the catalogue its templates read."""
        assert self.env.reads is not None, "call track() first"
        self.env.reads = set()
        data = self.render(page)
        return data, frozenset(self.env.reads)

    def icon_for(self, group: Group) -> str:
        """The icon of a product group: its own, else its sector's, else the generic one."""
        return next((i for i in (group.slug, group.sector) if i in self.icons), "ocop")

    def render(self, page: PageSpec) -> bytes:
        """The bytes of one page."""
        html = self.env.get_template(page.template).render(self.context(page))
        if ROOT in html:
            html = html.replace(ROOT, "../" * (page.url.count("/") - (1 if page.lang else 0)))
        return html.encode()

    @staticmethod
    def rooted(target: str, lang: Language) -> str:
        """A link to ``target`` (a URL of the site) that works from any page of ``lang``, for
        fragments shared by pages at different depths (see ``cached``)."""
        inside = target.removeprefix(f"{lang.code}/")
        if inside == target:
            raise ValueError(f"'{target}' is not a page in {lang.code}/")
        return ROOT + (inside or "./")

    def cached(self, *key: Any, caller: Callable[[], str]) -> Markup:
        """A fragment rendered once for each ``key`` (a language, say) and reused by every page:
        the same idea as Hugo's ``partialCached``. Its links must come from ``rooted``, which works
        from any page; ``key`` must name everything else the fragment shows. Texts and whole
        numbers in ``key`` count by value; anything else (a product's entry) must be an object
        that can be referenced weakly (not None, a float or a tuple) and counts by identity: the fragment is
        reused while it is the very same object, which for an entry means until its product, or
        a record it refers to, changes (``catalogue``). So ``serve`` keeps fragments from one build
        to the next (a product's card is rendered again only when it changes)."""
        index = tuple(part if _by_value(part) else ("id", id(part)) for part in key)
        found = self.fragments.get(index)
        if found is None or not found.holds(key):
            outer, self.env.reads = self.env.reads, (set() if self.env.reads is not None else None)
            found = self.fragments[index] = Fragment(Markup(caller()), frozenset(self.env.reads or ()), key)
            self.env.reads = outer
        if self.env.reads is not None:
            self.env.reads.update(found.reads)
        return found.markup

    def context(self, page: PageSpec) -> dict[str, Any]:
        lang = self.languages[page.lang] if page.lang else self.cat.site.config.default_language
        here = page.url

        def url(section: str, key: Key = None, in_lang: str | None = None) -> str:
            return relative(here, self.urls.page(in_lang or lang.code, section, key))

        return {
            **page.data,
            "page": page,
            "lang": lang,
            "lists": self.cat.views[lang.code],
            "t": self.strings[lang.code],
            "url": url,
            "rooted": lambda section, key=None: self.rooted(self.urls.page(lang.code, section, key), lang),
            "from_root": lambda target: self.rooted(target, lang),
            "rooted_asset": lambda name: ROOT + "../" + self.assets[name],
            "cached": self.cached,
            "link": lambda target: relative(here, target),
            "asset": lambda name: relative(here, self.assets[name]),
            "picture": self.pictures.__getitem__,
            "absolute": self.urls.absolute,
            "page_url": self.urls.page,
            "feed_url": feed,
            "alternates": self.alternates(page),
            "tx": lambda value: self.text(value, lang)[0],
            "lx": lambda value: self.marked(value, lang),
            "lx_in": self.marked,
            "lang_of": lambda value: self.lang_attribute(value, lang),
            "body": lambda value: self.body(value, lang, here),
            "search_record": lambda entry: search_record(entry, lang.chain),
            "structured": lambda thing: self.structured(thing, page, lang),
            "share_image": lambda: self.share_image(page, lang),
        }

    def share_image(self, page: PageSpec, lang: Language) -> ShareImage | None:
        """The picture a link preview shows: the first photo of what the page is about, else the
        site's card (``templates/assets/share.png``), else none."""
        thing = page.data.get("entry") or page.data.get("producer") or page.data.get("spot")
        if isinstance(thing, Entry):
            thing = thing.product
        photos = thing.photos if isinstance(thing, Product | Producer | TourismSite) else ()
        if photos:
            share = self.pictures[photos[0]].share
            return ShareImage(self.urls.absolute(share.url), share.width, share.height,
                              self.text(photos[0].alt, lang)[0], "image/jpeg")
        if self.default_image and "share.png" in self.assets:
            width, height = self.default_image
            return ShareImage(self.urls.absolute(self.assets["share.png"]), width, height,
                              self.text(self.cat.site.config.title, lang)[0], "image/png")
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
            photos = thing.product.photos
        else:
            kind = producer_kind(thing) if isinstance(thing, Producer) else "TouristAttraction"
            data = place_data(kind, thing, text, here)
            photos = thing.photos
        if photos:
            data["image"] = [self.urls.absolute(self.pictures[photo].share.url) for photo in photos]
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


def _by_value(part: Any) -> bool:
    """Whether a part of a fragment's key counts by value (texts and whole numbers) or, like
    anything else, by identity."""
    return isinstance(part, str | int)


def _by_identity(key: tuple[Any, ...]) -> list[Any]:
    return [part for part in key if not _by_value(part)]


class Fragment:
    """A shared fragment (``Renderer.cached``): its markup, the parts of the catalogue it read,
    and the objects its key names by identity, held weakly (when one is gone, so is the fragment;
    its id may since name another object)."""

    __slots__ = ("held", "markup", "reads")

    def __init__(self, markup: Markup, reads: frozenset[tuple[Any, ...]], key: tuple[Any, ...]) -> None:
        self.markup = markup
        self.reads = reads
        self.held = tuple(weakref.ref(part) for part in _by_identity(key))

    def holds(self, key: tuple[Any, ...]) -> bool:
        """Whether the objects ``key`` names are the very ones this fragment was made for."""
        objects = _by_identity(key)
        return len(objects) == len(self.held) and all(ref() is part
                                                      for ref, part in zip(self.held, objects, strict=True))

    def alive(self) -> bool:
        return all(ref() is not None for ref in self.held)


@dataclass(frozen=True)
class ShareImage:
    url: str
    width: int
    height: int
    alt: str
    type: str


def _watching(env: TrackingEnvironment, function: Any) -> Callable[..., Any]:
    """A filter or test that records the watched objects it is given."""
    @functools.wraps(function)
    def watched(*args: Any, **kwargs: Any) -> Any:
        env.whole(*args, *kwargs.values())
        return function(*args, **kwargs)

    return watched


def _mark_current(fragment: Markup, href: str) -> Markup:
    """Mark the link to ``href`` in a cached fragment as the current page."""
    return Markup(str(fragment).replace(f'href="{href}">', f'href="{href}" aria-current="page">', 1))


def _image_size(path: Path) -> tuple[int, int] | None:
    try:
        with Image.open(path) as image:
            return image.size
    except OSError:
        return None


def _symbol_ids(sprite: Path) -> frozenset[str]:
    """The ids of the symbols in the icon sprite."""
    text = sprite.read_text(encoding="utf-8") if sprite.is_file() else ""
    return frozenset(re.findall(r'<symbol[^>]*\bid="([^"]+)"', text))


def output_file(page: PageSpec) -> str:
    """Where a page is written inside the output folder."""
    return file_of(page.url)
