"""Content is untrusted: known XSS payloads in every text field of every kind of file and in every
Markdown file must reach the pages as text, never as markup, script, style or a dangerous URL."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import yaml
from playwright.sync_api import Page

from conftest import add_photos, build_site, camera_jpeg, copy_site, http_server
from ocopsite.build import check
from ocopsite.errors import SiteError
from ocopsite.model import Place, Producer, Product, Sector, SiteConfig, TourismSite
from ocopsite.schema import Spec, specs

PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(2)>",
    "<svg onload=alert(3)>",
    "<svg><script>alert(4)</script></svg>",
    "<a href=\"javascript:alert(5)\">a</a>",
    "<a href=\"JaVaScRiPt:alert(6)\">b</a>",
    "<a href=\"&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(7)\">c</a>",
    "<a href=\"java&#x09;script:alert(8)\">d</a> <a href=\"jav&#x0A;ascript:alert(8)\">d</a>",
    "<a href=\" javascript:alert(9)\">e</a>",
    "<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxMCk8L3NjcmlwdD4=\">f</a>",
    "<a href=\"vbscript:msgbox(11)\">g</a>",
    "<iframe src=\"https://evil.example/\"></iframe>",
    "<style>body{display:none}</style>",
    "<form action=\"https://evil.example/\"><input name=q><button formaction=javascript:alert(12)>go</button></form>",
    "<object data=\"evil.swf\"></object><embed src=\"evil.swf\">",
    "<meta http-equiv=\"refresh\" content=\"0;url=https://evil.example/\">",
    "<base href=\"https://evil.example/\"><link rel=stylesheet href=//evil.example/x.css>",
    "\" onmouseover=\"alert(13)\" x=\"",
    "' onfocus='alert(14)' autofocus '",
    "</title><script>alert(15)</script>",
    "</script><script>alert(16)</script>",
    "</textarea><img src=x onerror=alert(17)>",
    "<!--<script>alert(18)</script>-->",
    "<![CDATA[<script>alert(19)</script>]]>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(20)>",
    "<p style=\"background:url(javascript:alert(21))\">s</p>",
    "<div onclick=alert(22)>click</div>",
    "XSS{{ 7*7 }} {% if true %}XSS{{ '' }}JINJA{% endif %} {{ config }} {# c #} ${7*7} #{7*7}",
    "&lt;script&gt;alert(23)&lt;/script&gt;",
    "]]></summary><script>alert(24)</script>",
]
ONE_LINE = " ".join(PAYLOADS)
MARKDOWN = ONE_LINE + """

