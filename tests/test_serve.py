"""``ocopsite serve``: a real server on 127.0.0.1 that rebuilds once per burst of saves, keeps
serving the last good build when a build fails, listens on loopback only unless told otherwise,
and serves nothing from outside the output folder."""

from __future__ import annotations

import contextlib
import errno
import ipaddress
import logging
import os
import shutil
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from watchdog.observers import Observer
from watchdog.observers.polling import PollingObserver

from conftest import EPOCH, REPO, fetch, free_port, wait_for
from ocopsite import serve
from ocopsite.build import build
from ocopsite.cache import Cache
from ocopsite.serve import QUIET, SourceWatcher, exposure_warning


class Clock:
    """The watcher's clock, moved by the test: a burst's end does not depend on how busy the
    machine is."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_of_saves_rebuilds_once_when_it_is_over(minimal: Path) -> None:
    clock, built = Clock(), []
    watcher = SourceWatcher(minimal, lambda: built.append(clock.now) is not None, clock=clock)
    product = str(minimal / "content/products/alpha/product.yaml")
    gap = QUIET / 2
    for _ in range(5):  # five saves, each before the last one's quiet moment: one burst
        assert watcher.changed(product, "modified")
        watcher.examine()
        clock.now += gap
    assert built == []
    clock.now += QUIET - gap - 0.01
    watcher.examine()
    assert built == [], "not yet quiet for QUIET seconds"
    clock.now += 0.02
    watcher.examine()
    watcher.examine()
    assert built == [clock.now], "one build for the whole burst"
    assert not watcher.changed(str(minimal / "output/en/index.html"), "modified"), "output/ is not a source"
    clock.now += 1
    watcher.examine()
    assert len(built) == 1


def test_a_burst_of_saves_is_served_as_its_last_save(served: tuple[str, Path, Path]) -> None:
    base, site, _ = served
    product = site / "content/products/alpha/product.yaml"
    original = product.read_text(encoding="utf-8")
    for n in range(5):
        product.write_text(original.replace("Alpha fish sauce", f"Alpha sauce v{n}"), encoding="utf-8")
    wait_for(lambda: "Alpha sauce v4" in fetch(base + "en/products/alpha/"))


def test_the_builds_own_reading_and_writing_is_not_a_change(minimal: Path) -> None:
    """Every source is read by a build, and output/ is written inside the site folder: none of
    it may count as a change, or each build would set off another. Notices of one watched
    folder come in order, so once a file saved after the builds is noticed in each, any notice
    the builds caused there has come too."""
    counted: list[str] = []

    class Recording(SourceWatcher):  # type: ignore[misc]
        def changed(self, path: str, kind: str) -> bool:
            if super().changed(path, kind):
                counted.append(os.path.relpath(path, self.site))
                return True
            return False

    watcher = Recording(minimal, lambda: True)
    watcher.observe()
    try:
        first = build(minimal, minimal / "output")
        build(minimal, minimal / "output", cache=Cache(), previous=first.written)  # written in place, as serve does
        saved = ["content/saved.txt", "templates/saved.txt", "site.yaml"]
        for name in saved:
            (minimal / name).write_text((minimal / name).read_text(encoding="utf-8") if name == "site.yaml" else "x",
                                        encoding="utf-8")
        wait_for(lambda: set(saved) <= set(counted))
        assert set(counted) <= {*saved, "content", "templates"}, "only the saves (their folders changed too)"
    finally:
        assert watcher.observer is not None
        watcher.observer.stop()


def test_a_new_bundle_and_a_file_saved_by_rename_are_seen(served: tuple[str, Path, Path]) -> None:
    """The watch follows folders made after it started, and files replaced by a rename (as
    editors save)."""
    base, site, _ = served
    shutil.copytree(site / "content/products/gamma", site / "content/products/epsilon")
    wait_for(lambda: fetch(base + "en/products/epsilon/") != "")
    edit = site / "content/products/epsilon/product.yaml"
    edit.write_text(edit.read_text(encoding="utf-8").replace("  en: Gamma jam", "  en: Epsilon jam"), encoding="utf-8")
    wait_for(lambda: "Epsilon jam" in fetch(base + "en/products/epsilon/"))  # the new folder is watched
    config = (site / "site.yaml").read_text(encoding="utf-8")
    staged = site / "site.yaml.tmp"
    staged.write_text(config.replace("\nlanguages:", "\nper_page: 1\nlanguages:"), encoding="utf-8")
    staged.replace(site / "site.yaml")
    wait_for(lambda: fetch(base + "en/products/page/2/") != "")


def test_a_failed_build_keeps_serving_the_last_good_site(served: tuple[str, Path, Path]) -> None:
    base, site, log = served
    product = site / "content/products/alpha/product.yaml"
    product.write_text(product.read_text(encoding="utf-8").replace("stars: 5", "stars: 9"), encoding="utf-8")
    wait_for(lambda: "still serving the last good build" in log.read_text(encoding="utf-8"))
    assert "content/products/alpha/product.yaml:4: 'stars' must be one of 3, 4, 5, not 9" in log.read_text(
        encoding="utf-8")
    assert "Alpha fish sauce" in fetch(base + "en/products/alpha/")
    assert "Traceback" not in log.read_text(encoding="utf-8")


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8")


def test_an_unknown_address_gets_the_sites_own_404_page(served: tuple[str, Path, Path]) -> None:
    base, site, _ = served
    status, body = get(base + "en/products/no-such-product/")
    assert status == 404
    assert body == (site / "output/404.html").read_text(encoding="utf-8").replace(
        "</head>", body[body.index("<script type=\"text/javascript\">"):body.index("</head>")] + "</head>", 1)
    assert "Page not found" in body and "Không tìm thấy trang" in body


def test_a_failed_rebuild_shows_its_problems_on_every_page_in_its_language(served: tuple[str, Path, Path]) -> None:
    base, site, _ = served
    product = site / "content/products/alpha/product.yaml"
    original = product.read_text(encoding="utf-8")
    product.write_text(original.replace("stars: 5", "stars: 9").replace("category: gia-vi", "category: gia-vii"),
                       encoding="utf-8")
    wait_for(lambda: "build-errors" in fetch(base + "en/"))
    problems = ["<code>content/products/alpha/product.yaml:4</code> &#x27;stars&#x27; must be one of 3, 4, 5, not 9",
                "<code>content/products/alpha/product.yaml:5</code> unknown category &#x27;gia-vii&#x27;"]
    for page, title in (("en/", "This edit could not be built"), ("vi/san-pham/beta/", "Không tạo được trang"),
                        ("en/products/no-such/", "This edit could not be built")):
        status, body = get(base + page)
        assert status == (404 if "no-such" in page else 200)
        assert title in body and all(problem in body for problem in problems), page
    assert "Alpha fish sauce" in fetch(base + "en/products/alpha/"), "still the last good build underneath"
    product.write_text(original, encoding="utf-8")
    wait_for(lambda: "build-errors" not in fetch(base + "en/"))
    assert "build-errors" not in get(base + "vi/san-pham/beta/")[1]


SECRET = "kept-outside-output-7f3a"
ESCAPES = [
    "/../site.yaml", "/..%2fsite.yaml", "/..%2Fsite.yaml", "/%2e%2e/site.yaml", "/%2e%2e/%2e%2e/etc/passwd",
    "/assets/..%2f..%2fsite.yaml", "/en/../../site.yaml", "/%252e%252e/site.yaml", "/%252e%252e%252fsite.yaml",
    "/..\\site.yaml", "/..%5csite.yaml", "/assets\\..\\..\\site.yaml", "//etc/passwd", "/%2fetc%2fpasswd",
    "/../secret.txt", "/%2e%2e%2fsecret.txt", "/secret.txt%00.html", "/%00", "/../secret.txt%00",
    "/leak.txt", "/beyond/secret.txt", "/beyond/", "/en/../leak.txt",
]


def raw_get(port: int, target: str) -> tuple[int, bytes]:
    """A request sent byte for byte as written: no client library normalises the path first."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(f"GET {target} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode("latin-1"))
        response = b""
        while chunk := sock.recv(65536):
            response += chunk
    head, _, body = response.partition(b"\r\n\r\n")
    return int(head.split()[1]), body


