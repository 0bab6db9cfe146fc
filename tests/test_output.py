"""Output you can trust: atomic, complete, deterministic."""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from pathlib import Path

import pytest

from conftest import build_site, in_fresh_process, tree
from ocopsite import parallel
from ocopsite.build import build, make
from ocopsite.cache import Cache
from ocopsite.errors import SiteError
from ocopsite.parallel import Workers
from ocopsite.write import OutputError


def test_two_builds_are_byte_identical(minimal: Path, tmp_path: Path) -> None:
    first, _ = build_site(minimal, tmp_path / "one")
    second, _ = build_site(minimal, tmp_path / "two")
    assert tree(first) == tree(second)


def pool_builds(site: str, work: str) -> None:
    """Build ``site`` in one process and on a pool of forked workers (every list of work goes to
    the pool, however short), then check the pool was used and the bytes are the same."""
    parallel.SERIAL_BELOW = 0
    assert threading.active_count() == 1 and Workers(2)._parallel(1), "workers can fork here"
    build(Path(site), Path(work) / "serial", jobs=1)
    build(Path(site), Path(work) / "pool", jobs=3)
    assert tree(Path(work) / "serial") == tree(Path(work) / "pool")


def test_one_process_and_a_pool_of_workers_build_the_same_bytes(minimal: Path, tmp_path: Path) -> None:
    in_fresh_process("test_output", "pool_builds", str(minimal), str(tmp_path))


def located_in_workers(site: str, jobs: str) -> None:
    """A template error and a broken link, each found wherever the page was rendered."""
    parallel.SERIAL_BELOW = 0
    minimal = Path(site)
    template = minimal / "templates/product.html"
    text = template.read_text(encoding="utf-8")
    template.write_text(text.replace("<article class=\"product\">", '<article class="product"><a href="nowhere/">'),
                        encoding="utf-8")
    with pytest.raises(SiteError) as caught:
        build(minimal, minimal / "output", jobs=int(jobs))
    problems = [str(p) for p in caught.value.problems]
    assert "en/products/alpha/index.html: broken link to 'nowhere/'" in problems
    assert len(problems) == 8, "each product page in each language"
    template.write_text(text.replace("<h1>{{ lx(p.name) }}</h1>", "<h1>{{ lx(p.nothing) }}</h1>"), encoding="utf-8")
    with pytest.raises(SiteError) as caught:
        build(minimal, minimal / "output", jobs=int(jobs))
    [problem] = caught.value.problems
    assert (problem.path, problem.line) == ("templates/product.html", 18)
    assert "nothing" in problem.message


@pytest.mark.parametrize("jobs", [1, 2])
def test_template_errors_and_broken_links_are_located_in_every_worker(minimal: Path, jobs: int) -> None:
    in_fresh_process("test_output", "located_in_workers", str(minimal), str(jobs))


def test_the_real_catalogue_builds_byte_identical_twice(tmp_path: Path, catalogue_output: Path) -> None:
    from conftest import REPO

    build(REPO, tmp_path / "again")
    assert tree(tmp_path / "again") == tree(catalogue_output)


def test_a_failed_build_leaves_the_previous_output_untouched(minimal: Path) -> None:
    output, _ = build_site(minimal)
    before = tree(output)
    product = minimal / "content/products/alpha/product.yaml"
    product.write_text(product.read_text(encoding="utf-8").replace("stars: 5", "stars: 7"), encoding="utf-8")
    with pytest.raises(SiteError):
        build(minimal, output)
    assert tree(output) == before
    assert [p.name for p in minimal.iterdir() if p.name.startswith(".output.new")] == []


def test_a_template_error_is_located_and_leaves_output_untouched(minimal: Path) -> None:
    output, _ = build_site(minimal)
    before = tree(output)
    template = minimal / "templates/stars.html"
    template.write_text(template.read_text(encoding="utf-8").replace("{{ t('stars.index_title') }}</h1>",
                                                                     "{{ no_such_thing.x }}</h1>"), encoding="utf-8")
    with pytest.raises(SiteError) as caught:
        build(minimal, output)
    [problem] = caught.value.problems
    assert problem.path == "templates/stars.html" and problem.line == 6
    assert "no_such_thing" in problem.message
    assert tree(output) == before


def test_files_of_deleted_products_disappear(minimal: Path) -> None:
    output, _ = build_site(minimal)
    assert (output / "en/products/delta/index.html").is_file()
    shutil.rmtree(minimal / "content/products/delta")
    build(minimal, output)
    assert not (output / "en/products/delta").exists()
    assert not (output / "p/delta").exists()


def test_a_folder_not_written_by_ocopsite_is_never_replaced(minimal: Path, tmp_path: Path) -> None:
    precious = tmp_path / "documents"
    precious.mkdir()
    (precious / "thesis.txt").write_text("years of work", encoding="utf-8")
    with pytest.raises(OutputError):
        build(minimal, precious)
    assert (precious / "thesis.txt").read_text(encoding="utf-8") == "years of work"


def test_a_symlinked_output_folder_is_updated_where_it_points(minimal: Path, tmp_path: Path) -> None:
    real = tmp_path / "published"
    build(minimal, real)
    link = minimal / "output"
    link.symlink_to(real)
    (minimal / "content/products/delta").rename(tmp_path / "delta")
    build(minimal, link)
    assert link.is_symlink() and not (real / "en/products/delta").exists()


