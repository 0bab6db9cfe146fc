"""Shared helpers: fixture sites are copied into a temporary folder with the catalogue's
templates underneath, so each test builds real files with the real templates."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import gzip
import io
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import warnings
from collections.abc import Callable, Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from ocopsite.build import BuildResult, build

REPO = Path(__file__).resolve().parent.parent
SITES = Path(__file__).resolve().parent / "sites"
EPOCH = "1748736000"  # 2025-06-01T00:00:00Z: the build date of every test build
BROWSER_TIME = dt.datetime(2025, 6, 1, 9, 0, tzinfo=dt.UTC)  # the reader's clock in every test browser

# Hypothesis reports a failing example with a patch made by libcst, whose import warns of a
# deprecation, and warnings are errors: imported here once, the report of a failure stays readable.
with warnings.catch_warnings(), contextlib.suppress(ImportError):
    warnings.simplefilter("ignore", DeprecationWarning)
    import hypothesis.extra._patching  # noqa: F401


@pytest.fixture(autouse=True)
def source_date_epoch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)


def copy_site(name: str, dest: Path) -> Path:
    """Copy ``tests/sites/<name>`` over the repository's templates into ``dest``."""
    site = dest / name
    shutil.copytree(REPO / "templates", site / "templates")
    shutil.copytree(SITES / name, site, dirs_exist_ok=True)
    return site


def build_site(site: Path, output: Path | None = None) -> tuple[Path, BuildResult]:
    output = output or site / "output"
    return output, build(site, output)


def tree(folder: Path) -> dict[str, bytes]:
    """Every file below ``folder`` by relative path."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def in_fresh_process(module: str, function: str, *args: str) -> None:
    """Call ``module.function(*args)`` (a module of tests/) in a new Python process. Workers never
    fork from a process that runs threads, and the test process may run some (a fixture's HTTP
    server, say): work meant for a pool of workers is tried where no thread runs."""
    code = f"import sys, {module}; {module}.{function}(*sys.argv[1:])"
    env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH,
           "PYTHONPATH": os.pathsep.join([str(REPO / "tests"), str(REPO)])}
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env,
                          timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-4000:]


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "ocopsite", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120, check=False)


GPS_IFD = 0x8825
ORIENTATION = 0x0112
XMP = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF>'
       b'<rdf:Description exif:GPSLatitude="12,15.5N"/></rdf:RDF></x:xmpmeta>')


def camera_jpeg(width: int, height: int, orientation: int = 1) -> bytes:
    """A JPEG as a phone writes it: camera model, GPS position, XMP and an orientation tag."""
    image = Image.new("RGB", (width, height), (200, 30, 30))
    image.paste((30, 30, 200), (0, 0, width // 2, height // 4))  # a blue block at the top left
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x0110] = "Phone 12"
    exif[ORIENTATION] = orientation
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (12.0, 15.0, 30.0), 3: "E", 4: (109.0, 11.0, 40.0)})
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, xmp=XMP, quality=90)
    return out.getvalue()


def add_photos(site: Path, product: str, photos: dict[str, bytes]) -> None:
    folder = site / "content/products" / product
    for name, data in photos.items():
        (folder / name).write_bytes(data)
    entries = "".join(f"  - file: {name}\n    alt: {{vi: Ảnh {i}, en: Photo {i}}}\n" for i, name in enumerate(photos))
    (folder / "product.yaml").write_text((folder / "product.yaml").read_text(encoding="utf-8")
                                         + "photos:\n" + entries, encoding="utf-8")


@pytest.fixture
def minimal(tmp_path: Path) -> Path:
    return copy_site("minimal", tmp_path)


@pytest.fixture(scope="session")
def catalogue_output(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The real Khánh Hòa catalogue, built once for every test that reads it."""
    os.environ["SOURCE_DATE_EPOCH"] = EPOCH
    output = tmp_path_factory.mktemp("catalogue") / "output"
    build(REPO, output)
    yield output


@pytest.fixture(scope="session")
def khanh_hoa_size_output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A synthetic catalogue of 600 products, the size of Khánh Hòa's, built once."""
    sys.path.insert(0, str(REPO / "benchmarks"))
    from synthetic import generate

    os.environ["SOURCE_DATE_EPOCH"] = EPOCH
    site = generate(600, tmp_path_factory.mktemp("synthetic") / "site")
    output = site.parent / "output"
    build(site, output)
    return output


@pytest.fixture(scope="session")
def minimal_output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The minimal fixture site, built once."""
    os.environ["SOURCE_DATE_EPOCH"] = EPOCH
    site = copy_site("minimal", tmp_path_factory.mktemp("minimal"))
    output, _ = build_site(site)
    return output


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


CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass

    def handle(self) -> None:
        # the browser may close a connection early (a cancelled request): not an error
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            super().handle()


class GzipHandler(QuietHandler):
    """Compresses text responses as static hosts do (GitHub Pages, Netlify, Cloudflare Pages)."""

    TEXT = (".html", ".css", ".js", ".json", ".svg", ".xml", ".webmanifest", ".txt")

    def do_GET(self) -> None:
        path = Path(self.translate_path(self.path))
        path = path / "index.html" if path.is_dir() else path
        if "gzip" not in self.headers.get("Accept-Encoding", "") or path.suffix not in self.TEXT or not path.is_file():
            super().do_GET()
            return
        body = gzip.compress(path.read_bytes(), mtime=0)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@contextlib.contextmanager
def http_server(docroot: Path, compress: bool = False) -> Iterator[str]:
    """A real HTTP server on 127.0.0.1 serving ``docroot``; yields its address."""
    handler = GzipHandler if compress else QuietHandler
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(docroot)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: scripts/test installs Debian's chromium")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield chromium
        chromium.close()


PHONE: dict[str, Any] = {"viewport": {"width": 360, "height": 800}, "has_touch": True, "is_mobile": True,
                         "locale": "en-US"}


def browser_context(browser: Browser, **options: Any) -> BrowserContext:
    """A browser context whose clock stands still at ``BROWSER_TIME``: certificate statuses,
    which the pages work out again for the reader's day, are the same on any day the tests run.
    Every test opens its browser this way (``test_a_test_browser_never_reads_the_real_clock``)."""
    context = browser.new_context(**options)
    context.clock.set_fixed_time(BROWSER_TIME)
    return context


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A phone: 360 x 800, touch, English as the browser's language."""
    context = browser_context(browser, **PHONE)
    yield context.new_page()
    context.close()
