"""``ocopsite serve``: a real server on 127.0.0.1 that rebuilds once per burst of saves and
keeps serving the last good build when a build fails."""

from __future__ import annotations

import time
from pathlib import Path

from conftest import fetch, wait_for


def builds(log: Path) -> int:
    return log.read_text(encoding="utf-8").count(" pages in ")


def test_a_burst_of_saves_rebuilds_once(served: tuple[str, Path, Path]) -> None:
    base, site, log = served
    product = site / "content/products/alpha/product.yaml"
    original = product.read_text(encoding="utf-8")
    for n in range(5):
        product.write_text(original.replace("Alpha fish sauce", f"Alpha sauce v{n}"), encoding="utf-8")
        time.sleep(0.1)
    wait_for(lambda: "Alpha sauce v4" in fetch(base + "en/products/alpha/"))
    time.sleep(2)
    assert builds(log) == 2  # the first build, then one for the whole burst


def test_a_failed_build_keeps_serving_the_last_good_site(served: tuple[str, Path, Path]) -> None:
    base, site, log = served
    product = site / "content/products/alpha/product.yaml"
    product.write_text(product.read_text(encoding="utf-8").replace("stars: 5", "stars: 9"), encoding="utf-8")
    wait_for(lambda: "still serving the last good build" in log.read_text(encoding="utf-8"))
    assert "content/products/alpha/product.yaml:4: 'stars' must be one of 3, 4, 5, not 9" in log.read_text(
        encoding="utf-8")
    assert "Alpha fish sauce" in fetch(base + "en/products/alpha/")
    assert "Traceback" not in log.read_text(encoding="utf-8")