def test_no_request_reaches_a_file_outside_the_output_folder(served: tuple[str, Path, Path]) -> None:
    base, site, log = served
    port = int(base.rsplit(":", 1)[1].strip("/"))
    (site / "secret.txt").write_text(SECRET, encoding="utf-8")
    outside = site / "beyond"
    outside.mkdir()
    (outside / "secret.txt").write_text(SECRET, encoding="utf-8")
    (site / "output/leak.txt").symlink_to("../secret.txt")  # output/ is generated, but a link may be put there
    (site / "output/beyond").symlink_to(outside, target_is_directory=True)
    private = [SECRET.encode(), b"root:", (site / "site.yaml").read_bytes()[:40]]
    for target in ESCAPES:
        status, body = raw_get(port, target)
        assert status in (400, 403, 404), (target, status)
        assert not any(text in body for text in private), target
    assert raw_get(port, "/en/products/alpha/")[0] == 200  # the check is not just a closed door
    assert "Traceback" not in log.read_text(encoding="utf-8")


def listening(port: int) -> set[str]:
    """The local addresses on which some process listens on ``port``, as the kernel lists them."""
    found = set()
    for table, family in (("/proc/net/tcp", socket.AF_INET), ("/proc/net/tcp6", socket.AF_INET6)):
        for line in Path(table).read_text(encoding="ascii").splitlines()[1:]:
            local, _, state = line.split()[1:4]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                packed = bytes.fromhex(address)
                words = b"".join(packed[i:i + 4][::-1] for i in range(0, len(packed), 4))  # little-endian words
                found.add(socket.inet_ntop(family, words))
    return found


