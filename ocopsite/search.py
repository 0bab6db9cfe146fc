"""Part of step 5: the search index, built here and queried by templates/assets/search.js.

Every product, producer, tourism site or point of sale, and place is a document, found by the
words of its name, its producer, its place with the place's former names, its category and its
description, in every language, folded to plain letters (tone and vowel marks dropped, đ
written d). A synonym table (content/synonyms.yaml) adds the words a visitor types: a document
that says "trầm hương" is found by "agarwood" too.

A result must match every word of the query: the whole word, or, for the last word only and
at three letters or more, the start of a word that some name holds (search.js), so that typing
finds names while a whole query such as "ca phe" never finds "cả … phép" in a description.
Nothing is matched by a shorter prefix, so "agarwood" never falls back to "a".

Files, all under ``search/``:
- ``meta.json``: the version, how many documents and products, the chunk size, the synonyms;
- ``t/<key>.json``: the tokens that start with ``key`` (their first three letters, or the
  whole token when shorter), each with the documents it names, in its name fields and in any;
- ``f/<filter>.json``: the documents of a star level, category or place;
- ``<lang>/<n>.json``: what a result shows in that language, 64 documents a file;
- ``words.json``: the words of names, for "did you mean" when nothing matches.

A query fetches only the token files of its words, then the chunks of the results it shows.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ocopsite.cache import Cache, digest
from ocopsite.catalogue import STAR_LEVELS, Catalogue, Entry
from ocopsite.i18n import Strings
from ocopsite.model import Place, Producer, TourismSite
from ocopsite.schema import Localized
from ocopsite.slugs import fold
from ocopsite.urls import Urls

CHUNK = 64
WORD = re.compile(r"[a-z0-9]+")
TAGS = re.compile(r"<[^>]+>")


def tokens(text: str) -> list[str]:
    """The words of a text as the index holds them: folded, lowercase, apostrophes dropped."""
    return WORD.findall(fold(text).lower().replace("'", "").replace("’", ""))


@dataclass(frozen=True)
class Doc:
    """A document: its words in its name fields, and in all its fields."""

    kind: str
    name: frozenset[str]
    words: frozenset[str]


def index_files(cat: Catalogue, strings: Mapping[str, Strings], urls: Urls, cache: Cache) -> dict[str, bytes]:
    """Every file of the search index."""
    synonyms = [[tokens(term) for term in group.terms.all()] for group in cat.site.synonyms]
    key = digest(repr(synonyms))
    things: list[Entry | Producer | TourismSite | Place] = [
        *cat.products, *cat.views[cat.site.config.default_language.code].producers,
        *cat.views[cat.site.config.default_language.code].tourism, *cat.places]
    docs = [cache.kept("search-doc", digest(key, _digest(thing), _context(cat, thing)),
                           lambda thing=thing: _doc(cat, thing, synonyms)) for thing in things]  # type: ignore[misc]
    files: dict[str, bytes] = {}
    anywhere: defaultdict[str, list[int]] = defaultdict(list)
    named: defaultdict[str, list[int]] = defaultdict(list)  # every name's word is among its words
    for number, doc in enumerate(docs):
        for word in doc.words:
            anywhere[word].append(number)
        for word in doc.name:
            named[word].append(number)
    shards: dict[str, dict[str, list[str]]] = {}
    for word in sorted(anywhere):
        shards.setdefault(word[:3], {})[word] = [_encode(named.get(word, [])), _encode(anywhere[word])]
    for shard, content in shards.items():
        files[f"search/t/{shard}.json"] = _json(content)
    for name, numbers in _filters(things).items():
        files[f"search/f/{name}.json"] = _json(_encode(numbers))
    version = digest(*(f"{n}:{digest(d)}" for n, d in sorted(files.items())))[:12]
    for lang, s in strings.items():
        shown = [_shown(thing, s, urls, cat) for thing in things]
        for start in range(0, len(shown), CHUNK):
            files[f"search/{lang}/{start // CHUNK}.json"] = _json({"v": version, "d": shown[start:start + CHUNK]})
    names = sorted({word for doc in docs for word in doc.name if len(word) > 2 and not word.isdigit()})
    files["search/words.json"] = _json(names)
    files["search/meta.json"] = _json({"v": version, "docs": len(docs), "products": len(cat.products),
                                       "chunk": CHUNK, "synonyms": [[" ".join(t) for t in group]
                                                                    for group in synonyms]})
    return files


def _digest(thing: object) -> str:
    return str(getattr(thing, "digest", ""))


def _context(cat: Catalogue, thing: object) -> str:
    """What a document's words come from beyond the record itself: a producer's or a site's place."""
    place = getattr(thing, "place", None)
    found = cat.place_index.get(place) if isinstance(place, str) else None
    return found.digest if found is not None else ""