def test_a_bad_source_date_epoch_is_one_clear_error(minimal: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    with pytest.raises(SiteError) as caught:
        build(minimal, minimal / "output")
    assert [str(p) for p in caught.value.problems] == [
        "SOURCE_DATE_EPOCH: must be a whole number of seconds since 1970-01-01, not 'yesterday'"]


def expected(site: Path) -> dict[str, bytes]:
    """What a clean build of ``site`` holds, marker aside."""
    return dict(make(site, Cache()).files)


def without_marker(folder: Path) -> dict[str, bytes]:
    files = tree(folder)
    files.pop(".ocopsite")
    return files


def test_the_folder_swapped_out_becomes_the_next_builds_and_only_what_differs_is_written(minimal: Path,
                                                                                         tmp_path: Path) -> None:
    output = tmp_path / "output"
    build(minimal, output)
    build(minimal, output)
    spare = tmp_path / ".output.spare"
    assert (spare / ".ocopsite").is_file() and not (output / ".output.spare").exists()
    held = tmp_path / "held"  # a second link to each file keeps its inode from being reused
    held.mkdir()
    inodes = {}
    for number, path in enumerate(p for p in spare.rglob("*") if p.is_file()):
        os.link(path, held / str(number))
        inodes[path.relative_to(spare).as_posix()] = path.stat().st_ino
    product = minimal / "content/products/alpha/product.yaml"
    product.write_text(product.read_text(encoding="utf-8").replace("Anchovy fish sauce.", "Anchovy sauce."),
                       encoding="utf-8")
    build(minimal, output)
    assert without_marker(output) == expected(minimal)
    kept = {name for name, inode in inodes.items()
            if (output / name).exists() and (output / name).stat().st_ino == inode}
    assert "en/about/index.html" in kept, "unchanged: not written again"
    assert "en/products/alpha/index.html" not in kept
    assert not [p for p in tmp_path.iterdir() if ".new-" in p.name], "no staging folder left"


def test_a_spare_changed_by_hand_is_put_right_before_it_is_published(minimal: Path, tmp_path: Path) -> None:
    output = tmp_path / "output"
    build(minimal, output)
    build(minimal, output)
    spare = tmp_path / ".output.spare"
    page = spare / "en/index.html"
    page.write_bytes(page.read_bytes().replace(b"<main", b"<mAin"))  # same size, another time
    (spare / "vi/index.html").unlink()
    (spare / "en/stray.html").write_text("not ours", encoding="utf-8")
    build(minimal, output)
    assert without_marker(output) == expected(minimal)


def test_a_spare_folder_that_ocopsite_did_not_write_is_left_alone(minimal: Path, tmp_path: Path) -> None:
    output = tmp_path / "output"
    build(minimal, output)
    foreign = tmp_path / ".output.spare"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine", encoding="utf-8")
    build(minimal, output)
    assert (foreign / "notes.txt").read_text(encoding="utf-8") == "mine" and len(list(foreign.iterdir())) == 1
    assert without_marker(output) == expected(minimal)


def remove_output(parent: Path) -> None:
    """What a CI job starts with: no output/ and no spare, only the site and its cache folder."""
    for name in ("output", ".output.spare"):
        shutil.rmtree(parent / name, ignore_errors=True)
    for name in (".output.manifest", ".output.spare.manifest"):
        (parent / name).unlink(missing_ok=True)


def objects(site: Path) -> dict[int, Path]:
    """The cache folder's stored output files, by inode."""
    return {path.stat().st_ino: path for path in (site / ".ocopsite-cache/files").glob("*/*")}


def test_a_build_that_finds_only_the_cache_links_what_did_not_change(minimal: Path, tmp_path: Path) -> None:
    output = tmp_path / "output"
    build(minimal, output)
    before = {name: (output / name).stat().st_ino for name in without_marker(output)}
    remove_output(tmp_path)
    product = minimal / "content/products/alpha/product.yaml"
    product.write_text(product.read_text(encoding="utf-8").replace("Anchovy fish sauce.", "Anchovy sauce."),
                       encoding="utf-8")
    build(minimal, output)
    assert without_marker(output) == expected(minimal)
    after = {name: (output / name).stat().st_ino for name in without_marker(output)}
    assert after["en/about/index.html"] == before["en/about/index.html"], "linked from the cache, not written"
    assert after["en/products/alpha/index.html"] != before["en/products/alpha/index.html"]
    stored = objects(minimal)
    assert set(after.values()) <= set(stored), "every file a link to a stored one"
    contents = {data for data in without_marker(output).values()}
    assert sorted(p.read_bytes() for p in stored.values()) == sorted(contents), "each distinct file once, no other"


def test_a_published_file_changed_in_place_is_never_linked_again(minimal: Path, tmp_path: Path) -> None:
    output = tmp_path / "output"
    build(minimal, output)
    page = output / "en/about/index.html"
    with page.open("ab") as stream:  # the same inode as the cache's copy: both change
        stream.write(b"<!-- added by a deploy step -->")
    shop = output / "vi/index.html"
    data = shop.read_bytes()
    shop.write_bytes(data.replace(b"<main", b"<mAin"))  # same size; a write changes the time, shown here
    os.utime(shop, ns=(shop.stat().st_atime_ns, shop.stat().st_mtime_ns + 1_000_000_000))
    remove_output(tmp_path)
    build(minimal, output)
    assert without_marker(output) == expected(minimal)


def test_an_output_on_another_file_system_is_written_not_linked(minimal: Path) -> None:
    shm = Path("/dev/shm")
    if not shm.is_dir() or shm.stat().st_dev == minimal.stat().st_dev or not os.access(shm, os.W_OK):
        pytest.skip("needs /dev/shm on a file system of its own")
    parent = Path(tempfile.mkdtemp(dir=shm))
    try:
        build(minimal, parent / "output")
        assert without_marker(parent / "output") == expected(minimal)
        assert all(p.stat().st_nlink == 1 for p in (parent / "output").rglob("*") if p.is_file())
    finally:
        shutil.rmtree(parent)
