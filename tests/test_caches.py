"""Speed comes from caches keyed by content only, so a warm build must be a clean build, byte for
byte, whatever was edited. Shown, not argued: random sequences of edits to a small site (any
field of any record kind, a Markdown text, a template, a UI string, a photo, site.yaml; bundles
added, deleted and renamed), and after each edit:

- ``serve``'s rebuild (one cache kept in memory, files written in place over the last build),
- ``build`` with the cache on disk that an earlier build left (as a CI job that keeps it),

each give exactly what a clean build gives: the same files, or the same problems."""

from __future__ import annotations

import io
import os
import shutil
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from conftest import copy_site, tree
from ocopsite import cache as cache_module
from ocopsite.build import PRUNED, build, make
from ocopsite.cache import FOLDER, Cache
from ocopsite.errors import SiteError
from ocopsite.write import Written

Edit = Callable[[Path], None]
PRODUCTS = ["alpha", "beta", "delta", "gamma"]
WORDS = st.sampled_from(["Nước mắm", "rong nho", "xoài sấy", "Ninh Hòa", "OCOP", "đặc sản", "grapes", "Ba Mọi"])


def yaml_edit(path: str, change: Callable[[Any], None]) -> Edit:
    def edit(site: Path) -> None:
        file = site / path
        if not file.exists():
            return
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
        change(data)
        file.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return edit


