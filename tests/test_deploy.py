"""Publishing: the output works in a sub-folder of a host that applies the generated ``_headers``
(Netlify, Cloudflare Pages) and under deploy/nginx.conf with a real nginx; both keep the files
whose names carry a hash of their content for a year, and make browsers check everything else."""

from __future__ import annotations

import re
import shutil
import subprocess
import tomllib
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from hosting import SITE, catalogue_host, headers_for, parse_rules
from test_http import crawl

from conftest import REPO, free_port, wait_for

BASE_URL = yaml.safe_load((REPO / "site.yaml").read_text(encoding="utf-8"))["base_url"]
NGINX = REPO / "deploy" / "nginx.conf"
NGINX_BIN = shutil.which("nginx") or "/usr/sbin/nginx"  # /usr/sbin is not on every user's PATH
LONG = "public, max-age=31536000, immutable"
# Named by a hash of their content ("style.09c98d51a4.css", "photo-480.1a2b3c4d5e.webp"); everything
# else, the search index among it, is checked with the host on every use.
HASHED = re.compile(r"(assets|media)/.+\.[0-9a-f]{10}\.\w+")
# Paths of every kind, besides those of the catalogue (which has no photos).
SAMPLES = ["media/products/rong-nho/photo-480.0123456789.webp", "media/producers/x/y-1200.abcdef0123.jpg",
           "assets/style.0123456789.css", "sw.js", "offline.html", "en/feed.xml", "p/x/qr.svg", "404.html"]
SECURITY = ("content-security-policy", "x-content-type-options", "x-frame-options", "referrer-policy",
            "permissions-policy", "cross-origin-opener-policy")


def published(output: Path) -> list[str]:
    """Every file of the output but ``_headers`` and the build's own marker (``.ocopsite``)."""
    return sorted(p.relative_to(output).as_posix() for p in output.rglob("*")
                  if p.is_file() and p.name != "_headers" and not p.name.startswith("."))


