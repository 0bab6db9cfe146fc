"""The editors' documentation stays true: CONTRIBUTING.md and docs/content-format.md.

- Every YAML example is part of a real file of content/ or site.yaml: its values are the real
  ones, never invented, and «placeholders» stand for what no source gives yet.
- Those under a product.yaml, producer.yaml, site.yaml, places.yaml, categories.yaml or
  synonyms.yaml heading, dropped into the minimal site with the producers, places and points of
  sale they name, pass ``ocopsite check``; one with placeholders fails only because of them, one
  message for each.
- Every Markdown example is text of a real content file.
- Every message quoted in section 5 of CONTRIBUTING.md (both languages, which list the same
  messages) is printed by a real broken bundle, or, for a pattern with '…', is worded so in the
  package's source.
- Every field and every allowed value that ocopsite/model.py declares is named in
  docs/content-format.md, each file's own fields in that file's section.
"""

from __future__ import annotations

import ast
import datetime as dt
import functools
import io
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from PIL import Image

from conftest import EPOCH, REPO, copy_site
from ocopsite.build import check
from ocopsite.errors import Problem, SiteError
from ocopsite.model import Place, Producer, Product, Sector, SiteConfig, Synonym, TourismSite
from ocopsite.schema import Spec, specs

pytestmark = pytest.mark.clock  # the messages include a certificate that has ended on the build's day

TODAY = dt.datetime.fromtimestamp(int(EPOCH), dt.UTC).date()
GUIDE = REPO / "CONTRIBUTING.md"
FORMAT = REPO / "docs" / "content-format.md"
DOCS = (GUIDE, FORMAT)
CONTENT = REPO / "content"
PLACEHOLDER = "«"
FILES = {"product.yaml": "product", "producer.yaml": "producer", "site.yaml": "site", "places.yaml": "places",
         "categories.yaml": "categories", "synonyms.yaml": "synonyms"}
BUNDLES = {"product": ("products", "product.yaml"), "producer": ("producers", "producer.yaml"),
           "tourism": ("tourism", "site.yaml")}


@dataclass(frozen=True)
class Block:
    """A fenced example of a document, under its nearest heading."""

    doc: Path
    line: int
    heading: str
    lang: str
    text: str

    @property
    def where(self) -> str:
        return f"{self.doc.relative_to(REPO)}:{self.line} (under '{self.heading}')"

    @functools.cached_property
    def data(self) -> Any:
        return yaml.safe_load(self.text)

    @property
    def kind(self) -> str | None:
        """What file of a site the example is, from its heading: a site.yaml with a ``kind`` is a
        tourism site, without one the site's settings."""
        for name, kind in FILES.items():
            if name in self.heading:
                if kind == "site":
                    return "tourism" if isinstance(self.data, dict) and "kind" in self.data else "settings"
                return kind
        return None


def blocks(doc: Path) -> list[Block]:
    """The fenced blocks of a Markdown document; headings inside blocks are not headings."""
    found: list[Block] = []
    heading, fence, start, lines = "", None, 0, []
    for number, line in enumerate(doc.read_text(encoding="utf-8").splitlines(), 1):
        stripped = line.strip()
        if fence is None and stripped.startswith("```"):
            fence, start, lines = stripped[3:].strip(), number, []
            indent = len(line) - len(line.lstrip())
        elif fence is not None and stripped == "```":
            found.append(Block(doc, start, heading, fence, "".join(f"{x[indent:]}\n" for x in lines)))
            fence = None
        elif fence is not None:
            lines.append(line)
        elif line.startswith("#"):
            heading = line.lstrip("#").strip()
    assert fence is None, f"{doc}: a fence opened on line {start} is never closed"
    return found


def yaml_blocks() -> list[Block]:
    return [b for doc in DOCS for b in blocks(doc) if b.lang == "yaml"]


# Real content: every file, list files by entry, and site.yaml.