def text_edit(path: str, old: str, new: str) -> Edit:
    def edit(site: Path) -> None:
        file = site / path
        if file.exists():
            file.write_text(file.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
    return edit


def appended(path: str, text: str) -> Edit:
    def edit(site: Path) -> None:
        file = site / path
        if file.parent.exists():
            file.write_text((file.read_text(encoding="utf-8") if file.exists() else "") + text, encoding="utf-8")
    return edit


def set_key(keys: tuple[str, ...], value: Any) -> Callable[[Any], None]:
    def change(data: Any) -> None:
        for key in keys[:-1]:
            data = data.setdefault(key, {})
        data[keys[-1]] = value
    return change


def photo(product: str, colour: tuple[int, int, int]) -> Edit:
    def edit(site: Path) -> None:
        folder = site / "content/products" / product
        if not folder.exists():
            return
        out = io.BytesIO()
        Image.new("RGB", (64, 48), colour).save(out, "PNG")
        (folder / "photo.png").write_bytes(out.getvalue())
        yaml_edit(f"content/products/{product}/product.yaml",
                  set_key(("photos",), [{"file": "photo.png", "alt": {"vi": "Ảnh", "en": "Photo"}}]))(site)
    return edit


def copied(section: str, source: str, target: str) -> Edit:
    def edit(site: Path) -> None:
        if (site / "content" / section / source).exists() and not (site / "content" / section / target).exists():
            shutil.copytree(site / "content" / section / source, site / "content" / section / target)
    return edit


def removed(section: str, name: str) -> Edit:
    return lambda site: shutil.rmtree(site / "content" / section / name, ignore_errors=True)


def renamed(section: str, source: str, target: str) -> Edit:
    def edit(site: Path) -> None:
        folder = site / "content" / section
        if (folder / source).exists() and not (folder / target).exists():
            (folder / source).rename(folder / target)
    return edit


product = st.sampled_from(PRODUCTS)
EDITS = st.one_of(
    st.builds(lambda p, w: yaml_edit(f"content/products/{p}/product.yaml", set_key(("name", "en"), f"{w} {p}")),
              product, WORDS),
    st.builds(lambda p, n: yaml_edit(f"content/products/{p}/product.yaml", set_key(("stars",), n)), product,
              st.sampled_from([3, 4, 5, 6])),
    st.builds(lambda p, w: yaml_edit(f"content/products/{p}/product.yaml", set_key(("summary", "vi"), w)),
              product, WORDS),
    st.builds(lambda p, d: yaml_edit(f"content/products/{p}/product.yaml", set_key(("recognition", "date"), d)),
              product, st.sampled_from(["2020-12", "2023", "2024-02-29", {"before": "2023-02-15"}])),
    st.builds(lambda p, c: yaml_edit(f"content/products/{p}/product.yaml", set_key(("category",), c)), product,
              st.sampled_from(["gia-vi", "thuc-pham-che-bien", "che"])),
    st.builds(lambda p, k: yaml_edit(f"content/products/{p}/product.yaml", set_key(("kind",), k)), product,
              st.sampled_from(["mango", "durian", "default"])),
    st.builds(lambda p, s: yaml_edit(f"content/products/{p}/product.yaml", set_key(("sold_at",), s)), product,
              st.sampled_from([[], ["cho-dem"]])),
    st.builds(lambda w: yaml_edit("content/producers/hop-tac-xa-an/producer.yaml", set_key(("name", "en"), w)), WORDS),
    st.builds(lambda p: yaml_edit("content/producers/co-so-binh/producer.yaml", set_key(("place",), p)),
              st.sampled_from(["xa-mot", "phuong-hai"])),
    st.builds(lambda w: yaml_edit("content/tourism/cho-dem/site.yaml", set_key(("name", "vi"), w)), WORDS),
    st.builds(lambda k: yaml_edit("content/tourism/cho-dem/site.yaml", set_key(("kind",), k)),
              st.sampled_from(["market", "craft-village"])),
    st.builds(lambda w: text_edit("content/places.yaml", "Xã Một", w), WORDS),
    st.builds(lambda w: text_edit("content/places.yaml", "name: Cũ", f"name: {w}"), WORDS),
    st.builds(lambda w: text_edit("content/categories.yaml", "Condiments", w), WORDS),
    st.builds(lambda w: appended("content/synonyms.yaml", f"- terms: {{vi: [{w}], en: [x{len(w)}]}}\n  sources:\n"
                                 "    - {title: T, url: 'https://example.org/', date: 2025}\n"), WORDS),
    st.builds(lambda p, w: appended(f"content/products/{p}/en.md", f"\n{w}.\n"), product, WORDS),
    st.builds(lambda w: appended("content/pages/about/vi.md", f"\n{w}.\n"), WORDS),
    st.builds(lambda n: text_edit("site.yaml", "base_url:", f"per_page: {n}\nbase_url:"), st.sampled_from([1, 2, 3])),
    st.builds(lambda w: text_edit("site.yaml", "Test catalogue", w), WORDS),
    st.builds(lambda n: text_edit("site.yaml", "base_url:", f"expiring_soon_days: {n}\nbase_url:"),
              st.sampled_from([0, 400])),
    st.builds(lambda w: text_edit("templates/product.html", "<h2>{{ t('product.description') }}</h2>",
                                  f"<h2>{w}</h2>"), WORDS),
    st.builds(lambda w: text_edit("templates/base.html", "<p>{{ t('footer.sources') }}</p>", f"<p>{w}</p>"), WORDS),
    st.builds(lambda w: text_edit("templates/i18n/en.yaml", "all_title: All OCOP products", f"all_title: {w}"),
              WORDS),
    st.builds(lambda w: text_edit("templates/assets/style.css", "--brand: #0d5c46;", f"--brand: #0d5c4{len(w)};"),
              WORDS),
    st.builds(photo, product, st.tuples(st.integers(0, 255), st.integers(0, 255), st.integers(0, 255))),
    st.builds(copied, st.just("products"), product, st.sampled_from(["epsilon", "zeta"])),
    st.builds(removed, st.just("products"), st.sampled_from(["gamma", "delta", "epsilon"])),
    st.builds(renamed, st.just("products"), product, st.sampled_from(["omega", "alpha2"])),
    st.builds(removed, st.just("producers"), st.just("co-so-binh")),  # a reference goes: both builds fail
    st.builds(copied, st.just("tourism"), st.just("cho-dem"), st.just("cho-ngay")),
)


COMPILED: dict[tuple[str, str], Any] = {}  # Jinja's compiled templates, by name and source checksum


def clean(site: Path) -> dict[str, bytes] | list[str]:
    """What a clean build gives: every file, or every problem. It keeps nothing of ocopsite's
    from build to build; only Jinja's compiled templates (its own cache, keyed by each
    template's source) are shared, for speed."""
    cache = Cache()
    cache.last = dict(COMPILED)
    try:
        return dict(make(site, cache, jobs=1).files)
    except SiteError as exc:
        return [str(p) for p in exc.problems]
    finally:
        COMPILED.update((key, value) for key, value in cache.now.items() if key[0] == "template")


def warm(site: Path, output: Path, cache: Cache | None, previous: list[Written]) -> dict[str, bytes] | list[str]:
    try:
        result = build(site, output, cache=cache, previous=previous[-1] if previous else None, jobs=1)
    except SiteError as exc:
        return [str(p) for p in exc.problems]
    previous[:] = [result.written]
    files = tree(output)
    assert files.pop(".ocopsite") == result.written.token
    return files


@dataclass
class Start:
    """The small site, built both ways once: each sequence of edits starts from a copy."""

    root: Path
    memory: Cache
    written: Written


@pytest.fixture(scope="module")
def start(tmp_path_factory: pytest.TempPathFactory) -> Start:
    """Built where every sequence then works (Jinja keys compiled templates by their path), and
    kept as it is to start each sequence from."""
    root = tmp_path_factory.mktemp("start")
    work = root / "edits"
    site = copy_site("minimal", work)
    site.rename(work / "site")
    memory, written = Cache(), []
    warm(work / "site", work / "served", memory, written)
    disk = Cache(work / "site" / FOLDER)
    make(work / "site", disk)
    disk.finish()
    shutil.copytree(work, root / "start", symlinks=True)
    return Start(root / "start", memory, written[0])


@settings(max_examples=int(os.environ.get("OCOPSITE_EXAMPLES", "200")), deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(edits=st.lists(EDITS, min_size=1, max_size=8))
def test_after_any_edits_a_warm_build_equals_a_clean_build(start: Start, tmp_path_factory: pytest.TempPathFactory,
                                                           edits: list[Edit]) -> None:
    root = start.root.parent / "edits"
    shutil.rmtree(root, ignore_errors=True)
    shutil.copytree(start.root, root, symlinks=True)  # the site, its cache on disk, serve's output
    site = root / "site"
    memory = Cache()  # serve's: one cache in memory for every rebuild, here as the first build left it
    memory.last = dict(start.memory.last | start.memory.now)
    written = [start.written]
    for edit in edits:
        edit(site)
        expected = clean(site)
        assert warm(site, root / "served", memory, written) == expected
        assert built(site) == expected


def built(site: Path) -> dict[str, bytes] | list[str]:
    """What ``build`` makes with the cache on disk that earlier builds left (before it writes,
    which test_output covers): every file, or every problem."""
    cache = Cache(site / FOLDER)
    try:
        files = dict(make(site, cache, jobs=1).files)
    except SiteError as exc:
        return [str(p) for p in exc.problems]
    cache.finish(prune=PRUNED)
    return files


def test_deleting_the_cache_changes_nothing_but_speed(minimal: Path, tmp_path: Path) -> None:
    build(minimal, tmp_path / "first")
    assert (minimal / FOLDER / "cache.sqlite").is_file()
    shutil.rmtree(minimal / FOLDER)
    build(minimal, tmp_path / "second")
    assert tree(tmp_path / "first") == tree(tmp_path / "second")


def test_a_damaged_cache_is_not_used(minimal: Path, tmp_path: Path) -> None:
    build(minimal, tmp_path / "first")
    (minimal / FOLDER / "cache.sqlite").write_bytes(b"not a database, or a truncated one" * 100)
    build(minimal, tmp_path / "second")
    assert tree(tmp_path / "first") == tree(tmp_path / "second")


def test_the_disk_keeps_the_pages_the_last_build_used_and_no_others(minimal: Path) -> None:
    """Pruned at each finish: by a new cache, of all it finds unused; by serve's, which lives
    across rebuilds, of what its last build kept and this one did not use."""

    def on_disk() -> set[str]:
        with sqlite3.connect(minimal / FOLDER / "cache.sqlite") as db:
            return {key for (key,) in db.execute("SELECT key FROM entries WHERE kind = 'page'")}

    def used(cache: Cache) -> set[str]:
        return {key for kind, key in cache.used if kind == "page"}

    product = minimal / "content/products/alpha/product.yaml"
    original = product.read_text(encoding="utf-8")
    served = Cache(minimal / FOLDER)
    make(minimal, served)
    served.finish(prune=PRUNED)
    first = on_disk()
    assert first == used(served)
    product.write_text(original.replace("Anchovy fish sauce.", "Anchovy sauce."), encoding="utf-8")
    make(minimal, served)
    served.finish(prune=PRUNED)
    assert on_disk() == used(served) and on_disk() != first, "the pages of the old text are gone"
    product.write_text(original, encoding="utf-8")
    fresh = Cache(minimal / FOLDER)
    make(minimal, fresh)
    fresh.finish(prune=PRUNED)
    assert on_disk() == used(fresh) == first


def test_an_entry_under_the_right_key_but_the_wrong_bytes_cannot_happen_by_content(minimal: Path) -> None:
    """A page's key names everything it is made from: one word more anywhere it shows changes it."""
    cache = Cache(minimal / FOLDER)
    first = make(minimal, cache).files
    cache.finish()
    product = minimal / "content/products/alpha/product.yaml"
    product.write_text(product.read_text(encoding="utf-8").replace("Anchovy fish sauce.", "Anchovy sauce."),
                       encoding="utf-8")
    second = make(minimal, Cache(minimal / FOLDER)).files
    changed = {name for name in first if first[name] != second.get(name)}
    assert "en/products/alpha/index.html" in changed and "vi/san-pham/alpha/index.html" not in changed
    assert "en/stars/index.html" not in changed


def test_a_database_another_process_is_writing_is_left_to_it(minimal: Path, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """``build`` beside ``serve``: a database held by another writer is waited for a while, then
    the build goes on without writing to it, and leaves it whole."""
    build(minimal, tmp_path / "first")
    database = minimal / FOLDER / "cache.sqlite"
    monkeypatch.setattr(cache_module, "BUSY_SECONDS", 0.1)
    holder = sqlite3.connect(database)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        product = minimal / "content/products/alpha/en.md"
        product.write_text(product.read_text(encoding="utf-8") + "\nMore.\n", encoding="utf-8")
        build(minimal, tmp_path / "second")  # has something to store: waits, then goes on
    finally:
        holder.rollback()
        holder.close()
    assert database.is_file()
    assert sqlite3.connect(database).execute("SELECT count(*) FROM entries").fetchone()[0] > 0
    assert (tmp_path / "second/en/products/alpha/index.html").read_text(encoding="utf-8").count("More.") == 1