def other_address() -> str | None:
    """This machine's address on its network, if it has one besides loopback."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        try:
            sock.connect(("192.0.2.1", 9))  # sends nothing: only picks the interface a packet would leave by
        except OSError:
            return None
        address = str(sock.getsockname()[0])
    return None if ipaddress.ip_address(address).is_loopback else address


def reachable(address: str, port: int) -> bool:
    try:
        with socket.create_connection((address, port), timeout=2):
            return True
    except OSError:
        return False


@contextlib.contextmanager
def serving(site: Path, log: Path, *args: str) -> Iterator[int]:
    port = free_port()
    env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH, "PYTHONPATH": str(REPO)}
    with log.open("w") as stream:
        process = subprocess.Popen([sys.executable, "-m", "ocopsite", "serve", str(site), "--port", str(port), *args],
                                   stdout=stream, stderr=subprocess.STDOUT, env=env)
    try:
        wait_for(lambda: "Alpha fish sauce" in fetch(f"http://127.0.0.1:{port}/en/products/alpha/"))
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_the_server_listens_on_loopback_only_by_default(served: tuple[str, Path, Path]) -> None:
    base, _, log = served
    port = int(base.rsplit(":", 1)[1].strip("/"))
    assert listening(port) == {"127.0.0.1"}
    address = other_address()
    if address is not None:
        assert not reachable(address, port)
    assert "warning" not in log.read_text(encoding="utf-8")


def test_listening_on_every_address_is_allowed_with_a_warning(minimal: Path, tmp_path: Path) -> None:
    log = tmp_path / "serve.log"
    with serving(minimal, log, "--host", "0.0.0.0") as port:
        assert listening(port) == {"0.0.0.0"}
        address = other_address()
        if address is not None:
            assert reachable(address, port)
    lines = [line for line in log.read_text(encoding="utf-8").splitlines() if "warning" in line]
    assert lines == ["warning: listening on 0.0.0.0: the preview can be opened from the network, "
                     "not only from this computer"]


@pytest.mark.parametrize(("host", "warned"), [
    ("127.0.0.1", False), ("127.0.0.2", False), ("::1", False), ("localhost", False),
    ("0.0.0.0", True), ("::", True), ("192.168.1.20", True), ("example.org", True),
])
def test_a_warning_names_every_address_that_is_not_loopback(host: str, warned: bool) -> None:
    assert (exposure_warning(host) is not None) == warned


def test_a_save_made_before_the_watch_began_is_built(minimal: Path) -> None:
    """serve's first build runs before any thread, so before the watch: what is saved meanwhile
    sends no notice, and the watch's start brings one rebuild, which sees it."""
    built: list[float] = []
    clock = Clock()
    watcher = SourceWatcher(minimal, lambda: built.append(clock.now) is not None, clock=clock)
    try:
        watcher.start(lambda: None)  # livereload's callback; the test calls examine itself
        watcher.examine()
        assert built == [], "after a quiet moment, as any change"
        clock.now += QUIET + 0.01
        watcher.examine()
        assert built == [clock.now], "no notice came, and yet one rebuild"
        clock.now += 1
        watcher.examine()
        assert len(built) == 1
    finally:
        assert watcher.observer is not None
        watcher.observer.stop()


def test_notices_lost_by_the_watch_still_bring_a_rebuild(minimal: Path) -> None:
    """watchdog tells of an overflowed inotify queue only in its log: that counts as a change."""
    built: list[int] = []
    clock = Clock()
    watcher = SourceWatcher(minimal, lambda: built.append(1) is not None, clock=clock)  # "failed": no browser to reload
    watcher.observe()
    try:
        assert watcher.examine() == (None, None) and built == []
        overflow = "Inotify queue overflowed; filesystem events were lost"  # watchdog's words
        logging.getLogger("watchdog.observers.inotify_c").warning(overflow)
        clock.now += QUIET + 0.01
        watcher.examine()
        assert built == [1]
    finally:
        assert watcher.observer is not None
        watcher.observer.stop()
        for handler in logging.getLogger("watchdog.observers").handlers[:]:
            logging.getLogger("watchdog.observers").removeHandler(handler)


def test_the_watch_polls_where_inotify_refuses(minimal: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """When the system refuses to watch (its limit on inotify watches reached, say), the sources
    are polled instead, and a save still brings a rebuild."""

    class Refusing(Observer):
        def schedule(self, *args: object, **kwargs: object) -> None:
            raise OSError(errno.ENOSPC, "inotify watch limit reached")

    monkeypatch.setattr(serve, "Observer", Refusing)
    built: list[int] = []
    watcher = SourceWatcher(minimal, lambda: built.append(1) is not None)  # "failed": no browser to reload
    watcher.observe()
    try:
        assert isinstance(watcher.observer, PollingObserver)
        product = minimal / "content/products/alpha/product.yaml"
        product.write_text(product.read_text(encoding="utf-8") + "\n", encoding="utf-8")
        wait_for(lambda: watcher.examine() == (None, None) and built == [1], seconds=10)
    finally:
        assert watcher.observer is not None
        watcher.observer.stop()
        for handler in logging.getLogger("watchdog.observers").handlers[:]:
            logging.getLogger("watchdog.observers").removeHandler(handler)
