"""Certificate status: computed from the recognition with the 36-month default."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from ocopsite.catalogue import certificate_status
from ocopsite.model import PartialDate, Recognition

TODAY = dt.date(2025, 6, 1)


@pytest.mark.parametrize(("recognition", "code"), [
    (None, "unknown"),
    (Recognition(), "unknown"),
    (Recognition(date=PartialDate(2024, 3, 1)), "valid"),            # expires 2027-03-01
    (Recognition(date=PartialDate(2022, 6, 2)), "expiring"),         # expires tomorrow
    (Recognition(date=PartialDate(2022, 5, 31)), "expired"),         # expired yesterday
    (Recognition(date=PartialDate(2022, 6, 1)), "expiring"),         # expires today
    (Recognition(date=PartialDate(2022, 8, 29)), "expiring"),        # 89 days left
    (Recognition(date=PartialDate(2022, 9, 1)), "valid"),            # 92 days left
    (Recognition(date=PartialDate(2020, 12)), "expired"),            # December 2023 at the latest
    (Recognition(date=PartialDate(2022)), "unknown"),                # sometime in 2025: may have expired
    (Recognition(date=PartialDate(2025)), "valid"),                  # 2028
    (Recognition(date=PartialDate(2024, 1, 10), status="revoked"), "revoked"),
    (Recognition(status="re-evaluating"), "re-evaluating"),
    (Recognition(date=PartialDate(2020, 1, 1), expires=PartialDate(2026, 1, 1)), "valid"),
])
def test_certificate_status(recognition: Recognition | None, code: str) -> None:
    assert certificate_status(recognition, TODAY, 90).code == code


def test_36_months_keep_the_precision_of_the_date() -> None:
    assert PartialDate(2024, 1, 31).plus_months(1) == PartialDate(2024, 2, 29)
    assert PartialDate(2020, 12).plus_months(36) == PartialDate(2023, 12)
    assert PartialDate(2023).plus_months(36) == PartialDate(2026)
    assert Recognition(date=PartialDate(2022, 7, 15)).expiry == PartialDate(2025, 7, 15)


def test_status_is_shown_in_words_with_the_range_the_script_rechecks(minimal_output: Path) -> None:
    def badge(page: str) -> str:
        html = (minimal_output / page).read_text(encoding="utf-8")
        found = re.search(r'<span class="status"[^>]*>[^<]*</span>', html)
        assert found, page
        return found.group(0)

    assert badge("en/products/alpha/index.html") == \
        '<span class="status" data-status="valid" data-from="2027-03-01" data-to="2027-03-01">Valid</span>'
    assert badge("vi/san-pham/beta/index.html") == \
        '<span class="status" data-status="expired" data-from="2024-01-01" data-to="2024-01-31">Đã hết hạn</span>'
    assert badge("en/products/gamma/index.html") == '<span class="status" data-status="revoked">Revoked</span>'
    assert badge("en/products/delta/index.html") == \
        '<span class="status" data-status="expiring" data-from="2025-07-15" data-to="2025-07-15">Expires soon</span>'


def test_the_build_date_comes_from_source_date_epoch(minimal: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from ocopsite.build import build

    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(dt.datetime(2027, 6, 1, tzinfo=dt.UTC).timestamp())))
    build(minimal, minimal / "output")
    html = (minimal / "output" / "en/products/alpha/index.html").read_text(encoding="utf-8")
    assert 'data-status="expired"' in html


def test_the_status_script_uses_the_same_rule(minimal_output: Path) -> None:
    script = next((minimal_output / "assets").glob("site.*.js")).read_text(encoding="utf-8")
    rule = 'to < today ? "expired" : from > soon ? "valid" : from >= today ? "expiring" : "unknown"'
    assert rule in script
    html = (minimal_output / "en/products/alpha/index.html").read_text(encoding="utf-8")
    assert 'data-soon="90" data-valid="Valid" data-expiring="Expires soon" data-expired="Expired"' in html
