"""The ``ocopsite`` command line."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from conftest import run_cli
from ocopsite.slugs import slug_for


@pytest.mark.parametrize(("name", "slug"), [
    ("Rong nho Trí Tín", "rong-nho-tri-tin"),
    ("Đặc sản Đà Lạt", "dac-san-da-lat"),
    ("Nước mắm CaNa 32 độ đạm", "nuoc-mam-cana-32-do-dam"),
    ("  Xoài   sấy dẻo!  ", "xoai-say-deo"),
])
def test_vietnamese_names_become_ascii_slugs(name: str, slug: str) -> None:
    assert slug_for(name) == slug


def test_new_scaffolds_a_bundle_that_names_its_missing_facts(minimal: Path) -> None:
    result = run_cli("new", "product", "Rong nho Trí Tín", "--site", str(minimal))
    assert result.returncode == 0, result.stderr
    folder = minimal / "content/products/rong-nho-tri-tin"
    data = yaml.safe_load((folder / "product.yaml").read_text(encoding="utf-8"))
    assert data["name"] == {"vi": "Rong nho Trí Tín"}
    assert (folder / "vi.md").exists() and (folder / "en.md").exists()
    again = run_cli("new", "product", "Rong nho Trí Tín", "--site", str(minimal))
    assert again.returncode == 1 and "already exists" in again.stderr
    check = run_cli("check", str(minimal))
    assert "content/products/rong-nho-tri-tin/product.yaml:8: unknown producer 'producer-slug'" in check.stderr


@pytest.mark.parametrize(("kind", "path"), [("producer", "producers/hop-tac-xa-dong/producer.yaml"),
                                            ("tourism", "tourism/hop-tac-xa-dong/site.yaml")])
def test_new_producer_and_tourism_site_are_valid_at_once(minimal: Path, kind: str, path: str) -> None:
    assert run_cli("new", kind, "Hợp tác xã Đông", "--site", str(minimal)).returncode == 0
    assert (minimal / "content" / path).is_file()
    check = run_cli("check", str(minimal))
    assert check.returncode == 0, check.stderr


def test_build_prints_a_one_line_summary(minimal: Path) -> None:
    result = run_cli("build", str(minimal))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Built 68 pages (78 files) in ")
    assert (minimal / "output/index.html").is_file()


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
    assert done == total == result.pages + 4, "every page and QR code"
