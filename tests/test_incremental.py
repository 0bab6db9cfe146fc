"""Rebuilds in ``serve`` redo only what changed, and are never stale: after every kind of edit,
the rebuilt output is byte for byte what a clean build of the same sources gives."""

from __future__ import annotations

import gc
import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conftest import add_photos, camera_jpeg, tree
from ocopsite import load as load_module
from ocopsite.build import build, load
from ocopsite.errors import Problems, SiteError
from ocopsite.load import Memos, _Reader, load_site
from ocopsite.render import Renderer
from ocopsite.session import Session


@pytest.fixture(autouse=True)
def aged(minimal: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Files last changed a while before they are read, as an editor's are: a fresh copy is too
    recent for its dates to be trusted (``load.RACY_NS``, 2 s), so rebuilds would read every file
    again and the paths that skip unchanged files would go untested. The window is shortened
    to 50 ms here, and waited out."""
    monkeypatch.setattr(load_module, "RACY_NS", 50_000_000)
    time.sleep(0.1)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def clean_build(site: Path, into: Path) -> dict[str, bytes]:
    shutil.rmtree(into, ignore_errors=True)
    build(site, into)
    return tree(into)


EDITS: dict[str, Callable[[Path], None]] = {
    "a product's name": lambda s: edit(s / "content/products/alpha/product.yaml", "en: Alpha fish sauce",
                                       "en: Alpha anchovy sauce"),
    "a product's description": lambda s: edit(s / "content/products/alpha/en.md", "", "Now in glass bottles.\n\n"),
    "a product's stars": lambda s: edit(s / "content/products/delta/product.yaml", "stars: 3", "stars: 4"),
    "a producer's name": lambda s: edit(s / "content/producers/hop-tac-xa-an/producer.yaml", "en: An Cooperative",
                                        "en: An Agricultural Cooperative"),
    "a place's name": lambda s: edit(s / "content/places.yaml", "Một", "Mười"),
    "a category's name": lambda s: edit(s / "content/categories.yaml", "en: Condiments}", "en: Sauces and spices}"),
    "a tourism site": lambda s: edit(s / "content/tourism/cho-dem/site.yaml", "kind: market", "kind: shop"),
    "a free page": lambda s: edit(s / "content/pages/about/en.md", "# About", "# About this site"),
    "a template": lambda s: edit(s / "templates/product.html", "<h1>{{ lx(p.name) }}</h1>",
                                 "<h1 class=\"name\">{{ lx(p.name) }}</h1>"),
    "a shared fragment": lambda s: edit(s / "templates/base.html", "<p>{{ t('meta.not_official') }}</p>",
                                        "<p><em>{{ t('meta.not_official') }}</em></p>"),
    "a UI string": lambda s: edit(s / "templates/i18n/en.yaml", "  products: Products\n",
                                  "  products: All products\n"),
    "the stylesheet": lambda s: edit(s / "templates/assets/style.css", "img {", "img, svg.photo {"),
    "site.yaml": lambda s: edit(s / "site.yaml", "\nlanguages:", "\nper_page: 2\nlanguages:"),
    "a new product": lambda s: shutil.copytree(s / "content/products/gamma", s / "content/products/epsilon"),
    "a deleted product": lambda s: shutil.rmtree(s / "content/products/beta"),
    "a photo": lambda s: add_photos(s, "gamma", {"jar.jpg": camera_jpeg(600, 400)}),
}


@pytest.mark.parametrize("change", list(EDITS))
def test_a_rebuild_after_any_edit_equals_a_clean_build(minimal: Path, tmp_path: Path, change: str) -> None:
    session = Session()
    output = tmp_path / "served"
    build(minimal, output, session=session)
    EDITS[change](minimal)
    build(minimal, output, session=session)
    assert session.counts["rendered"] > 0, "the edit was seen"
    assert tree(output) == clean_build(minimal, tmp_path / "clean")


def test_settling_between_builds_changes_no_output(minimal: Path, tmp_path: Path) -> None:
    """serve calls Session.settle when quiet: the garbage collector then leaves the session's
    objects alone, and rebuilds give the same files as ever."""
    session = Session()
    output = tmp_path / "served"
    build(minimal, output, session=session)
    try:
        session.settle()
        assert gc.get_freeze_count() > 10_000, "the session's objects are set apart"
        EDITS["a product's name"](minimal)
        build(minimal, output, session=session)
        session.settle()
        EDITS["a producer's name"](minimal)
        build(minimal, output, session=session)
    finally:
        gc.unfreeze()
    assert session.counts["rendered"] > 0
    assert tree(output) == clean_build(minimal, tmp_path / "clean")


def test_nothing_is_rendered_again_when_nothing_changed(minimal: Path, tmp_path: Path) -> None:
    session = Session()
    build(minimal, tmp_path / "out", session=session)
    first = tree(tmp_path / "out")
    build(minimal, tmp_path / "out", session=session)
    assert session.counts["rendered"] == 0
    assert tree(tmp_path / "out") == first


def test_one_product_edit_renders_only_the_pages_that_show_it(minimal: Path, tmp_path: Path) -> None:
    session = Session()
    build(minimal, tmp_path / "out", session=session)
    total = session.counts["reused"] + session.counts["rendered"]
    edit(minimal / "content/products/gamma/product.yaml", "  en: Gamma jam", "  en: Gamma fruit jam")
    build(minimal, tmp_path / "out", session=session)
    rendered = session.counts["rendered"]
    assert 0 < rendered < total / 2, (rendered, total)


def test_pages_that_show_only_how_many_products_a_list_holds_stay(minimal: Path, tmp_path: Path) -> None:
    """The producers, places and star-level indexes show counts: a product's new name, which
    changes no count, leaves them as they were."""
    session = Session()
    build(minimal, tmp_path / "out", session=session)
    edit(minimal / "content/products/gamma/product.yaml", "  en: Gamma jam", "  en: Gamma fruit jam")
    build(minimal, tmp_path / "out", session=session)
    assert {"vi/san-pham/gamma/index.html", "en/products/gamma/index.html"} <= session.rendered
    indexes = {"vi/chu-the/index.html", "en/producers/index.html", "vi/dia-phuong/index.html",
               "en/places/index.html", "vi/sao/index.html", "en/stars/index.html"}
    assert indexes <= set(session.pages), "the indexes exist"
    assert not indexes & session.rendered


def test_the_build_date_is_an_input_too(minimal: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    session = Session()
    build(minimal, tmp_path / "out", session=session)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(os.environ["SOURCE_DATE_EPOCH"]) + 3 * 365 * 86400))
    build(minimal, tmp_path / "out", session=session)
    assert tree(tmp_path / "out") == clean_build(minimal, tmp_path / "clean")


def test_a_failed_rebuild_changes_nothing_and_the_next_one_recovers(minimal: Path, tmp_path: Path) -> None:
    from ocopsite.errors import SiteError

    session = Session()
    build(minimal, tmp_path / "out", session=session)
    before = tree(tmp_path / "out")
    product = minimal / "content/products/alpha/product.yaml"
    edit(product, "stars: 5", "stars: 7")
    with pytest.raises(SiteError):
        build(minimal, tmp_path / "out", session=session)
    assert tree(tmp_path / "out") == before
    edit(product, "stars: 7", "stars: 4")
    build(minimal, tmp_path / "out", session=session)
    assert tree(tmp_path / "out") == clean_build(minimal, tmp_path / "clean")


def test_a_template_edit_renders_again_only_the_pages_that_use_it(minimal: Path, tmp_path: Path) -> None:
    session = Session()
    build(minimal, tmp_path / "out", session=session)
    edit(minimal / "templates/stats.html", "<h1>{{ t('stats.title') }}</h1>",
         "<h1 class=\"x\">{{ t('stats.title') }}</h1>")
    build(minimal, tmp_path / "out", session=session)
    assert session.rendered == {"vi/thong-ke/index.html", "en/statistics/index.html", "sw.js"}, \
        "the statistics page in each language, and the service worker, whose version follows the templates"
    edit(minimal / "templates/_macros.html", "{% macro stars(n) -%}", "{% macro stars(n) -%}\n")
    build(minimal, tmp_path / "out", session=session)
    assert session.counts["rendered"] > 40, "the macros are imported by every page"
    assert tree(tmp_path / "out") == clean_build(minimal, tmp_path / "clean")


def test_an_unchanged_bundle_is_not_read_again_unless_its_dates_are_too_recent(
        minimal: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    read: list[str] = []
    real = _Reader.read_bundle

    def spy(self: _Reader, section: str, folder: Path, listing: Any) -> Any:
        read.append(folder.name)
        return real(self, section, folder, listing)

    monkeypatch.setattr(_Reader, "read_bundle", spy)
    memos = Memos()
    first = load_site(minimal, Problems(), memos)
    memos.bundles.next_build()
    read.clear()
    again = load_site(minimal, Problems(), memos)
    assert read == [] and all(a is b for a, b in zip(first.bundles, again.bundles, strict=True))
    edit(minimal / "content/products/alpha/en.md", "", "Now in glass bottles.\n\n")
    memos.bundles.next_build()
    edited = load_site(minimal, Problems(), memos)
    assert read == ["alpha"]
    assert [a.slug for a, b in zip(again.bundles, edited.bundles, strict=True) if a is not b] == ["alpha"]
    assert edited.bundles[0].texts["en"].text.startswith("Now in glass bottles.")
    memos.bundles.next_build()
    recent = load_site(minimal, Problems(), memos)
    assert read == ["alpha", "alpha"], "a file changed in the last 2 s is read again"
    assert recent.bundles[0] is edited.bundles[0], "found the same, it is the same object"
    assert recent.digest == edited.digest != again.digest


def test_the_source_digest_is_the_same_however_the_files_were_read(minimal: Path) -> None:
    memos = Memos()
    served = load_site(minimal, Problems(), memos)
    memos.bundles.next_build()
    assert load_site(minimal, Problems(), memos).digest == served.digest == load_site(minimal, Problems()).digest
    edit(minimal / "content/products/alpha/en.md", "", " ")
    assert load_site(minimal, Problems()).digest != served.digest, "a space is a change"


@pytest.mark.parametrize(("change", "moved"), [
    ("a product's summary", False),
    ("lines moved in a product with an expired certificate", False),
    ("a product's stars", True),
])
def test_an_edit_that_moves_no_product_updates_the_catalogue_in_place(minimal: Path, tmp_path: Path, change: str,
                                                                      moved: bool) -> None:
    """Such an edit keeps every list (``catalogue.update_catalogue``, ``plan.replan``): what it
    gives must equal what the catalogue and plan made afresh give, warnings included."""
    session = Session()
    build(minimal, tmp_path / "out", session=session)
    beta = minimal / "content/products/beta/product.yaml"
    {
        "a product's summary": lambda: edit(beta, "vi: Rượu nho của", "vi: Rượu vang nho của"),
        "lines moved in a product with an expired certificate": lambda: edit(beta, "stars: 4", "season: [9]\nstars: 4"),
        "a product's stars": lambda: edit(beta, "stars: 4", "stars: 5"),
    }[change]()
    assert session.loaded is not None
    last = session.loaded.pages
    updated = load(minimal, session=session)
    afresh = load(minimal)
    assert any(a is b for a, b in zip(last, updated.pages, strict=True)) is not moved, "the pages were kept"
    assert updated.catalogue == afresh.catalogue
    assert updated.pages == afresh.pages
    assert updated.warnings == afresh.warnings
    assert any("expired" in p.message and p.line == (9 if "lines" in change else 8) for p in updated.warnings)
    build(minimal, tmp_path / "out", session=session)
    edit(minimal / "content/products/alpha/en.md", "", "Now in glass bottles.\n\n")  # a second edit, elsewhere
    again = load(minimal, session=session)
    assert again.catalogue == load(minimal).catalogue and again.pages == load(minimal).pages


def test_shared_fragments_outlive_a_build_until_what_they_show_changes(minimal: Path, tmp_path: Path) -> None:
    """A product's card is rendered again when, and only when, its product changes."""
    session = Session()
    build(minimal, tmp_path / "out", session=session)

    def card(slug: str) -> Any:
        assert session.catalogue is not None
        entry = next(e for e in session.catalogue.products if e.slug == slug)
        found = session.fragments[("card", "en", ("id", id(entry)))]
        assert found.holds(("card", "en", entry))
        return found

    alpha, gamma = card("alpha"), card("gamma")
    (minimal / "content/products/gamma/en.md").write_text("New recipe.\n", encoding="utf-8")  # updated in place
    build(minimal, tmp_path / "out", session=session)
    assert card("alpha") is alpha
    assert card("gamma") is not gamma
    gamma = card("gamma")
    edit(minimal / "content/products/gamma/product.yaml", "  en: Gamma jam", "  en: Gamma fruit jam")  # made again
    build(minimal, tmp_path / "out", session=session)
    assert card("alpha") is alpha
    assert card("gamma") is not gamma and "Gamma fruit jam" in card("gamma").markup
    assert tree(tmp_path / "out") == clean_build(minimal, tmp_path / "clean")


def test_a_fragment_is_never_reused_for_another_object_at_the_same_address(minimal: Path) -> None:
    """A fragment keyed by an object holds it weakly: once the object is gone, a new object that
    Python puts at the same address (so with the same ``id``) gets its own fragment."""
    loaded = load(minimal)
    renderer = Renderer(minimal / "templates", loaded.catalogue, loaded.strings, loaded.urls, {}, {})

    class Thing:
        pass

    thing = Thing()
    assert renderer.cached("k", thing, caller=lambda: "first") == "first"
    assert renderer.cached("k", thing, caller=lambda: "again") == "first"
    address = id(thing)
    del thing
    gc.collect()
    others = [Thing() for _ in range(10_000)]
    reused = next((other for other in others if id(other) == address), None)
    if reused is None:
        pytest.skip("this Python did not put a new object at the freed address")
    thing = reused
    assert renderer.cached("k", thing, caller=lambda: "second") == "second"


def test_a_bundle_read_again_with_the_same_data_but_other_text_is_not_taken_for_the_old_one(
        minimal: Path, tmp_path: Path) -> None:
    """A comment or a number spelled otherwise changes no value, but lines and spellings count."""
    session = Session()
    build(minimal, tmp_path / "out", session=session)
    beta = minimal / "content/products/beta/product.yaml"
    beta.write_text("# checked in 2025\n" + beta.read_text(encoding="utf-8"), encoding="utf-8")
    updated = load(minimal, session=session)
    assert any("expired" in p.message and p.line == 9 for p in updated.warnings), updated.warnings
    edit(beta, "stars: 4", "stars: 4.0")
    with pytest.raises(SiteError, match="stars"):
        load(minimal, session=session)
