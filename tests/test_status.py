"""Certificate status: computed from the recognition date, exact or bounded, with the 36-month
default, on the day of reading (the build's day here, the reader's in the browser)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from ocopsite.catalogue import certificate_status
from ocopsite.model import Recognition
from ocopsite.schema import Bounds, PartialDate

pytestmark = pytest.mark.clock

TODAY = dt.date(2025, 6, 1)


@pytest.mark.parametrize(("recognition", "code"), [
    (None, "unknown"),
    (Recognition(), "unknown"),
    (Recognition(date=PartialDate(2024, 3, 1)), "valid"),            # ends 2027-03-01
    (Recognition(date=PartialDate(2022, 6, 2)), "expiring"),         # ends tomorrow
    (Recognition(date=PartialDate(2022, 5, 31)), "expired"),         # ended yesterday
    (Recognition(date=PartialDate(2022, 6, 1)), "expiring"),         # ends today
    (Recognition(date=PartialDate(2022, 8, 29)), "expiring"),        # 89 days left
    (Recognition(date=PartialDate(2022, 9, 1)), "valid"),            # 92 days left
    (Recognition(date=PartialDate(2020, 12)), "expired"),            # December 2023 at the latest
    (Recognition(date=PartialDate(2022)), "unknown"),                # sometime in 2025: may have ended
    (Recognition(date=PartialDate(2025)), "valid"),                  # 2028
    (Recognition(date=PartialDate(2024, 1, 10), status="revoked"), "revoked"),
    (Recognition(status="re-evaluating"), "re-evaluating"),
    (Recognition(date=PartialDate(2020, 1, 1), expires=PartialDate(2026, 1, 1)), "valid"),
])
def test_certificate_status(recognition: Recognition | None, code: str) -> None:
    assert certificate_status(recognition, TODAY, 90).code == code


CAM_LAM_2022 = Recognition(date=Bounds(PartialDate(2022, 1, 1), PartialDate(2023, 2, 15)))  # "by 15/02/2023"
BY_ONLY = Recognition(date=Bounds(before=PartialDate(2023, 2, 15)))
AFTER_ONLY = Recognition(date=Bounds(after=PartialDate(2024, 6, 1)))


@pytest.mark.parametrize(("recognition", "day", "code"), [
    # recognised between 1 Jan 2022 and 15 Feb 2023: ends between 1 Jan 2025 and 15 Feb 2026
    (CAM_LAM_2022, dt.date(2024, 6, 1), "valid"),  # even the earliest end is more than 90 days ahead
    (CAM_LAM_2022, dt.date(2024, 12, 1), "expiring"),  # even the earliest end is still ahead, and near
    (CAM_LAM_2022, dt.date(2025, 6, 1), "unknown"),  # it may have ended, or not
    (CAM_LAM_2022, dt.date(2026, 2, 15), "unknown"),  # the last possible day
    (CAM_LAM_2022, dt.date(2026, 2, 16), "expired"),  # ended by 15 Feb 2026 unless renewed
    (BY_ONLY, dt.date(2025, 6, 1), "unknown"),  # no earliest end: never known to be valid
    (BY_ONLY, dt.date(2026, 2, 16), "expired"),
    (AFTER_ONLY, dt.date(2026, 12, 2), "valid"),  # ends 1 June 2027 at the earliest
    (AFTER_ONLY, dt.date(2030, 1, 1), "unknown"),  # no latest end: never known to have ended
])
def test_a_bounded_date_gives_the_status_of_every_day_it_may_mean(recognition: Recognition, day: dt.date,
                                                                  code: str) -> None:
    status = certificate_status(recognition, day, 90)
    assert status.code == code
    assert status.bounded


def test_bounds_carry_the_range_of_possible_ends() -> None:
    status = certificate_status(CAM_LAM_2022, dt.date(2026, 12, 2), 90)
    assert (status.code, status.ends_from, status.ends_to) == ("expired", dt.date(2025, 1, 1), dt.date(2026, 2, 15))
    assert certificate_status(Recognition(date=PartialDate(2024, 3, 1)), TODAY, 90).bounded is False


def test_36_months_keep_the_precision_of_the_date() -> None:
    assert PartialDate(2024, 1, 31).plus_months(1) == PartialDate(2024, 2, 29)
    assert PartialDate(2020, 12).plus_months(36) == PartialDate(2023, 12)
    assert PartialDate(2023).plus_months(36) == PartialDate(2026)
    assert Recognition(date=PartialDate(2022, 7, 15)).expiry == PartialDate(2025, 7, 15)


def badge(output: Path, page: str, long: bool = False) -> str:
    html = (output / page).read_text(encoding="utf-8")
    pattern = r'<p class="status-line"><span class="status"[^>]*>[^<]*</span>' if long else \
        r'<p class="meta"><span class="stars"[^>]*>[^<]*</span> (<span class="status"[^>]*>[^<]*</span>)'
    found = re.search(pattern, html)
    assert found, page
    return found.group(1) if not long else found.group(0)


def test_cards_show_the_status_in_a_word_with_the_range_the_script_rechecks(minimal_output: Path) -> None:
    assert badge(minimal_output, "en/stars/5/index.html") == \
        '<span class="status" data-status="valid" data-from="2027-03-01" data-to="2027-03-01">Valid</span>'
    assert badge(minimal_output, "vi/sao/4/index.html") == \
        '<span class="status" data-status="expired" data-from="2024-01-01" data-to="2024-01-31">Đã hết hạn</span>'


def test_the_product_page_says_the_status_in_a_sentence_for_every_day(minimal_output: Path) -> None:
    line = badge(minimal_output, "en/products/alpha/index.html", long=True)
    assert 'data-status="valid"' in line and ">Valid until 1 March 2027</span>" in line
    assert 'data-expired="Ended on 1 March 2027"' in line  # what site.js shows once that day has passed
    assert ">Ended by 31 January 2024 unless renewed<" not in line
    ended = badge(minimal_output, "en/products/beta/index.html", long=True)
    assert ">Ended by 31 January 2024 unless renewed</span>" in ended  # recognised in January 2021
    gamma = badge(minimal_output, "en/products/gamma/index.html", long=True)
    assert gamma.endswith('<span class="status" data-status="revoked">Revoked</span>')


def test_the_build_date_comes_from_source_date_epoch(minimal: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from ocopsite.build import build

    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(dt.datetime(2027, 6, 1, tzinfo=dt.UTC).timestamp())))
    build(minimal, minimal / "output")
    html = (minimal / "output" / "en/products/alpha/index.html").read_text(encoding="utf-8")
    assert 'data-status="expired"' in html


def test_the_status_script_uses_the_same_rule(minimal_output: Path) -> None:
    script = next((minimal_output / "assets").glob("site.*.js")).read_text(encoding="utf-8")
    rule = ('to && to < today ? "expired" : from && from > soon ? "valid" : from && from >= today ? "expiring" '
            ': "unknown"')
    assert rule in script
    html = (minimal_output / "en/products/alpha/index.html").read_text(encoding="utf-8")
    assert 'data-soon="90" data-valid="Valid" data-expiring="Expires soon" data-expired="Ended"' in html