def fetch(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()


@pytest.fixture(scope="module")
def rules(catalogue_output: Path) -> list[tuple[str, list[tuple[str, str]]]]:
    return parse_rules((catalogue_output / "_headers").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def host(catalogue_output: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, type]]:
    with catalogue_host(catalogue_output, tmp_path_factory.mktemp("host")) as served:
        yield served


def test_every_file_is_cached_by_its_name_and_gets_the_security_headers(
        catalogue_output: Path, rules: list[tuple[str, list[tuple[str, str]]]]) -> None:
    files = published(catalogue_output) + SAMPLES
    assert any(f.startswith("assets/") for f in files) and any(f.startswith("search/t/") for f in files)
    assert all(HASHED.fullmatch(f) for f in files if f.startswith(("assets/", "media/"))), "an unhashed asset"
    wrong = []
    for name in files:
        headers = headers_for(rules, SITE + name)
        want = LONG if HASHED.fullmatch(name) else "no-cache"  # one rule each: hosts join repeated headers
        if headers.get("cache-control") != want or not set(SECURITY) <= headers.keys():
            wrong.append(f"{name}: {headers}")
    for address in (SITE, SITE + "vi/", SITE + "p/x/"):
        if headers_for(rules, address).get("cache-control") != "no-cache":
            wrong.append(address)
    assert wrong == []
    assert "strict-transport-security" in headers_for(rules, SITE)  # base_url is https
    assert headers_for(rules, "/elsewhere/index.html") == {}, "rules reach outside the site's folder"
    lines = (catalogue_output / "_headers").read_text(encoding="utf-8").splitlines()
    assert len(rules) <= 100 and max(map(len, lines)) <= 2000  # Cloudflare Pages' limits


def test_the_netlify_config_publishes_the_output_built_for_its_address() -> None:
    config = tomllib.loads((REPO / "deploy" / "netlify.toml").read_text(encoding="utf-8"))
    assert config["build"]["publish"] == "output"
    assert config["build"]["command"].startswith("pip install . && ocopsite build --base-url \"$URL/\"")


def test_a_host_applying_headers_serves_every_link_under_the_sub_folder(
        catalogue_output: Path, host: tuple[str, type]) -> None:
    url, handler = host
    seen, failed = crawl(url, url + "robots.txt", public=(BASE_URL, url))
    assert failed == []
    assert all(address.startswith(url) for address in seen)
    reached = {address.removeprefix(url) for address in seen}
    linked = [f for f in published(catalogue_output)
              if f.startswith(("assets/", "media/")) or f.endswith(("index.html", ".xml", ".webmanifest", "qr.svg"))]
    assert {f.removesuffix("index.html") for f in linked} - reached == set()
    assert any(name.startswith("assets/search.") for name in reached), "the search script"
    for path, status, headers in handler.sent:
        assert status in (200, 301), (path, status)
        assert set(SECURITY) <= headers.keys(), path
    status, _, _ = fetch(url + "_headers")
    assert status == 404, "_headers is for the host, not for readers"
    status, headers, body = fetch(url + "no/such/page/")
    assert status == 404 and b"<html" in body and "content-security-policy" in headers


def nginx_headers() -> dict[str, str]:
    """The headers deploy/nginx.conf adds to every response (a variable for Cache-Control)."""
    text = NGINX.read_text(encoding="utf-8")
    found = re.findall(r'^\s*add_header\s+(\S+)\s+(?:"([^"]*)"|(\$\w+))\s+always;', text, re.M)
    return {name.lower(): quoted or variable for name, quoted, variable in found}


def nginx_cache(path: str) -> str:
    """The Cache-Control that deploy/nginx.conf's map gives ``path``: the first regex that matches."""
    block = re.search(r"map \$uri \$ocopsite_cache_control \{(.*?)\}", NGINX.read_text(encoding="utf-8"), re.S)
    assert block is not None
    entries = re.findall(r'^\s*"?([^"\s]+)"?\s+"([^"]+)";', block.group(1), re.M)
    default = dict(entries)["default"]
    return next((value for key, value in entries if key.startswith("~") and re.search(key[1:], path)), default)


def test_nginx_config_sends_the_same_headers_and_caching_as_headers_file(
        catalogue_output: Path, rules: list[tuple[str, list[tuple[str, str]]]]) -> None:
    site = headers_for(rules, SITE + "en/index.html")
    nginx = nginx_headers()
    assert nginx.pop("cache-control") == "$ocopsite_cache_control"
    site.pop("cache-control")
    site.pop("strict-transport-security")  # only once nginx serves HTTPS, which the config leaves to the reader
    assert nginx == site
    wrong = [name for name in published(catalogue_output) + SAMPLES
             if nginx_cache("/" + name) != headers_for(rules, SITE + name)["cache-control"]]
    assert wrong == []


@pytest.fixture(scope="module")
def nginx(catalogue_output: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """deploy/nginx.conf run by a real nginx on 127.0.0.1, serving the catalogue at its root."""
    if not Path(NGINX_BIN).is_file():
        pytest.fail("nginx is missing: scripts/test installs Debian's nginx-light")
    prefix = tmp_path_factory.mktemp("nginx")
    port = free_port()
    site = NGINX.read_text(encoding="utf-8")
    site = re.sub(r"^(\s*)listen 80;\n\s*listen \[::\]:80;", rf"\1listen 127.0.0.1:{port};", site, flags=re.M)
    site = site.replace("root /srv/ocopsite/output;", f"root {catalogue_output};")
    assert f"127.0.0.1:{port}" in site and str(catalogue_output) in site
    (prefix / "site.conf").write_text(site, encoding="utf-8")
    temporary = " ".join(f"{kind}_temp_path {prefix}/{kind};" for kind in ("client_body", "proxy", "fastcgi",
                                                                          "uwsgi", "scgi"))
    (prefix / "nginx.conf").write_text(
        f"daemon off;\nuser root;\nworker_processes 1;\npid {prefix}/nginx.pid;\nerror_log {prefix}/error.log;\n"
        f"events {{}}\nhttp {{\ninclude /etc/nginx/mime.types;\ndefault_type application/octet-stream;\n"
        f"access_log off;\n{temporary}\ninclude {prefix}/site.conf;\n}}\n", encoding="utf-8")
    check = subprocess.run([NGINX_BIN, "-t", "-p", str(prefix), "-c", str(prefix / "nginx.conf")],
                           capture_output=True, text=True, check=False)
    assert check.returncode == 0, check.stderr
    process = subprocess.Popen([NGINX_BIN, "-p", str(prefix), "-c", str(prefix / "nginx.conf")],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"

    def up() -> bool:
        try:
            return fetch(url)[0] == 200
        except OSError:
            return process.poll() is not None  # stopped: the log says why

    try:
        wait_for(up, 15)
        assert process.poll() is None, (prefix / "error.log").read_text(encoding="utf-8")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_nginx_serves_the_site_with_its_headers(
        catalogue_output: Path, nginx: str, rules: list[tuple[str, list[tuple[str, str]]]]) -> None:
    seen, failed = crawl(nginx)
    assert failed == []
    assert len(seen) > 100
    wrong = []
    for name in [*published(catalogue_output), "", "en/"]:
        status, headers, _ = fetch(nginx + name)
        want = headers_for(rules, SITE + (name or "index.html"))
        want.pop("strict-transport-security")
        if status not in (200, 404) or {k: headers.get(k) for k in want} != want:
            wrong.append(f"{name}: {status} {headers}")
    assert wrong == [], wrong[:3]
    status, headers, _ = fetch(nginx + "manifest.webmanifest")
    assert headers["content-type"] == "application/manifest+json"
    status, headers, body = fetch(nginx + "no/such/page/")
    assert status == 404 and b"<html" in body and headers["cache-control"] == "no-cache"
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert fetch(nginx + "_headers")[0] == 404
