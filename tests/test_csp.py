"""The Content-Security-Policy: sent by the generated ``_headers`` and repeated in a <meta> tag on
every page, it lets every kind of page work in a real browser with no violation reported."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hosting import SITE, catalogue_host, parse_rules
from playwright.sync_api import Browser, ConsoleMessage, Page

from conftest import BROWSER_TIME, browser_context

HEADER_ONLY = ("frame-ancestors", "report-uri", "sandbox")  # ignored by browsers in a <meta> tag
PRODUCT = "rong-nho-tach-nuoc-tri-tin"

# A page of every template, in English and Vietnamese, and what shows that it works.
PAGES = [
    ("en/", "home"), ("vi/", "home"), ("en/products/", "list"), (f"en/products/{PRODUCT}/", "product"),
    (f"vi/san-pham/{PRODUCT}/", "product"), ("en/producers/", "list"), ("en/producers/tri-tin/", "producer"),
    ("en/tourism/", "list"), ("en/tourism/lang-gom-bau-truc/", "tourism"), ("en/stars/", "stars"),
    ("en/stars/5/", "list"), ("en/categories/", "categories"), ("en/categories/gia-vi/", "list"),
    ("en/places/", "places"), ("vi/dia-phuong/ninh-phuoc/", "place"), ("en/statistics/", "statistics"),
    ("vi/thong-ke/", "statistics"), ("en/labels/tri-tin/", "labels"), ("en/ocop/", "free page"),
    ("vi/about/", "free page"),
]

WATCH = """
document.addEventListener("securitypolicyviolation", function (e) {
  window.cspViolation([e.violatedDirective, e.blockedURI, e.sourceFile, e.lineNumber].join(" "));
});
"""


def header_policy(output: Path) -> str:
    rules = dict(parse_rules((output / "_headers").read_text(encoding="utf-8")))
    return dict(rules[SITE + "*"])["Content-Security-Policy"]


class Head(HTMLParser):
    """The CSP <meta> tags of a page, and the tags before the first of them."""

    def __init__(self) -> None:
        super().__init__()
        self.policies: list[str] = []
        self.before: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "meta" and (values.get("http-equiv") or "").lower() == "content-security-policy":
            self.policies.append(values.get("content") or "")
        elif not self.policies and tag not in ("html", "head", "meta"):
            self.before.append(tag)


def test_every_page_carries_the_header_policy_in_a_meta_tag_before_any_resource(catalogue_output: Path) -> None:
    policy = header_policy(catalogue_output)
    directives = [d.strip() for d in policy.split(";")]
    scripts = next(d.split()[1:] for d in directives if d.startswith("script-src "))
    assert scripts[0] == "'self'" and len(scripts) == 3 and all(s.startswith("'sha256-") for s in scripts[1:])
    assert "unsafe" not in policy, "no 'wasm-unsafe-eval', 'unsafe-inline' or 'unsafe-eval'"
    assert "default-src 'none'" in directives and "frame-ancestors 'none'" in directives
    expected = "; ".join(d for d in directives if d.split()[0] not in HEADER_ONLY)
    pages = sorted(catalogue_output.rglob("*.html"))
    assert len(pages) > 100
    wrong = []
    for page in pages:
        head = Head()
        head.feed(page.read_text(encoding="utf-8"))
        if head.policies != [expected] or head.before:
            wrong.append(f"{page.relative_to(catalogue_output)}: {head.policies} after {head.before}")
    assert wrong == []


@pytest.fixture(scope="module")
def host(catalogue_output: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The catalogue at its sub-folder of base_url, on a host that sends the headers of _headers."""
    with catalogue_host(catalogue_output, tmp_path_factory.mktemp("host")) as (url, _):
        yield url


@pytest.fixture
def watched(browser: Browser) -> Iterator[tuple[Page, list[str]]]:
    """A phone whose every CSP violation, reported by event or on the console, is collected."""
    context = browser_context(browser, viewport={"width": 360, "height": 800}, has_touch=True, is_mobile=True,
                                  locale="en-US")
    violations: list[str] = []

    def report(text: str) -> None:
        violations.append(text)

    context.expose_function("cspViolation", report)
    context.add_init_script(WATCH)
    page = context.new_page()

    def console(message: ConsoleMessage) -> None:
        if "content security policy" in message.text.lower():
            violations.append(f"console: {message.text}")

    page.on("console", console)
    yield page, violations
    context.close()


def settle(page: Page) -> None:
    page.wait_for_load_state("load")
    page.evaluate("new Promise(function (done) { requestAnimationFrame(function () { setTimeout(done, 50); }); })")


def styled(page: Page) -> bool:
    """The stylesheet loaded and applies."""
    return bool(page.evaluate("""Array.from(document.styleSheets).some(function (s) {
        return s.href && s.href.indexOf('/assets/style.') > 0 && s.cssRules.length > 20; })"""))


def test_every_kind_of_page_works_under_the_policy(watched: tuple[Page, list[str]], host: str) -> None:
    page, violations = watched
    for path, kind in PAGES:
        response = page.goto(host + path)
        assert response is not None and response.status == 200, path
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"], path
        settle(page)
        assert styled(page), path
        assert page.evaluate("typeof window.ocopsite") == "object", f"{path}: site.js did not run"
        if kind == "product":
            status = page.locator(".status-line .status")
            assert status.get_attribute("data-status") and status.inner_text(), path
        assert violations == [], path


@pytest.mark.parametrize(("path", "query"), [("en/search/", "rong nho"), ("vi/tim-kiem/", "nước mắm")])
def test_search_finds_products_under_the_policy(watched: tuple[Page, list[str]], host: str,
                                                path: str, query: str) -> None:
    page, violations = watched
    page.goto(host + path)
    page.locator("#q").fill(query)
    try:
        page.locator("#search-results li").first.wait_for(timeout=20000)  # (wait_for_function would need eval)
    finally:
        assert violations == []  # the reason why no result came, if that is it
    assert page.locator("#search-count").inner_text()
    settle(page)
    assert violations == []


def test_language_choice_short_links_and_404_work_under_the_policy(watched: tuple[Page, list[str]],
                                                                    host: str) -> None:
    page, violations = watched
    # The root and short links open the reader's language after a moment (a timer): the clock
    # stands still until the test moves it, so that the choice can be clicked first on any machine.
    page.clock.install(time=BROWSER_TIME)
    page.clock.pause_at(BROWSER_TIME + dt.timedelta(seconds=1))
    page.goto(host)  # the root: choose a language, which site.js remembers
    page.wait_for_load_state("load")
    assert styled(page)
    page.get_by_role("link", name="Read in English").click()
    page.wait_for_url(host + "en/")
    page.goto(host)
    page.clock.run_for(1000)
    page.wait_for_url(host + "en/")  # site.js ran on the root page and sent the reader on
    page.goto(host + f"p/{PRODUCT}/")  # a short link: site.js opens the reader's language
    page.clock.run_for(1000)
    page.wait_for_url(host + f"en/products/{PRODUCT}/")
    response = page.goto(host + "no/such/page/")
    assert response is not None and response.status == 404
    page.wait_for_load_state("load")
    page.clock.run_for(100)
    assert page.evaluate("getComputedStyle(document.querySelector('main')).maxWidth") == "640px", "its own styles"
    assert page.get_by_role("link", name="Search the catalogue").get_attribute("href") == \
        host.removeprefix(host.split("/", 3)[0] + "//" + host.split("/", 3)[2]) + "en/search/", "its script ran"
    assert violations == []
