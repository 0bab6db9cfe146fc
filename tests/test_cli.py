"""The ``ocopsite`` command line."""

from __future__ import annotations

import io
import os
import pty
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import EPOCH, REPO, run_cli
from ocopsite.slugs import slug_for


@pytest.mark.parametrize(("name", "slug"), [
    ("Rong nho Trí Tín", "rong-nho-tri-tin"),
    ("Đặc sản Đà Lạt", "dac-san-da-lat"),
    ("Nước mắm CaNa 32 độ đạm", "nuoc-mam-cana-32-do-dam"),
    ("  Xoài   sấy dẻo!  ", "xoai-say-deo"),
])
def test_vietnamese_names_become_ascii_slugs(name: str, slug: str) -> None:
    assert slug_for(name) == slug


PLACEHOLDER = re.compile(r"«[^»]*»")


def placeholders(folder: Path) -> list[tuple[str, int]]:
    """Each placeholder of a new bundle, by file and line."""
    found = []
    for path in sorted(folder.iterdir()):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            found += [(f"{path.relative_to(folder.parent.parent.parent)}", number)] * len(PLACEHOLDER.findall(line))
    return found


@pytest.mark.parametrize(("kind", "section", "fill"), [
    ("product", "products", {"«the product's name in English»": "Trí Tín sea grapes", "«3, 4 or 5, as the source "
                             "states»": "5", "«a group slug from content/categories.yaml»": "gia-vi",
                             "«a folder name of content/producers/»": "co-so-binh"}),
    ("producer", "producers", {"«the producer's name in English»": "Đông Cooperative",
                               "«enterprise, cooperative, cooperative-group or household»": "cooperative",
                               "«a place slug from content/places.yaml»": "xa-mot"}),
    ("tourism", "tourism", {"«the site's name in English»": "Đông market", "«community-tourism, eco-tourism, "
                            "craft-village, ocop-showcase, farm, market or shop»": "market",
                            "«a place slug from content/places.yaml»": "xa-mot"}),
])
def test_a_new_bundle_fails_check_with_one_line_per_placeholder_until_each_is_replaced(
        minimal: Path, kind: str, section: str, fill: dict[str, str]) -> None:
    result = run_cli("new", kind, "Hợp tác xã Đông", "--site", str(minimal))
    assert result.returncode == 0, result.stderr
    folder = minimal / "content" / section / "hop-tac-xa-dong"
    data = yaml.safe_load(next(folder.glob("*.yaml")).read_text(encoding="utf-8"))
    assert data["name"]["vi"] == "Hợp tác xã Đông"
    expected = placeholders(folder)
    check = run_cli("check", str(minimal))
    assert check.returncode == 1
    errors = [line for line in check.stderr.splitlines() if "hop-tac-xa-dong" in line]
    assert len(errors) == len(expected) > 4, check.stderr  # one line per placeholder, nothing else
    assert sorted((line.split(":")[0], int(line.split(":")[1])) for line in errors) == sorted(expected)
    assert all("placeholder «" in line and ": write " in line for line in errors), errors
    again = run_cli("new", kind, "Hợp tác xã Đông", "--site", str(minimal))
    assert again.returncode == 1 and "already exists" in again.stderr
    for path in folder.iterdir():  # an editor fills in every placeholder
        text = path.read_text(encoding="utf-8")
        for placeholder, value in fill.items():
            text = text.replace(f'"{placeholder}"', value).replace(placeholder, value)
        text = text.replace('"«the title of the public page or decision»"', "Báo Khánh Hòa")
        text = text.replace('"«its https:// address»"', "https://baokhanhhoa.vn/")
        text = text.replace('"«its date, such as 2025-06-19»"', "2025-06-19")
        text = text.replace('"«the date of the recognition decision, such as 2025-01-16, 2025-01 or 2025»"', "2025")
        text = re.sub(r"«[^»]*»", "Một câu mô tả." if path.name == "vi.md" else "A description.", text)
        text = text.replace('"Một câu mô tả."', "Một câu mô tả.").replace('"A description."', "A description.")
        path.write_text(text, encoding="utf-8")
    check = run_cli("check", str(minimal))
    assert check.returncode == 0, check.stderr


def test_build_prints_a_one_line_summary_whose_count_is_the_pages_written(minimal: Path) -> None:
    result = run_cli("build", str(minimal))
    assert result.returncode == 0, result.stderr
    pages = sum(1 for _ in (minimal / "output").rglob("*.html"))
    files = sum(1 for p in (minimal / "output").rglob("*") if p.is_file() and p.name != ".ocopsite")
    assert result.stdout.startswith(f"Built {pages} pages ({files} files) in "), result.stdout
    assert "\r" not in result.stderr and "[#" not in result.stderr, "no progress bar when not on a terminal"


def test_check_writes_nothing_and_lists_warnings(minimal: Path) -> None:
    result = run_cli("check", str(minimal))
    assert result.returncode == 0
    assert not (minimal / "output").exists()
    assert "content/products/beta/product.yaml:1: warning: no 'en' text for 'name'" in result.stderr
    assert run_cli("check", "--strict", str(minimal)).returncode == 1


def test_github_format_prints_annotations(minimal: Path) -> None:
    result = run_cli("check", "--format", "github", str(minimal))
    assert "::warning file=content/products/beta/product.yaml,line=1::no 'en' text for 'name'" in result.stderr


def test_a_missing_site_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    result = run_cli("build", str(tmp_path / "nowhere"))
    assert result.returncode == 1
    assert not (tmp_path / "nowhere").exists(), "a failed build makes no folder"
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines()[0] == f"{tmp_path / 'nowhere' / 'site.yaml'}: not found: is this a site folder?"


def test_long_builds_report_progress(minimal: Path) -> None:
    from ocopsite.build import build

    calls: list[tuple[int, int]] = []
    result = build(minimal, minimal / "output", progress=lambda done, total: calls.append((done, total)))
    done, total = calls[-1]
    assert done == total > result.pages, "every page rendered"


def test_the_progress_bar_shows_on_a_terminal_once_a_build_has_taken_two_seconds() -> None:
    from ocopsite.cli import ProgressBar

    now = [100.0]
    drawn = io.StringIO()
    bar = ProgressBar(clock=lambda: now[0], stream=drawn)
    bar(10, 100)
    assert drawn.getvalue() == "", "not in the first two seconds"
    now[0] += 2.5
    bar(50, 100)
    assert drawn.getvalue().endswith("\r[###############---------------] 50/100 pages")
    bar.clear()
    assert drawn.getvalue().endswith("\r")


def test_build_on_a_terminal_draws_the_bar_and_clears_it(minimal: Path) -> None:
    """Through a real pseudo-terminal, with the two seconds shortened to none."""
    main, secondary = pty.openpty()
    env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH, "PYTHONPATH": str(REPO), "OCOPSITE_PROGRESS_AFTER": "0"}
    with subprocess.Popen([sys.executable, "-m", "ocopsite", "build", str(minimal)], env=env, stdin=secondary,
                          stdout=subprocess.PIPE, stderr=secondary) as process:
        os.close(secondary)
        seen = b""
        while True:
            try:
                chunk = os.read(main, 4096)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
        assert process.wait() == 0
    os.close(main)
    assert b"\r[" in seen and b"pages" in seen