def _doc(cat: Catalogue, thing: Entry | Producer | TourismSite | Place, synonyms: list[list[list[str]]]) -> Doc:
    """A document's words, with those of every synonym group one of its terms appears in."""
    if isinstance(thing, Entry):
        kind, own = "product", [thing.product.name]
        other = [thing.producer.name, *_place(thing.place), thing.group.name, thing.product.summary,
                 *_body(thing.product.body.html)]
    elif isinstance(thing, Place):
        kind, own, other = "place", [thing.name], [*(Localized((("vi", n),)) for n in thing.former_names)]
    else:
        kind = "producer" if isinstance(thing, Producer) else "tourism"
        own = [thing.name]
        other = [*_place(cat.place_index.get(thing.place or "")), *_body(thing.body.html)]
    name = _words(own)
    every = _words([*own, *other])
    return Doc(kind, frozenset(_with_synonyms(name, synonyms)), frozenset(_with_synonyms(every, synonyms)))


def _place(place: Place | None) -> list[Localized]:
    if place is None:
        return []
    return [place.name, *(Localized((("vi", n),)) for n in place.former_names)]


def _body(html: Localized | None) -> list[Localized]:
    if html is None:
        return []
    return [Localized(tuple((code, TAGS.sub(" ", text)) for code, text in html.texts))]


def _words(texts: Iterable[Localized | None]) -> list[str]:
    """Every word of every language of ``texts``, in order (a synonym may span several)."""
    found: list[str] = []
    for text in texts:
        if text is not None:
            for _, value in text.texts:
                found.extend(tokens(value))
                found.append("")  # no phrase runs from one text into the next
    return found


def _with_synonyms(words: list[str], synonyms: list[list[list[str]]]) -> set[str]:
    found = {w for w in words if w}
    joined = " " + " ".join(words) + " "
    for group in synonyms:
        if any(term and f" {' '.join(term)} " in joined for term in group):
            found.update(word for term in group for word in term)
    return found


def _filters(things: list[Entry | Producer | TourismSite | Place]) -> dict[str, list[int]]:
    """The products of each star level, category and place, by document number."""
    found: dict[str, list[int]] = {f"stars-{n}": [] for n in STAR_LEVELS}
    for number, thing in enumerate(things):
        if isinstance(thing, Entry):
            found[f"stars-{thing.product.stars}"].append(number)
            found.setdefault(f"category-{thing.group.slug}", []).append(number)
            if thing.place is not None:
                found.setdefault(f"place-{thing.place.slug}", []).append(number)
    return found


def _shown(thing: object, t: Strings, urls: Urls, cat: Catalogue) -> list[object]:
    """What a result card shows: [url, title, kind, stars, status, ends from, ends to, drawing, line]."""
    lang = t.lang
    chain = next(language.chain for language in cat.site.config.languages if language.code == lang)
    if isinstance(thing, Entry):
        s = thing.status
        line = thing.group.name.get(chain)[0] + (f" · {thing.place.name.get(chain)[0]}" if thing.place else "")
        return [urls.page(lang, "products", thing.slug), thing.product.name.get(chain)[0], "p", thing.product.stars,
                s.code, s.ends_from.isoformat() if s.ends_from else "", s.ends_to.isoformat() if s.ends_to else "",
                thing.kind, line]
    if isinstance(thing, Place):
        return [urls.page(lang, "places", thing.slug), thing.name.get(chain)[0], "l", 0, "", "", "", "",
                t.formerly(thing)]
    record: Producer | TourismSite = thing  # type: ignore[assignment]
    place = cat.place_index.get(record.place or "")
    line = t.texts[f"kind.{record.kind}"] + (f" · {place.name.get(chain)[0]}" if place else "")
    section = "producers" if isinstance(record, Producer) else "tourism"
    return [urls.page(lang, section, record.slug), record.name.get(chain)[0],
            "r" if isinstance(record, Producer) else "t", 0, "", "", "", "", line]


def _encode(numbers: list[int]) -> str:
    """Ascending numbers as the differences between them, in base 36: "0,3,a"."""
    out, last, small = [], 0, len(_SMALL)
    for n in numbers:
        gap = n - last
        out.append(_SMALL[gap] if gap < small else _base36(gap))
        last = n
    return ",".join(out)


def _base36(n: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    text = ""
    while True:
        n, r = divmod(n, 36)
        text = digits[r] + text
        if not n:
            return text


_SMALL = [_base36(n) for n in range(36 * 36)]  # the differences of most postings, written once


def _json(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()