@functools.cache
def real_documents() -> tuple[Any, ...]:
    found: list[Any] = []
    for path in sorted(CONTENT.rglob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        found.extend(data if isinstance(data, list) else [data])
    found.append(yaml.safe_load((REPO / "site.yaml").read_text(encoding="utf-8")))
    return tuple(found)


def placeholders_only(value: Any) -> bool:
    if isinstance(value, dict):
        return bool(value) and all(placeholders_only(v) for v in value.values())
    if isinstance(value, list):
        return bool(value) and all(placeholders_only(v) for v in value)
    return isinstance(value, str) and PLACEHOLDER in value


def part_of(example: Any, real: Any) -> bool:
    """Whether every value of ``example`` is the real one: the same keys with the same values,
    list items found among the real items; placeholders stand for what the real file lacks."""
    if placeholders_only(example):
        return True
    if isinstance(example, dict):
        return isinstance(real, dict) and all(
            (key in real and part_of(value, real[key])) or placeholders_only(value) for key, value in example.items())
    if isinstance(example, list):
        return isinstance(real, list) and all(any(part_of(item, r) for r in real) for item in example)
    return type(example) is type(real) and example == real


def inside(example: Any, real: Any) -> bool:
    """Whether ``example`` is part of ``real`` or of any mapping or list nested in it."""
    if part_of(example, real):
        return True
    children = real.values() if isinstance(real, dict) else real if isinstance(real, list) else ()
    return any(inside(example, child) for child in children)


def test_the_documents_have_examples_where_this_test_expects_them() -> None:
    kinds = [b.kind for b in yaml_blocks()]
    for kind in ("product", "producer", "tourism", "settings", "places", "categories", "synonyms"):
        assert kind in kinds, f"no YAML example of {kind} found under a heading naming its file"
    for doc in DOCS:
        assert [b for b in blocks(doc) if b.kind == "product" and b.lang == "yaml"], doc


@pytest.mark.parametrize("block", yaml_blocks(), ids=lambda b: b.where)
def test_every_yaml_example_is_taken_from_a_real_file(block: Block) -> None:
    data = block.data
    assert data is not None, "an empty example"
    items = data if isinstance(data, list) and block.kind in ("places", "categories", "synonyms") else [data]
    for item in items:
        assert any(inside(item, real) for real in real_documents()), (
            f"{block.where}: this example is not part of any file of content/ or site.yaml: give real values "
            f"(with their real sources), or «placeholders» for what no source gives")


def test_every_markdown_example_is_text_of_a_real_file() -> None:
    texts = [" ".join(p.read_text(encoding="utf-8").split()) for p in sorted(CONTENT.rglob("*.md"))]
    examples = [b for doc in DOCS for b in blocks(doc) if b.lang == "markdown"]
    assert examples
    for block in examples:
        words = " ".join(block.text.split())
        assert any(words in text for text in texts), f"{block.where}: not the text of a real content file"


# Examples dropped into the minimal site.

def _dump(data: Any) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000)


def _load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else None


def site_with(examples: list[Block], dest: Path) -> tuple[Path, dict[str, Block]]:
    """The minimal site with each example as a file of its own, the real places and categories
    beside the minimal site's, and the real producers and tourism sites the examples name (their
    YAML only). Returns the site and the example of each file it wrote."""
    site = copy_site("minimal", dest)
    written: dict[str, Block] = {}
    places = {p["slug"]: p for p in _load(site / "content/places.yaml")}
    for place in _load(CONTENT / "places.yaml"):
        places.setdefault(place["slug"], place)
    sectors = {s["slug"]: s for s in _load(CONTENT / "categories.yaml")}
    for sector in _load(site / "content/categories.yaml"):
        assert sector["slug"] in sectors, "the minimal site's sectors are real ones"
    synonyms = _load(site / "content/synonyms.yaml") or []
    settings = _load(site / "site.yaml")
    for i, block in enumerate(examples):
        if block.kind in BUNDLES:
            section, name = BUNDLES[block.kind]
            path = f"content/{section}/docs-example-{i}/{name}"
            (site / path).parent.mkdir(parents=True)
            (site / path).write_text(block.text, encoding="utf-8")
            written[path] = block
        elif block.kind == "places":
            places.update((p["slug"], p) for p in block.data)
        elif block.kind == "categories":
            sectors.update((s["slug"], s) for s in block.data)
        elif block.kind == "synonyms":
            synonyms.extend(block.data)
        elif block.kind == "settings":
            settings.update(block.data)
    (site / "content/places.yaml").write_text(_dump(list(places.values())), encoding="utf-8")
    (site / "content/categories.yaml").write_text(_dump(list(sectors.values())), encoding="utf-8")
    (site / "content/synonyms.yaml").write_text(_dump(synonyms), encoding="utf-8")
    (site / "site.yaml").write_text(_dump(settings), encoding="utf-8")
    _add_what_is_named(site)
    return site, written


