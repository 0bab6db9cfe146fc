"""Content is untrusted: a careless or malicious pull request may hold any file. Each hostile file
must end the build with one clear ``path:line: message`` (or ``path: message``), no traceback,
no hang and no runaway memory; and no random YAML can make the loader fail any other way."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import copy_site, run_cli
from ocopsite.build import check
from ocopsite.cache import Cache
from ocopsite.errors import Problems, SiteError
from ocopsite.load import MAX_MARKDOWN_BYTES, MAX_YAML_BYTES, load_site
from ocopsite.parallel import Workers
from ocopsite.validate import validate_site

PRODUCT = "content/products/alpha/product.yaml"
MARKDOWN = "content/products/alpha/vi.md"
PAGE = "content/pages/about/en.md"
FIFTY_MB = 50_000_000

BILLION_LAUGHS = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8))


def write(text: str | bytes) -> Callable[[Path, Path], None]:
    """Replace ``path`` with ``text``."""
    def edit(site: Path, path: Path) -> None:
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
    return edit


def sparse(size: int) -> Callable[[Path, Path], None]:
    """A file of ``size`` bytes made in no time (a sparse file): it must be refused unread."""
    def edit(site: Path, path: Path) -> None:
        with path.open("wb") as stream:
            stream.truncate(size)
    return edit


def symlink(target: str) -> Callable[[Path, Path], None]:
    """Replace ``path`` with a symbolic link to ``target`` ("{self}", "{outside}" are filled in)."""
    def edit(site: Path, path: Path) -> None:
        outside = site.parent / "outside.txt"
        outside.write_text("name: {vi: secret}\n", encoding="utf-8")
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
        path.symlink_to(target.format(self=path, outside=outside))
    return edit


def folder(site: Path, path: Path) -> None:
    path.unlink()
    path.mkdir()
    (path / "x.yaml").write_text("a: 1\n", encoding="utf-8")


def fifo(site: Path, path: Path) -> None:
    path.unlink()
    os.mkfifo(path)  # reading a pipe with no writer would wait forever


def outside_section(site: Path, path: Path) -> None:
    """``content/products`` is a link to a folder of products outside the site."""
    elsewhere = site.parent / "elsewhere"
    shutil.move(str(path), elsewhere)
    path.symlink_to(elsewhere)


NESTED = 10_000
COMPLETE = "name: {vi: A}\nstars: 5\ncategory: gia-vi\nproducer: co-so-binh\n"  # every required field
CASES: list[tuple[str, str, Callable[[Path, Path], None], str]] = [
    ("alias bomb", PRODUCT, write(BILLION_LAUGHS), ":2: YAML aliases (*name) are not allowed"),
    ("50 MB YAML", PRODUCT, sparse(FIFTY_MB), ": is larger than the limit of 500 KB for this kind of file"),
    ("50 MB Markdown", MARKDOWN, sparse(FIFTY_MB), ": is larger than the limit of 200 KB for this kind of file"),
    ("binary garbage", PRODUCT, write(bytes(range(256)) * 64), ":1: contains NUL bytes: this is not a text file"),
    ("NUL in Markdown", MARKDOWN, write("Nước mắm.\n\nmore\x00text\n"),
     ":3: contains NUL bytes: this is not a text file"),
    ("Latin-1 text", PRODUCT, write("name:\n  vi: Nu\xf3c m\xe1m\n".encode("latin-1")),
     ":2: is not UTF-8 text; save it as UTF-8"),
    ("UTF-16 with BOM", MARKDOWN, write("Nước mắm".encode("utf-16")), ": is UTF-16 text; save it as UTF-8"),
    ("control character in YAML", PRODUCT, write("name:\n  vi: a\x07b\n"),
     ":2: contains a character that YAML does not allow (U+0007)"),
    ("lone surrogate escape", PRODUCT,
     write('name:\n  vi: "\\ud800"\nstars: 5\ncategory: gia-vi\nproducer: co-so-binh\n'),
     ":2: 'name.vi' contains an invisible control character; retype it"),
    ("nested lists", PRODUCT, write("a: " + "[" * NESTED + "]" * NESTED),
     ":1: lists and mappings are nested more than 20 levels deep"),
    ("nested mappings", PRODUCT, write("a: " + "{a: " * NESTED + "1" + "}" * NESTED),
     ":1: lists and mappings are nested more than 20 levels deep"),
    ("nested block lists", PRODUCT, write("".join(" " * i + "-\n" for i in range(NESTED // 20))),
     ":21: lists and mappings are nested more than 20 levels deep"),
    ("nested lists with an anchor", PRODUCT, write("a: &x " + "[" * NESTED + "]" * NESTED),
     ":1: lists and mappings are nested more than 20 levels deep"),
    ("nested quotes", MARKDOWN, write("> " * NESTED + "x\n"),
     ":1: lists, quotes or indentation are nested more than 16 levels deep"),
    ("nested Markdown lists", MARKDOWN, write("".join("    " * i + "- x\n" for i in range(100))),
     ":17: lists, quotes or indentation are nested more than 16 levels deep"),
    ("unclosed brackets", MARKDOWN, write("[" * 20_000),
     ":1: this paragraph has too many '[' or '<' for its length; split it or remove some"),
    ("unclosed autolinks", MARKDOWN, write("Text\n\n" + "<http://a" * 20_000),
     ":3: this paragraph has too many '[' or '<' for its length; split it or remove some"),
    ("title of blanks", PAGE, write("# a" + " " * 100_000 + "b\n\n<script>x</script>\x07\n"),
     ":3: contains an invisible or private-use character (U+0007); retype it"),
    ("marker of the build", MARKDOWN, write("Up: \ue000up\ue000\n"),
     ":1: contains an invisible or private-use character (U+E000); retype it"),
    ("symlink loop", MARKDOWN, symlink("{self}"), ": is a symbolic link; put the file itself here"),
    ("symlink out of the site", PRODUCT, symlink("{outside}"), ": is a symbolic link; put the file itself here"),
    ("symlink to a system file", PRODUCT, symlink("/etc/passwd"), ": is a symbolic link; put the file itself here"),
    ("bundle folder is a symlink loop", "content/products/alpha", symlink("{self}"),
     ": is a symbolic link; put the file itself here"),
    ("section folder out of the site", "content/products", outside_section,
     ": is a symbolic link; put the file itself here"),
    ("folder instead of a file", PRODUCT, folder, ": is a folder, not a file"),
    ("pipe instead of a file", MARKDOWN, fifo, ": is not a regular file"),
    ("scalar document", PRODUCT, write("just a sentence\n"),
     ":1: this file must be a mapping of fields (name: value), not the text 'just a sentence'"),
    ("list document", PRODUCT, write("- name: x\n- stars: 5\n"),
     ":1: this file must be a mapping of fields (name: value), not a list"),
    ("two documents", PRODUCT, write("name: {vi: A}\n---\nname: {vi: B}\n"),
     ":2: a second YAML document starts here; a file holds one ('---' ends the first)"),
    ("duplicate key", PRODUCT, write(COMPLETE + "name: {vi: B}\n"),
     ":5: duplicate key 'name' (first given on line 1)"),
    ("python object tag", PRODUCT, write(COMPLETE + "summary: !!python/object/apply:os.system ['touch pwned']\n"),
     ":5: YAML tags such as 'tag:yaml.org,2002:python/object/apply:os.system' are not allowed"),
]


@pytest.mark.parametrize(("where", "edit", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_a_hostile_file_ends_the_build_with_one_clear_line(where: str, edit: Callable[[Path, Path], None],
                                                           message: str, tmp_path: Path) -> None:
    site = copy_site("minimal", tmp_path)
    edit(site, site / where)
    result = run_cli("build", str(site))
    assert "Traceback" not in result.stderr
    assert result.returncode == 1, result.stderr
    assert result.stderr.splitlines() == [where + message, "Failed: 1 error; nothing was written."]
    assert not (site / "output").exists() and not (tmp_path / "pwned").exists()


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root can read any file")
def test_an_unreadable_file_is_named(tmp_path: Path) -> None:
    site = copy_site("minimal", tmp_path)
    (site / PRODUCT).chmod(0)
    result = run_cli("build", str(site))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.splitlines()[0] == f"{PRODUCT}: cannot be read: Permission denied"


def test_the_limits_leave_room_for_real_files() -> None:
    """The largest file of the Khánh Hòa catalogue is far below each limit."""
    content = Path(__file__).resolve().parent.parent / "content"
    assert max(p.stat().st_size for p in content.rglob("*/*/*.yaml")) * 20 < MAX_YAML_BYTES
    # the lists of the whole province (places, categories, synonyms) are longer, and far from it too
    assert max(p.stat().st_size for p in content.glob("*.yaml")) * 4 < MAX_YAML_BYTES
    assert max(p.stat().st_size for p in content.rglob("*.md")) * 10 < MAX_MARKDOWN_BYTES
    check(content.parent)


# Property-based: random YAML-able structures and random bytes in place of a content file.

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=30), st.dates(),
    st.datetimes(timezones=st.just(dt.UTC)), st.sampled_from(["vi", "en", "gia-vi", "co-so-binh", "cho-dem", "5"]),
)
keys = st.one_of(st.sampled_from(["name", "vi", "en", "stars", "category", "producer", "kind", "languages", "code",
                                  "title", "base_url", "photos", "sources", "url", "recognition", "date",
                                  "price", "min", "max", "location", "lat", "lon", "shops", "file", "alt"]),
                 st.text(max_size=10), st.integers(), st.booleans())
structures = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=5), st.dictionaries(keys, inner, max_size=6)), max_leaves=25)
FILES = ["content/products/alpha/product.yaml", "site.yaml", "content/producers/hop-tac-xa-an/producer.yaml",
         "content/tourism/cho-dem/site.yaml", "content/places.yaml", "content/categories.yaml"]


@pytest.fixture(scope="module")
def skeleton() -> Iterator[Path]:
    """One copy of the minimal site for every example; each example rewrites one file and restores it."""
    with tempfile.TemporaryDirectory() as folder:
        yield copy_site("minimal", Path(folder))


def load_and_validate(site: Path) -> None:
    """The only acceptable outcomes: a site, or SiteError whose every problem names a file."""
    problems = Problems()
    try:
        cache = Cache()
        validate_site(load_site(site, problems, cache), problems, cache, Workers(1))
    except SiteError as exc:
        assert exc.problems and all(p.path and p.message for p in exc.problems)


def dump(data: object) -> str:
    return yaml.safe_dump(data, allow_unicode=True, default_flow_style=None)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(data=structures, which=st.sampled_from(FILES), wrap=st.booleans())
def test_random_structures_give_a_site_or_clean_problems(skeleton: Path, data: object, which: str,
                                                         wrap: bool) -> None:
    path = skeleton / which
    original = path.read_bytes()
    try:
        # ``wrap`` keeps the file's own fields and adds the random value under one of them
        if wrap:
            fields = yaml.safe_load(original)
            if isinstance(fields, dict):
                fields[next(iter(fields))] = data
            else:
                fields[0] = data
            data = fields
        path.write_text(dump(data), encoding="utf-8")
        load_and_validate(skeleton)
    finally:
        path.write_bytes(original)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=400), which=st.sampled_from([*FILES, "content/products/alpha/vi.md"]))
def test_random_bytes_give_a_site_or_clean_problems(skeleton: Path, data: bytes, which: str) -> None:
    path = skeleton / which
    original = path.read_bytes()
    try:
        path.write_bytes(data)
        load_and_validate(skeleton)
    finally:
        path.write_bytes(original)