[x](javascript:alert(31)) [y](JaVaScRiPt:alert(32)) [z](data:text/html,<script>alert(33)</script>)
[v](vbscript:msgbox(34)) [w]( javascript:alert(35)) [e](&#x6A;avascript:alert(36))
![i](javascript:alert(37)) ![j](x" onerror="alert(38)) [k](https://ok.example/ "t\\" onmouseover=\\"alert(39)")

[ref][r1] ![img][r2]

[r1]: javascript:alert(40)
[r2]: data:image/svg+xml,<svg onload=alert(41)>

<details open ontoggle=alert(42)><summary>s</summary></details>

    <script>alert(43)</script>

```html
<script>alert(44)</script>
```
""" + "\n\n".join(PAYLOADS) + "\n"

URL_ATTRIBUTES = {"href", "src", "action", "formaction", "srcset", "data", "poster", "xlink:href"}
BAD_SCHEME = re.compile(r"^(javascript|vbscript|data):", re.IGNORECASE)
SCHEMAS = {"product.yaml": Product, "producer.yaml": Producer, "site.yaml": TourismSite}


def _spec(spec: Spec | type) -> Spec:
    return Spec("record", record=spec) if isinstance(spec, type) else spec


def fill(data: Any, spec: Spec | type, languages: tuple[str, ...], text: str = ONE_LINE) -> Any:
    """``data`` with every text and localized field the model declares set to the payloads:
    optional ones are added, so a field declared later is covered too."""
    spec = _spec(spec)
    if spec.kind == "localized":
        return {code: text for code in languages}
    if spec.kind == "text":
        return text
    if spec.kind == "record":
        assert spec.record is not None
        result = dict(data) if isinstance(data, dict) else {}
        for name, field in specs(spec.record).items():
            if name == "file":  # a photo's file name must name a file of the bundle
                continue
            if field.kind in ("localized", "text") or name in result:
                result[name] = fill(result.get(name), field, languages, text)
        return result
    if spec.kind == "list" and isinstance(data, list):
        assert spec.item is not None
        return [fill(item, spec.item, languages, text) for item in data]
    return data


def hostile_site(tmp_path: Path, text: str = ONE_LINE, markdown: str = MARKDOWN) -> Path:
    """The minimal site with the payloads (``text``, ``markdown``) in every text field and every
    Markdown file."""
    site = copy_site("minimal", tmp_path)
    add_photos(site, "alpha", {"photo.jpg": camera_jpeg(64, 48)})
    languages = ("vi", "en")
    config = yaml.safe_load((site / "site.yaml").read_text(encoding="utf-8"))
    config = fill(config, SiteConfig, languages, text)
    _dump(site / "site.yaml", config)
    for name, spec in (("places.yaml", Spec("list", item=Spec("record", record=Place))),
                       ("categories.yaml", Spec("list", item=Spec("record", record=Sector)))):
        path = site / "content" / name
        _dump(path, fill(yaml.safe_load(path.read_text(encoding="utf-8")), spec, languages, text))
    for section in ("products", "producers", "tourism"):
        for bundle in sorted((site / "content" / section).iterdir()):
            [main] = [p for p in bundle.iterdir() if p.name in SCHEMAS]
            data = fill(yaml.safe_load(main.read_text(encoding="utf-8")), SCHEMAS[main.name], languages, text)
            data.setdefault("shops", [{"name": text, "url": "https://shop.example.org/"}]) \
                if main.name == "product.yaml" else None
            data.setdefault("sources", [{"title": text, "url": "https://source.example.org/", "date": "2025-01-01"}])
            _dump(main, data)
            for code in languages:
                (bundle / f"{code}.md").write_text(markdown, encoding="utf-8")
    for bundle in sorted((site / "content/pages").iterdir()):
        for code in languages:
            (bundle / f"{code}.md").write_text("# " + text + "\n\n" + markdown, encoding="utf-8")
    return site


def _dump(path: Path, data: Any) -> None:
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=10_000), encoding="utf-8")


class Markup(HTMLParser):
    """Every element and attribute of a page, each inline script's text and the visible text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: Counter[str] = Counter()
        self.attributes: set[tuple[str, str]] = set()
        self.urls: list[tuple[str, str, str]] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self.text: list[str] = []
        self.http_equiv: list[str] = []
        self._script: dict[str, str | None] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags[tag] += 1
        for name, value in attrs:
            self.attributes.add((tag, name))
            if name in URL_ATTRIBUTES and value is not None:
                self.urls.append((tag, name, value))
        if tag == "meta":
            self.http_equiv.append((dict(attrs).get("http-equiv") or "").lower())
        if tag == "script":
            self._script = dict(attrs)
            self.scripts.append((self._script, ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._script = None

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            attrs, text = self.scripts[-1]
            self.scripts[-1] = (attrs, text + data)
        else:
            self.text.append(data)


def parsed(path: Path) -> Markup:
    parser = Markup()
    parser.feed(path.read_text(encoding="utf-8"))
    parser.close()
    return parser


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    """The minimal site built with plain text, and with the payloads, in every text field."""
    clean, _ = build_site(hostile_site(tmp_path_factory.mktemp("clean"), "Plain words", "Plain words.\n"))
    hostile, _ = build_site(hostile_site(tmp_path_factory.mktemp("hostile")))
    yield clean, hostile


def html_pages(output: Path) -> list[Path]:
    return sorted(p for p in output.rglob("*.html") if "pagefind" not in p.parts)


def test_the_payloads_reach_the_pages_as_text(builds: tuple[Path, Path]) -> None:
    _, hostile = builds
    for page in ("en/products/alpha/index.html", "vi/chu-the/co-so-binh/index.html", "en/tourism/cho-dem/index.html",
                 "en/about/index.html", "vi/index.html"):
        text = " ".join(parsed(hostile / page).text)
        assert "<script>alert(1)</script>" in text and "XSS{{ 7*7 }}" in text, page


def test_no_payload_survives_as_markup(builds: tuple[Path, Path]) -> None:
    clean, hostile = builds
    clean_attributes = set().union(*(parsed(p).attributes for p in html_pages(clean)))
    pages = html_pages(hostile)
    assert len(pages) == len(html_pages(clean)) > 20
    for path in pages:
        name = path.relative_to(hostile).as_posix()
        page, before = parsed(path), parsed(clean / name)
        assert page.attributes <= clean_attributes, f"{name}: {page.attributes - clean_attributes}"
        assert not {a for _, a in page.attributes if a.startswith("on")}, name
        for tag in ("script", "iframe", "style", "form", "input", "button", "object", "embed", "meta", "base",
                    "link", "svg", "math", "img", "details", "textarea", "title"):
            assert page.tags[tag] <= before.tags[tag], f"{name}: <{tag}>"
        for tag, attribute, value in page.urls:
            cleaned = re.sub(r"[\x00-\x20]", "", value)
            assert not BAD_SCHEME.match(cleaned), f"{name}: <{tag} {attribute}={value!r}>"
        assert "refresh" not in page.http_equiv, name
        for attrs, text in page.scripts:
            if attrs.get("type") == "application/ld+json":
                json.loads(text)  # the payload's "</script>" did not end the block early
            elif name == "404.html" and not attrs:  # its one inline script, allowed by its hash: the same as ever
                assert (attrs, text) in before.scripts, name
            else:
                assert "assets/" in str(attrs.get("src")) and not text.strip(), f"{name}: {attrs} {text[:80]}"


def test_templates_in_content_are_never_evaluated(builds: tuple[Path, Path]) -> None:
    _, hostile = builds
    for path in hostile.rglob("*"):
        if path.is_file() and path.suffix in (".html", ".xml", ".json", ".webmanifest", ".js", ".txt"):
            data = path.read_text(encoding="utf-8", errors="replace")
            assert "XSS49" not in data and "XSSJINJA" not in data, path


def test_feeds_sitemap_and_manifest_stay_well_formed(builds: tuple[Path, Path]) -> None:
    _, hostile = builds
    feeds = sorted(hostile.rglob("*.xml"))
    assert len(feeds) >= 3
    for path in feeds:
        root = ET.parse(path).getroot()  # raises on any markup broken open
        assert not [e for e in root.iter() if e.tag.endswith("script")], path
    titles = [e.text or "" for e in ET.parse(hostile / "en/feed.xml").getroot().iter("{http://www.w3.org/2005/Atom}title")]
    assert any("<script>alert(1)</script>" in t for t in titles)
    manifest = json.loads((hostile / "manifest.webmanifest").read_text(encoding="utf-8"))
    assert "<script>alert(1)</script>" in manifest["name"]


def test_no_payload_runs_in_a_browser(builds: tuple[Path, Path], page: Page) -> None:
    _, hostile = builds
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    with http_server(hostile) as base:
        for address in ("en/products/alpha/", "vi/chu-the/co-so-binh/", "en/tourism/cho-dem/", "en/about/",
                        "vi/", "en/products/"):
            page.goto(base + address)
            page.wait_for_load_state("load")
            page.mouse.move(100, 200)
            page.mouse.move(200, 400)
            page.wait_for_timeout(300)
            assert page.evaluate("document.querySelectorAll('iframe, object, embed, form[action*=evil]').length") == 0
    assert dialogs == []
    assert not [r for r in requests if "evil" in r]


@pytest.mark.parametrize("url", [
    "javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:alert(1)", "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)", "http://example.org/", "//evil.example/", "https://", "https://example.org/\ue000up\ue000",
])
@pytest.mark.parametrize(("file", "field", "line"), [
    ("content/products/alpha/product.yaml", "shops", "shops:\n  - name: Shop\n    url: {url}\n"),
    ("content/producers/hop-tac-xa-an/producer.yaml", "website", "website: {url}\n"),
    ("content/tourism/cho-dem/site.yaml", "sources",
     "sources:\n  - title: Source\n    date: 2025-01-01\n    url: {url}\n"),
])
def test_url_fields_refuse_every_scheme_but_https(file: str, field: str, line: str, url: str,
                                                  tmp_path: Path) -> None:
    site = copy_site("minimal", tmp_path)
    path = site / file
    kept = [x for x in path.read_text(encoding="utf-8").split("\n") if x and not x.startswith(f"{field}:")]
    if field == "shops":  # the fixture's own shops entry spans three lines
        text = path.read_text(encoding="utf-8")
        text = text.replace("shops:\n  - name: Example shop\n    url: https://shop.example.org/alpha\n", "")
    else:
        text = "\n".join(kept) + "\n"
        text = re.sub(r"^website: .*\n", "", text, flags=re.MULTILINE)
    path.write_text(text + line.format(url=json.dumps(url)), encoding="utf-8")
    with pytest.raises(SiteError) as caught:
        check(site)
    messages = [str(p) for p in caught.value.problems]
    assert len(messages) == 1 and messages[0].startswith(file + ":"), messages
    assert "https:// address" in messages[0] or "control character" in messages[0], messages


def test_the_marker_of_the_build_is_refused_in_text_fields(tmp_path: Path) -> None:
    site = copy_site("minimal", tmp_path)
    path = site / "content/products/alpha/product.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("Alpha fish sauce", "Alpha \ue000up\ue000x"),
                    encoding="utf-8")
    with pytest.raises(SiteError) as caught:
        check(site)
    assert [str(p) for p in caught.value.problems] == [
        "content/products/alpha/product.yaml:3: 'name.en' contains an invisible control character; retype it"]


def test_the_fixture_covers_every_text_field_of_the_schema() -> None:
    """Each text and localized field the schema declares is filled by ``fill`` (but a photo's file name)."""
    def texts(spec: Spec | type, key: str = "") -> set[str]:
        spec = _spec(spec)
        if spec.kind in ("localized", "text"):
            return {key}
        if spec.kind == "record":
            assert spec.record is not None
            return set().union(*(texts(f, f"{key}.{n}".lstrip(".")) for n, f in specs(spec.record).items()))
        if spec.kind == "list" and spec.item is not None:
            return texts(spec.item, key)
        return set()

    def filled(data: Any, key: str = "") -> set[str]:
        if data == ONE_LINE or (isinstance(data, dict) and data and all(v == ONE_LINE for v in data.values())
                                and set(data) <= {"vi", "en"}):
            return {key}
        if isinstance(data, dict):
            return set().union(*(filled(v, f"{key}.{k}".lstrip(".")) for k, v in data.items()))
        if isinstance(data, list):
            return set().union(*(filled(v, key) for v in data))
        return set()

    product = fill({"photos": [{"file": "a.jpg"}], "shops": [{"url": "https://a.b"}], "sources": [{}],
                    "recognition": {}, "price": {}},
                   Product, ("vi", "en"))
    assert filled(product) == texts(Product) - {"photos.file"}