def _add_what_is_named(site: Path) -> None:
    """Copy the real producers and tourism sites that the site's bundles name, until none is missing."""
    while True:
        missing = set()
        for section, name in (("products", "product.yaml"), ("producers", "producer.yaml")):
            for path in (site / "content" / section).glob(f"*/{name}"):
                data = _load(path)
                if not isinstance(data, dict):
                    continue
                named = [("producers", data.get("producer"))] + [("tourism", s) for s in data.get("sold_at") or []]
                missing |= {(table, slug) for table, slug in named if isinstance(slug, str) and PLACEHOLDER not in slug
                            and not (site / "content" / table / slug).exists()}
        if not missing:
            return
        for table, slug in missing:
            main = "producer.yaml" if table == "producers" else "site.yaml"
            real = CONTENT / table / slug / main
            assert real.exists(), f"an example names {table} '{slug}', which content/ does not have"
            (site / "content" / table / slug).mkdir(parents=True)
            shutil.copy(real, site / "content" / table / slug / main)


def test_the_yaml_examples_pass_ocopsite_check(tmp_path: Path) -> None:
    examples = [b for b in yaml_blocks() if b.kind and PLACEHOLDER not in b.text]
    site, written = site_with(examples, tmp_path)
    try:
        made = check(site, today=TODAY)
    except SiteError as exc:
        wrong = [f"{written[p.path].where if p.path in written else p.path}: {p}" for p in exc.problems]
        raise AssertionError("examples that ocopsite check refuses:\n" + "\n".join(wrong)) from None
    records = {r.doc.path for r in (*made.catalogue.site.products, *made.catalogue.site.producers,
                                    *made.catalogue.site.tourism)}
    assert set(written) <= records


def test_an_example_with_placeholders_fails_only_because_of_them(tmp_path: Path) -> None:
    examples = [b for b in yaml_blocks() if b.kind and PLACEHOLDER in b.text]
    assert examples and all(b.kind in BUNDLES for b in examples)
    site, written = site_with(examples, tmp_path)
    with pytest.raises(SiteError) as caught:
        check(site, today=TODAY)
    problems = caught.value.problems
    others = [str(p) for p in problems if p.path not in written or "still holds the placeholder «" not in p.message]
    assert others == [], "examples with other mistakes than their placeholders"
    for path, block in written.items():
        said = sum(p.path == path for p in problems)
        assert said == block.text.count(PLACEHOLDER), f"{block.where}: a placeholder that check does not read"


# Messages.

def section(doc: Path, anchor: str) -> str:
    text = doc.read_text(encoding="utf-8")
    start = text.index(f'<a id="{anchor}"></a>')
    end = text.find("<a id=", start + 1)
    return text[start:end if end > 0 else len(text)]


def quoted_messages(anchor: str) -> list[str]:
    """The messages quoted in the first column of the tables of a section, and those of the
    example output lines (after ``path:line: ``)."""
    text = section(GUIDE, anchor)
    found = []
    for line in text.splitlines():
        if line.startswith("| `"):
            cell = line[1:].split(" | ")[0]
            found += re.findall(r"`([^`]+)`", cell)
    for block in re.findall(r"```text\n(.*?)```", text, re.S):
        found += [m.group(1) for m in re.finditer(r"^\S+\.(?:yaml|md):\d+: (.+)$", block, re.M)]
    return found


def test_both_languages_quote_the_same_messages() -> None:
    vi, en = quoted_messages("vi-5"), quoted_messages("en-5")
    assert len(en) > 40
    assert vi == en


