"""Each folder of tests/sites/invalid/ breaks the minimal site one way; its expected.txt holds
the exact messages, one per line, as ``ocopsite check`` prints them."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from conftest import SITES, copy_site, run_cli
from ocopsite import parallel
from ocopsite.build import check
from ocopsite.errors import Problems, SiteError
from ocopsite.yamldoc import parse_yaml

CASES = sorted(p.name for p in (SITES / "invalid").iterdir())


def broken_site(case: str, tmp_path: Path) -> Path:
    site = copy_site("minimal", tmp_path)
    shutil.copytree(SITES / "invalid" / case, site, dirs_exist_ok=True, ignore=shutil.ignore_patterns("expected.txt"))
    return site


@pytest.mark.parametrize("pool", [False, True], ids=["one process", "worker processes"])
@pytest.mark.parametrize("case", CASES)
def test_each_mistake_is_reported_with_file_line_and_plain_words(case: str, pool: bool, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    if pool:  # large sites read their bundles in worker processes: the same messages must come back
        monkeypatch.setattr(parallel, "SERIAL_BELOW", 0)
    site = broken_site(case, tmp_path)
    with pytest.raises(SiteError) as caught:
        check(site)
    expected = (SITES / "invalid" / case / "expected.txt").read_text(encoding="utf-8").splitlines()
    assert [str(p) for p in caught.value.problems] == expected


def test_check_prints_every_problem_and_exits_1(tmp_path: Path) -> None:
    site = broken_site("unknown-references", tmp_path)
    result = run_cli("check", str(site))
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    expected = (SITES / "invalid/unknown-references/expected.txt").read_text(encoding="utf-8").splitlines()
    assert lines[:len(expected)] == expected
    assert "Traceback" not in result.stderr


def test_build_refuses_to_write_when_there_is_an_error(tmp_path: Path) -> None:
    site = broken_site("duplicate-key", tmp_path)
    result = run_cli("build", str(site))
    assert result.returncode == 1 and not (site / "output").exists()
    assert result.stderr.splitlines()[0] == \
        "content/products/alpha/product.yaml:6: duplicate key 'stars' (first given on line 4)"


def parse(text: str) -> tuple[object, list[str]]:
    problems = Problems()
    doc = parse_yaml("x.yaml", text, problems)
    return (doc.data if doc else None), [str(p) for p in problems.items]


def test_yaml_aliases_are_refused() -> None:
    _, problems = parse("a: &x [1, 2]\nb: *x\n")
    assert problems == ["x.yaml:2: YAML aliases (*name) are not allowed"]


def test_yaml_tags_cannot_construct_objects() -> None:
    _, problems = parse("a: !!python/object/apply:os.system ['true']\nb: !!python/name:os.system ''\n")
    assert problems == [
        "x.yaml:1: YAML tags such as 'tag:yaml.org,2002:python/object/apply:os.system' are not allowed",
        "x.yaml:2: YAML tags such as 'tag:yaml.org,2002:python/name:os.system' are not allowed",
    ]


def test_lines_are_remembered_for_nested_values() -> None:
    problems = Problems()
    doc = parse_yaml("x.yaml", "a:\n  b:\n    - 1\n    - c: 2\n", problems)
    assert doc is not None and doc.line("a", "b", 1, "c") == 4 and doc.line("a", "b", 0) == 3


def test_non_utf8_text_is_reported(minimal: Path) -> None:
    (minimal / "content/products/alpha/vi.md").write_bytes("Nước mắm".encode("utf-16"))
    with pytest.raises(SiteError) as caught:
        check(minimal)
    assert [str(p) for p in caught.value.problems] == ["content/products/alpha/vi.md: is UTF-16 text; save it as UTF-8"]


def test_a_symlink_out_of_the_site_is_refused(minimal: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.md"
    secret.write_text("secret", encoding="utf-8")
    os.remove(minimal / "content/products/alpha/vi.md")
    os.symlink(secret, minimal / "content/products/alpha/vi.md")
    with pytest.raises(SiteError) as caught:
        check(minimal)
    assert [str(p) for p in caught.value.problems] == [
        "content/products/alpha/vi.md: is a symbolic link; put the file itself here"]


def test_a_symlink_inside_the_site_is_refused_too(minimal: Path) -> None:
    (minimal / ".git").mkdir()
    (minimal / ".git/config").write_text("url = https://user:secret@example.org/", encoding="utf-8")
    os.remove(minimal / "content/products/alpha/en.md")
    os.symlink("../../../.git/config", minimal / "content/products/alpha/en.md")
    os.remove(minimal / "content/products/beta/vi.md")
    os.symlink("../../../content/products/alpha/vi.md", minimal / "content/products/beta/vi.md")
    with pytest.raises(SiteError) as caught:
        check(minimal)
    assert [str(p) for p in caught.value.problems] == [
        "content/products/alpha/en.md: is a symbolic link; put the file itself here",
        "content/products/beta/vi.md: is a symbolic link; put the file itself here"]


def test_warnings_are_listed_and_become_errors_with_strict(minimal: Path) -> None:
    loaded = check(minimal)
    assert [str(p) for p in loaded.warnings] == [
        "content/producers/co-so-binh/en.md: warning: no 'en' text; the 'vi' text is shown",
        "content/producers/co-so-binh/producer.yaml:1: warning: no 'en' text for 'name'",
        "content/products/beta/en.md: warning: no 'en' text; the 'vi' text is shown",
        "content/products/beta/product.yaml:1: warning: no 'en' text for 'name'",
        "content/products/beta/product.yaml:6: warning: no 'en' text for 'summary'",
        "content/products/beta/product.yaml:8: warning: the certificate has ended (renewal, if any, is not recorded)",
    ]
    result = run_cli("check", "--strict", str(minimal))
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == "Failed: 6 warnings (--strict)"


def test_unreferenced_producers_and_tourism_sites_are_warnings(minimal: Path) -> None:
    shutil.copytree(minimal / "content/producers/co-so-binh", minimal / "content/producers/lonely")
    shutil.copytree(minimal / "content/tourism/cho-dem", minimal / "content/tourism/quiet-market")
    shutil.copytree(minimal / "content/tourism/cho-dem", minimal / "content/tourism/quiet-village")
    village = minimal / "content/tourism/quiet-village/site.yaml"
    village.write_text(village.read_text(encoding="utf-8").replace("kind: market", "kind: craft-village"),
                       encoding="utf-8")
    warnings = [str(p) for p in check(minimal).warnings]
    assert "content/producers/lonely/producer.yaml:1: warning: no product names producer 'lonely'" in warnings
    assert "content/tourism/quiet-village/site.yaml:1: warning: no product is sold at 'quiet-village' (sold_at)" \
        in warnings
    # a market or shop carries OCOP products in general: it is where to buy them anyway
    assert not [w for w in warnings if "quiet-market" in w]


def test_a_photo_that_is_a_symlink_out_of_the_site_is_refused(minimal: Path, tmp_path: Path) -> None:
    outside = tmp_path / "home.jpg"
    outside.write_bytes(b"\xff\xd8\xff\xe0 a producer's private photo")
    os.symlink(outside, minimal / "content/products/alpha/photo.jpg")
    product = minimal / "content/products/alpha/product.yaml"
    product.write_text(product.read_text(encoding="utf-8") + "photos:\n  - file: photo.jpg\n    alt: {vi: Ảnh}\n",
                       encoding="utf-8")
    with pytest.raises(SiteError) as caught:
        check(minimal)
    assert [str(p) for p in caught.value.problems] == [
        "content/products/alpha/photo.jpg: is a symbolic link; put the file itself here"]


def test_text_fields_keep_numbers_exactly_as_typed(minimal: Path) -> None:
    producer = minimal / "content/producers/co-so-binh/producer.yaml"
    producer.write_text(producer.read_text(encoding="utf-8") + "phone: 0123456\naddress: 2025\n", encoding="utf-8")
    loaded = check(minimal)
    [binh] = [p for p in loaded.catalogue.site.producers if p.slug == "co-so-binh"]
    assert (binh.phone, binh.address) == ("0123456", "2025")  # YAML 1.1 would read 0123456 as octal 42798


def test_a_score_outside_the_star_band_is_a_warning(minimal: Path) -> None:
    product = minimal / "content/products/alpha/product.yaml"
    product.write_text(product.read_text(encoding="utf-8").replace("score: 91.5", "score: 65"), encoding="utf-8")
    assert "content/products/alpha/product.yaml:16: warning: a score of 65 does not match 5 stars (90 to 100 points)" \
        in [str(p) for p in check(minimal).warnings]


@pytest.mark.parametrize(("edit", "message"), [
    ("  - code: en\n    name: English\n", "  - code: en\n    name: English\n    fallback: [fr]\n"),
    ("  - code: en\n", "  - code: EN\n"),
    ("  en: Test catalogue\n", '  en: "Test \\acatalogue"\n'),
])
def test_site_settings_are_checked(minimal: Path, edit: str, message: str) -> None:
    config = minimal / "site.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace(edit, message), encoding="utf-8")
    with pytest.raises(SiteError) as caught:
        check(minimal)
    expected = {
        "fallback: [fr]": "site.yaml:16: fallback language 'fr' is not one of the site's languages",
        "code: EN": "site.yaml:14: 'EN' is not a lowercase language code such as vi, en, ko or zh-hans",
        "\\a": "site.yaml:3: 'title.en' contains an invisible control character; retype it",
    }
    key = next(k for k in expected if k in message)
    assert expected[key] in [str(p) for p in caught.value.problems]


def test_check_renders_everything_but_writes_nothing(minimal: Path) -> None:
    template = minimal / "templates/page.html"
    template.write_text(template.read_text(encoding="utf-8").replace("{{ body(free.body) }}", "{{ body(free.bod) }}"),
                        encoding="utf-8")
    result = run_cli("check", str(minimal))
    assert result.returncode == 1 and not (minimal / "output").exists()
    assert result.stderr.splitlines()[0].startswith("templates/page.html:8: template error:")


@pytest.mark.parametrize(("path", "text", "message"), [
    ("content/products/alpha/product.yaml", "a: " + "[" * 5000 + "]" * 5000,
     "1: lists and mappings are nested more than 20 levels deep"),
    ("content/products/beta/vi.md", "".join("  " * i + "- x\n" for i in range(200)),
     "32: lists, quotes or indentation are nested more than 16 levels deep"),
])
def test_deeply_nested_yaml_and_markdown_are_clean_errors(minimal: Path, path: str, text: str, message: str) -> None:
    (minimal / path).write_text(text, encoding="utf-8")
    with pytest.raises(SiteError) as caught:
        check(minimal)
    assert [str(p) for p in caught.value.problems] == [f"{path}:{message}"]


def test_every_independent_mistake_of_several_files_is_reported_in_one_run(minimal: Path) -> None:
    """Wrong values, misspelt references, indentation and a YAML syntax error, in five files: none
    hides another. A syntax error hides only the rest of its own file."""
    def edit(path: str, *pairs: tuple[str, str]) -> None:
        file = minimal / path
        text = file.read_text(encoding="utf-8")
        for old, new in pairs:
            assert old in text, (path, old)
            text = text.replace(old, new, 1)
        file.write_text(text, encoding="utf-8")

    edit("content/products/alpha/product.yaml", ("stars: 5", "stars: 6"), ("category: gia-vi", "category: gia-vii"),
         ("producer: co-so-binh", "producer: co-so-binhh"))
    edit("content/products/beta/product.yaml", ("stars: 4", "stars: 7"))
    edit("content/products/delta/product.yaml", ("category: thuc-pham-che-bien", "category: thuc-pham-che-bienn"),
         ("producer: hop-tac-xa-an", "producer: Hợp tác xã An"))
    edit("content/products/gamma/product.yaml", ("place: phuong-hai", "place: ninh-hoa"))
    edit("content/producers/hop-tac-xa-an/producer.yaml",
         ("place: xa-mot\n", "place: xa-mot\n  website: https://example.org/x\n"), ("kind: cooperative", "kind: co-op"))
    edit("content/producers/co-so-binh/producer.yaml", ("  vi: Cơ sở Bình\n", "  vi: Cơ sở Bình\nen: Binh Workshop\n"))
    with pytest.raises(SiteError) as caught:
        check(minimal)
    assert [str(p) for p in caught.value.problems] == [
        "content/producers/co-so-binh/producer.yaml:3: unknown field 'en'; if it belongs to 'name' (line 1), indent "
        "it 2 spaces like the fields of 'name' (it is indented 0)",
        "content/producers/hop-tac-xa-an/producer.yaml:4: 'kind' must be one of enterprise, cooperative, "
        "cooperative-group, household, not 'co-op'",
        "content/producers/hop-tac-xa-an/producer.yaml:6: YAML syntax error: mapping values are not allowed here "
        "(column 10); line 6 is indented 2 spaces, deeper than 'place' on line 5, which already has its value: the "
        "top-level fields are indented 0 spaces",
        "content/products/alpha/product.yaml:4: 'stars' must be one of 3, 4, 5, not 6",
        "content/products/alpha/product.yaml:5: unknown category 'gia-vii' (did you mean 'gia-vi'?)",
        "content/products/alpha/product.yaml:6: unknown producer 'co-so-binhh' (did you mean 'co-so-binh'?)",
        "content/products/beta/product.yaml:3: 'stars' must be one of 3, 4, 5, not 7",
        "content/products/delta/product.yaml:5: unknown category 'thuc-pham-che-bienn' "
        "(did you mean 'thuc-pham-che-bien'?)",
        # by its name, not its slug
        "content/products/delta/product.yaml:6: unknown producer 'Hợp tác xã An' (did you mean 'hop-tac-xa-an'?)",
        # by a former name: xa-mot was formed from a commune of the former Ninh Hòa town
        "content/products/gamma/product.yaml:7: unknown place 'ninh-hoa' (did you mean 'xa-mot'?)",
    ]


@pytest.mark.parametrize(("text", "hint"), [
    ("name:\n  vi: A\n    en: B\nstars: 3\n", "line 3 is indented 4 spaces, deeper than 'vi' on line 2, which already "
                                             "has its value: the fields of 'name' (line 1) are indented 2 spaces"),
    ("recognition:\n  date: 2024\n    issuer: x\n", "line 3 is indented 4 spaces, deeper than 'date' on line 2, which "
                                                  "already has its value: the fields of 'recognition' (line 1) are "
                                                  "indented 2 spaces"),
])
def test_a_line_indented_too_deep_names_the_indentation_and_the_parent_field(text: str, hint: str) -> None:
    _, problems = parse(text)
    assert len(problems) == 1 and problems[0].endswith(hint), problems


def test_a_field_indented_too_little_names_the_field_it_belongs_to(minimal: Path) -> None:
    product = minimal / "content/products/alpha/product.yaml"
    text = product.read_text(encoding="utf-8")
    product.write_text(text.replace("  score: 91.5\n", "score: 91.5\n"), encoding="utf-8")
    with pytest.raises(SiteError) as caught:
        check(minimal)
    [problem] = caught.value.problems
    assert str(problem) == (
        "content/products/alpha/product.yaml:16: unknown field 'score'; if it belongs to 'recognition' (line 10), "
        "indent it 2 spaces like the fields of 'recognition' (it is indented 0)")


@pytest.mark.parametrize(("source", "message"), [
    ("  - title: A page\n    date: 2025-01-01\n", "a source needs its 'url', or the 'document' number and 'issuer' "
                                                 "of a printed decision"),
    ("  - title: A decision\n    document: 1/QĐ-UBND\n    date: 2025-01-01\n",
     "a source needs its 'url', or the 'document' number and 'issuer' of a printed decision"),
    ("  - title: A page\n    url: https://example.org/a\n", "missing required field 'date' in 'sources'"),
])
def test_a_source_needs_an_address_or_a_document_and_a_date(minimal: Path, source: str, message: str) -> None:
    product = minimal / "content/products/gamma/product.yaml"
    product.write_text(product.read_text(encoding="utf-8") + "sources:\n" + source, encoding="utf-8")
    with pytest.raises(SiteError) as caught:
        check(minimal)
    assert [p.message for p in caught.value.problems] == [message]


def test_a_printed_decision_is_a_source_with_its_number_issuer_and_date(minimal: Path) -> None:
    product = minimal / "content/products/gamma/product.yaml"
    product.write_text(product.read_text(encoding="utf-8") + "sources:\n  - title: Quyết định\n"
                       "    document: 1667/NQ-UBTVQH15\n    issuer: Ủy ban Thường vụ Quốc hội\n    date: 2025-06-16\n",
                       encoding="utf-8")
    made = check(minimal)
    [source] = next(e for e in made.catalogue.products if e.slug == "gamma").product.sources
    assert (source.document, source.issuer, source.url) == ("1667/NQ-UBTVQH15", "Ủy ban Thường vụ Quốc hội", None)


def test_unconfirmed_facts_are_warnings_and_shown_as_reported(minimal: Path) -> None:
    product = minimal / "content/products/gamma/product.yaml"
    product.write_text(product.read_text(encoding="utf-8") + "unconfirmed: [stars]\n", encoding="utf-8")
    made = check(minimal)
    assert "content/products/gamma/product.yaml:11: warning: 'stars' is marked unconfirmed: no source states it" in [
        str(p) for p in made.warnings]
    html = made.files["en/products/gamma/index.html"].decode()
    assert '<span class="reported">3★ reported, decision not published</span>' in html


def test_check_reports_how_complete_the_catalogue_is(minimal: Path) -> None:
    result = run_cli("check", "--report", str(minimal))
    assert result.returncode == 0, result.stderr
    assert """Coverage on 2025-06-01: 4 products
  status valid: 1 (25%)
  status expiring: 1 (25%)
  status expired: 1 (25%)
  status revoked: 1 (25%)
  with a source that has a URL: 1 (25%)
  unconfirmed facts: 0 (in 0 products)
  with a point of sale of their own or their producer's: 1 (25%)
  tourism sites and points of sale with a location: 0 of 1
  places with a location: 0 of 2
  texts not yet translated: 5""" in result.stderr


@pytest.mark.parametrize(("date", "message"), [
    ("{after: }", "'recognition.date.after' is empty: write a date such as 2025-01-16, or leave it out"),
    ("{before: , after: 2024}", "'recognition.date.before' is empty: write a date such as 2025-01-16, or leave it out"),
    ("{}", None),
])
def test_a_bounded_date_with_an_empty_bound_is_an_error_not_a_date_dropped(minimal: Path, date: str,
                                                                          message: str | None) -> None:
    product = minimal / "content/products/alpha/product.yaml"
    product.write_text(product.read_text(encoding="utf-8").replace("  date: 2024-03-01", f"  date: {date}", 1),
                       encoding="utf-8")
    with pytest.raises(SiteError) as caught:
        check(minimal)
    [problem] = caught.value.problems
    assert problem.path == "content/products/alpha/product.yaml" and problem.line == 12
    if message:
        assert problem.message == message
