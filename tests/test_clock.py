"""The suite passes on any day: a test never reads the real clock (certificates end every day,
and that is what the site computes). Builds take their day from SOURCE_DATE_EPOCH (conftest),
and every test browser's clock stands still (``conftest.browser_context``); CI also runs the
date-bound tests with the machine's clock moved years away (scripts/test, faketime)."""

from __future__ import annotations

import ast
import datetime as dt
import os
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from conftest import BROWSER_TIME, EPOCH, browser_context, http_server

pytestmark = pytest.mark.clock

TESTS = Path(__file__).resolve().parent


def test_every_build_of_the_tests_has_a_fixed_day() -> None:
    assert os.environ["SOURCE_DATE_EPOCH"] == EPOCH


def test_a_test_browser_never_reads_the_real_clock(browser: Browser, tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text("<!doctype html><title>clock</title>", encoding="utf-8")
    context = browser_context(browser)
    page = context.new_page()
    with http_server(tmp_path) as site:
        page.goto(site)
        assert page.evaluate("new Date().toISOString()") == BROWSER_TIME.isoformat().replace("+00:00", ".000Z")
        assert page.evaluate("Date.now()") == BROWSER_TIME.timestamp() * 1000
    context.close()


def test_no_test_opens_a_browser_or_reads_the_time_another_way() -> None:
    """Browsers come from ``browser_context`` alone; no test calls date.today() or datetime.now()."""
    found = []
    for path in sorted(TESTS.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                name, owner = node.func.attr, node.func.value
                if name in ("new_context", "new_page") and isinstance(owner, ast.Name) and owner.id == "browser" \
                        and path.name != "conftest.py":
                    found.append(f"{path.name}:{node.lineno}: browser.{name}")
                if name in ("today", "now", "utcnow") and isinstance(owner, ast.Name) and owner.id in (
                        "date", "datetime", "dt"):
                    found.append(f"{path.name}:{node.lineno}: {owner.id}.{name}()")
                if isinstance(owner, ast.Attribute) and name in ("today", "now") and owner.attr in ("date", "datetime"):
                    found.append(f"{path.name}:{node.lineno}: .{owner.attr}.{name}()")
    assert found == []


def test_the_fixed_day_is_one_the_fixtures_were_written_for() -> None:
    assert dt.datetime.fromtimestamp(int(EPOCH), dt.UTC).date() == BROWSER_TIME.date() == dt.date(2025, 6, 1)