def _mistakes(site: Path) -> None:
    """Break the site in every way section 5 explains, each in a file of its own so that none
    hides another."""
    alpha = (site / "content/products/alpha/product.yaml").read_text(encoding="utf-8")

    def product(name: str, text: str | None = None, old: str = "", new: str = "", extra: str = "") -> Path:
        folder = site / "content/products" / name
        folder.mkdir()
        body = (text if text is not None else alpha)
        assert old in body, old
        (folder / "product.yaml").write_text(body.replace(old, new, 1) + extra, encoding="utf-8")
        return folder

    def producer(name: str, extra: str, old: str = "kind: cooperative", new: str = "kind: cooperative") -> None:
        folder = site / "content/producers" / name
        folder.mkdir()
        text = (site / "content/producers/hop-tac-xa-an/producer.yaml").read_text(encoding="utf-8")
        (folder / "producer.yaml").write_text(text.replace(old, new) + extra, encoding="utf-8")

    name = "name:\n  vi: Nước mắm Alpha\n  en: Alpha fish sauce\n"
    product("m-indent", old=name, new="name:\n  vi: Nước mắm Alpha\n en: Alpha fish sauce\n")
    product("m-too-deep", old=name, new="name:\n  vi: Nước mắm Alpha\n    en: Alpha fish sauce\n")
    product("m-too-shallow", old=name, new="name:\n  vi: Nước mắm Alpha\nen: Alpha fish sauce\n")
    product("m-tab", old="  en: Alpha fish sauce", new="\ten: Alpha fish sauce")
    product("m-colon", extra="notes:\n  vi: Báo: tin\n")
    product("m-second-document", extra="---\nname: x\n")
    product("m-duplicate", extra="stars: 5\n")
    product("m-typo", old="summary:", new="sumary:")
    product("m-no-producer", old="producer: co-so-binh\n")
    product("m-source-date", old="    date: 2024-03-01\n")
    product("m-source-url", old="    url: https://example.org/source\n")
    product("m-placeholder", old="stars: 5", new='stars: "«3, 4 or 5, as the source states»"')
    (product("m-placeholder-text") / "vi.md").write_text("«Mô tả bằng tiếng Việt.»\n", encoding="utf-8")
    product("m-quoted-number", old="stars: 5", new="stars: '5'")
    product("m-price-words", old="min: 150000", new="min: 150000 đồng")
    product("m-score-comma", old="score: 91.5", new="score: '90,5'")
    product("m-list-not-text", old="category: gia-vi", new="category: [gia-vi]")
    product("m-empty-text", old="  en: Alpha fish sauce", new="  en:")
    product("m-season-number", old="season: [3, 4]", new="season: 5")
    product("m-recognition-list", old="recognition:\n", new="recognition:\n  - x\nother:\n")
    product("m-name-text", old=name, new="name: Nước mắm Alpha\n")
    product("m-stars", old="stars: 5", new="stars: 2")
    product("m-stars-6", old="stars: 5", new="stars: 6")
    product("m-kind", extra="kind: mangoes\n")
    product("m-status", old="  score: 91.5", new="  score: 91.5\n  status: expired")
    product("m-unconfirmed", extra="unconfirmed: [season]\n")
    product("m-season", old="season: [3, 4]", new="season: [13]")
    product("m-price-negative", old="min: 150000", new="min: -5")
    product("m-price-order", old="max: 250000", new="max: 100")
    product("m-price-empty", old="  min: 150000\n  max: 250000\n", new="")
    product("m-date", old="  date: 2024-03-01\n  issuer", new="  date: 16/01/2025\n  issuer")
    product("m-bounds-empty", old="  date: 2024-03-01\n  issuer", new="  date: {}\n  issuer")
    product("m-bounds-order", old="  date: 2024-03-01\n  issuer", new="  date: {after: 2024-05-01, before: 2024-03}\n"
                                                                      "  issuer")
    product("m-bounds-name", old="  date: 2024-03-01\n  issuer", new="  date: {after: 2024-01-01, until: 2024-03}\n"
                                                                     "  issuer")
    product("m-expires", old="  score: 91.5", new="  score: 91.5\n  expires: 2023-01-01")
    product("m-http", old="https://example.org/source", new="http://example.org/source")
    product("m-no-vi", old="  vi: Nước mắm Alpha\n")
    product("m-language", old="  en: Alpha fish sauce", new="  eng: Alpha fish sauce")
    (product("m-file-names") / "fr.md").write_text("Sauce.\n", encoding="utf-8")
    product("m-producer", old="producer: co-so-binh", new="producer: tri-tinh")
    product("m-producer-name", old="producer: co-so-binh", new="producer: Công ty TNHH Trí Tín")
    product("m-category", old="category: gia-vi", new="category: thuc-pham-so-che")
    product("m-place", extra="place: phuoc-dan\n")
    product("m-sold-at", old="sold_at: [cho-dem]", new="sold_at: [vuon-nho-thai-ann]")
    product("m-sold-twice", old="sold_at: [cho-dem]", new="sold_at: [cho-dem, cho-dem]")
    product("m-control", old="  en: Alpha fish sauce", new='  en: "Alpha \\afish sauce"')
    product("m-yaml-character", old="Anchovy", new="Anch\x07ovy")
    (product("m-markdown-character") / "vi.md").write_text("Nước\x01 mắm.\n", encoding="utf-8")
    product("m-alias", extra="notes: &x {vi: a}\nsummary: *x\n")
    product("m-tag", extra="notes: !!python/name:os.system ''\n")
    latin = product("m-latin")
    (latin / "product.yaml").write_bytes(alpha.encode() + "# café\n".encode("latin-1"))
    utf16 = product("m-utf16")
    (utf16 / "product.yaml").write_bytes(alpha.encode("utf-16"))
    large = product("m-large")
    (large / "product.yaml").write_text(alpha + "#" * 600_000 + "\n", encoding="utf-8")
    link = product("m-symlink")
    (link / "vi.md").symlink_to(site / "content/products/alpha/vi.md")
    missing = product("m-file-missing")
    (missing / "product.yaml").rename(missing / "Product.yaml")
    photos = product("m-photos", extra="photos:\n  - file: missing.jpg\n    alt: {vi: Ảnh}\n"
                                       "  - file: ../alpha/vi.md\n    alt: {vi: Ảnh}\n"
                                       "  - file: notes.txt\n    alt: {vi: Ảnh}\n")
    (photos / "notes.txt").write_text("not a photo\n", encoding="utf-8")
    (site / "content/products/Alpha_2").mkdir()
    (site / "content/products/Alpha_2/product.yaml").write_text(alpha, encoding="utf-8")
    (site / "content/products/Alpha").mkdir()
    (site / "content/products/Alpha/product.yaml").write_text(alpha, encoding="utf-8")
    (site / "content/products/notes.yaml").write_text(alpha, encoding="utf-8")
    producer("m-kind", "", "kind: cooperative", "kind: company")
    producer("m-visitors", "", "visitors: true", "visitors: có")
    producer("m-email", "email: abc\n")
    tourism = site / "content/tourism/m-location"
    tourism.mkdir()
    (tourism / "site.yaml").write_text((site / "content/tourism/cho-dem/site.yaml").read_text(encoding="utf-8")
                                       + "location: {lat: 120, lon: 109}\n", encoding="utf-8")
    places = site / "content/places.yaml"
    places.write_text(places.read_text(encoding="utf-8") + "- slug: Thuc pham\n  name: {vi: Thực phẩm}\n"
                      "  kind: commune\n- slug: xa-mot\n  name: {vi: Xã Một}\n  kind: commune\n", encoding="utf-8")


