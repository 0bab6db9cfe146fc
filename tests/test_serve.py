"""``ocopsite serve``: a real server on 127.0.0.1 that rebuilds once per burst of saves and
keeps serving the last good build when a build fails."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from conftest import EPOCH, REPO


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(condition: Callable[[], bool], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError("timed out")


def fetch(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return str(response.read().decode("utf-8"))
    except OSError:
        return ""


@pytest.fixture
def served(minimal: Path, tmp_path: Path) -> Iterator[tuple[str, Path, Path]]:
    port = free_port()
    log = tmp_path / "serve.log"
    env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH, "PYTHONPATH": str(REPO)}
    with log.open("w") as stream:
        process = subprocess.Popen([sys.executable, "-m", "ocopsite", "serve", str(minimal), "--port", str(port)],
                                   stdout=stream, stderr=subprocess.STDOUT, env=env)
    base = f"http://127.0.0.1:{port}/"
    try:
        wait_for(lambda: "Alpha fish sauce" in fetch(base + "en/products/alpha/"))
        yield base, minimal, log
    finally:
        process.terminate()
        process.wait(timeout=10)


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