def _real_names(site: Path) -> None:
    """What the messages' examples name: the real Trí Tín, the real places and categories, a
    real tourism site (their YAML only)."""
    for table, slug, main in (("producers", "tri-tin", "producer.yaml"), ("tourism", "vuon-nho-thai-an", "site.yaml")):
        (site / "content" / table / slug).mkdir()
        shutil.copy(CONTENT / table / slug / main, site / "content" / table / slug / main)
    places = {p["slug"]: p for p in _load(site / "content/places.yaml")}
    for place in _load(CONTENT / "places.yaml"):
        places.setdefault(place["slug"], place)
    (site / "content/places.yaml").write_text(_dump(list(places.values())), encoding="utf-8")
    shutil.copy(CONTENT / "categories.yaml", site / "content/categories.yaml")


def _problems(site: Path) -> list[Problem]:
    try:
        return check(site, today=TODAY).warnings
    except SiteError as exc:
        return exc.problems


def _printed(problems: list[Problem]) -> set[str]:
    return {("" if p.severity == "error" else f"{p.severity}: ") + p.message for p in problems}


def _photo(size: tuple[int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("1", size).save(out, "PNG")
    return out.getvalue()


@pytest.fixture(scope="module")
def printed(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    """Every message the program prints for the mistakes of ``_mistakes``, the warnings of a
    site without errors, a broken link and photos that cannot be used."""
    found: set[str] = set()

    broken = copy_site("minimal", tmp_path_factory.mktemp("mistakes"))
    _real_names(broken)
    _mistakes(broken)
    found |= _printed(_problems(broken))

    warned = copy_site("minimal", tmp_path_factory.mktemp("warnings"))
    _real_names(warned)
    gamma = warned / "content/products/gamma/product.yaml"
    gamma.write_text(gamma.read_text(encoding="utf-8") + "unconfirmed: [stars]\n", encoding="utf-8")
    alpha = warned / "content/products/alpha/product.yaml"
    alpha.write_text(alpha.read_text(encoding="utf-8").replace("score: 91.5", "score: 65"), encoding="utf-8")
    found |= _printed(_problems(warned))

    linked = copy_site("minimal", tmp_path_factory.mktemp("link"))
    (linked / "content/products/alpha/vi.md").write_text("[Trí Tín](/vi/chu-the/tri-tinh/)\n", encoding="utf-8")
    found |= _printed(_problems(linked))

    pictured = copy_site("minimal", tmp_path_factory.mktemp("photos"))
    folder = pictured / "content/products/alpha"
    (folder / "huge.png").write_bytes(_photo((8000, 7000)))
    (folder / "damaged.jpg").write_bytes(b"\xff\xd8\xff\xe0 not the rest of a photo")
    product = folder / "product.yaml"
    product.write_text(product.read_text(encoding="utf-8") + "photos:\n  - file: huge.png\n    alt: {vi: Ảnh}\n"
                       "  - file: damaged.jpg\n    alt: {vi: Ảnh}\n", encoding="utf-8")
    found |= _printed(_problems(pictured))
    return found


def pattern(message: str) -> re.Pattern[str]:
    """A quoted message as a pattern: '…' stands for any text."""
    return re.compile("".join(".+?" if part == "…" else re.escape(part) for part in re.split("(…)", message)))


@functools.cache
def source_patterns() -> tuple[re.Pattern[str], ...]:
    """Each message-like string of the package's source as a pattern: what an f-string computes
    stands for any text. Only strings with at least 15 fixed characters."""
    found = []
    for path in sorted((REPO / "ocopsite").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.JoinedStr):
                parts = [(re.escape(v.value) if isinstance(v, ast.Constant) and isinstance(v.value, str) else ".*")
                         for v in node.values]
                fixed = sum(len(v.value) for v in node.values if isinstance(v, ast.Constant))
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                parts, fixed = [re.escape(node.value)], len(node.value)
            else:
                continue
            if fixed >= 15:
                found.append(re.compile("".join(parts), re.S))
    return tuple(found)


@pytest.mark.parametrize("message", sorted(set(quoted_messages("en-5"))))
def test_every_quoted_message_is_one_the_program_prints(message: str, printed: set[str]) -> None:
    if any(pattern(message).fullmatch(text) for text in printed):
        return
    assert "…" in message, f"no broken bundle of this test prints {message!r}"
    assert any(p.fullmatch(message) for p in source_patterns()), (
        f"{message!r}: neither printed by a broken bundle of this test nor worded so in ocopsite/")


# Fields.

def _section(text: str, title: str) -> str:
    match = re.search(rf"^## `{re.escape(title)}`.*?(?=^## |\Z)", text, re.M | re.S)
    assert match, f"docs/content-format.md has no '## `{title}`' section"
    return match.group(0)


def _records(kind: type) -> Iterator[tuple[str, Spec]]:
    """Every field of a record kind and of the records it holds, with its spec."""
    for name, spec in specs(kind).items():
        yield name, spec
        inner = spec.item if spec.kind == "list" and spec.item is not None else spec
        if inner.kind == "record" and inner.record is not None:
            yield from _records(inner.record)


@pytest.mark.parametrize(("kind", "title"), [
    (Product, "product.yaml"), (Producer, "producer.yaml"), (TourismSite, "tourism/<slug>/site.yaml"),
    (Place, "places.yaml"), (Sector, "categories.yaml"), (Synonym, "synonyms.yaml"), (SiteConfig, "site.yaml"),
], ids=lambda x: x if isinstance(x, str) else x.__name__)
def test_every_declared_field_and_value_is_documented(kind: type, title: str) -> None:
    text = FORMAT.read_text(encoding="utf-8")
    own = _section(text, title)
    missing = [f"'{name}' (in its section)" for name in specs(kind) if f"`{name}`" not in own]
    for name, spec in _records(kind):
        inner = spec.item if spec.kind == "list" and spec.item is not None else spec
        if f"`{name}`" not in text:
            missing.append(f"'{name}'")
        missing += [f"'{choice}' (a value of '{name}')" for choice in inner.choices
                    if isinstance(choice, str) and f"`{choice}`" not in text]
    assert missing == [], f"docs/content-format.md does not name: {', '.join(missing)}"
