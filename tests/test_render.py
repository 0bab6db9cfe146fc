"""The template environment: what a template calls gets what Jinja would give it, through the
short way that plain functions, methods and UI strings take, and the long way that the rest
does; and ``serve`` records what a page reads, even through templates compiled before."""

from __future__ import annotations

from typing import Any

import jinja2
import pytest
from babel import Locale

from ocopsite.i18n import Strings
from ocopsite.render import TrackingEnvironment


class Greeter:
    def hello(self, name: str) -> str:
        return f"hello <{name}>"

    @jinja2.pass_context
    def where(self, context: jinja2.runtime.Context) -> str:
        return str(context["page"])


class CallableClass:
    @jinja2.pass_environment
    def __call__(self, environment: jinja2.Environment) -> str:
        return str(environment.trim_blocks)


@jinja2.pass_context
def page_of(context: jinja2.runtime.Context, suffix: object = "") -> str:
    return f"{context['page']}{suffix}"


@jinja2.pass_eval_context
def autoescaping(eval_context: jinja2.nodes.EvalContext) -> str:
    return str(eval_context.autoescape)


def exhausted() -> str:
    raise StopIteration


TEMPLATES = {
    "page.html": """\
{%- import "text.txt" as text -%}
{%- import "marks.html" as marks -%}
{%- macro box(x) %}[{{ x }}{{ caller() if caller }}]{% endmacro -%}
{{ plain(1, b=2) }}|{{ greeter.hello("you") }}|{{ greeter.where() }}|{{ page_of("!") }}|
{%- for i in range(2) %}{{ page_of(i) }}{{ plain(i, b=1) }}{% endfor %}|
{%- block inside %}{% set j = 5 %}{{ plain(j, b=1) }}{{ page_of(j) }}{% endblock %}|
{{- autoescaping() }}|{{ calls() }}|{% call box(3) %}in<ner>{% endcall %}|{{ box("<4>") }}|
{{- exhausted() is undefined }}|{{ t("hi", name="<b>") }}|{{ t("plain") }}|{{ text.link("/x?a=1&b") }}|
{%- autoescape false %}{{ marks.amp()|e }}{{ marks.amp() }}{% endautoescape %}|
{{- cat.a }}{{ cat["k"] }}{{ marks.read(cat) }}{{ [cat]|map(attribute="c")|join }}""",
    "text.txt": "{% macro link(u) %}<a href='{{ u }}'>x</a>{% endmacro %}",
    "marks.html": "{% macro amp() %}R&D{% endmacro %}{% macro read(c) %}{{ c.b }}{% endmacro %}",
}


class Catalogue:
    a, b, c = "A", "B", "C"

    def __getitem__(self, key: str) -> str:
        return key.upper()


def _render(environment: jinja2.Environment, catalogue: Catalogue) -> str:
    strings = Strings("en", {"hi": "Hi {name}", "plain": "a & b"}, {}, Locale("en"))
    return environment.get_template("page.html").render(
        plain=lambda a, b: a + b, greeter=Greeter(), page_of=page_of, autoescaping=autoescaping,
        calls=CallableClass(), exhausted=exhausted, page="p/x/", t=strings, cat=catalogue)


def _environment(kind: type[jinja2.Environment]) -> Any:
    return kind(loader=jinja2.DictLoader(TEMPLATES), autoescape=jinja2.select_autoescape(["html"]),
                trim_blocks=True)


@pytest.mark.parametrize("watching", [False, True], ids=["clean build", "serve, recording reads"])
def test_every_kind_of_callable_gets_what_jinja_would_give_it(watching: bool) -> None:
    expected = _render(_environment(jinja2.Environment), Catalogue())
    # A macro's output is escaped, or not, as where it is called: a text macro in an HTML page,
    # an HTML macro where autoescaping is off.
    assert "hello &lt;you&gt;" in expected and "<a href='/x?a=1&b'>x</a>" in expected
    assert "R&amp;DR&D" in expected and "[3in<ner>]" in expected
    environment = _environment(TrackingEnvironment)
    catalogue = Catalogue()
    environment.watched = {id(catalogue): ("cat",)}
    if watching:
        environment.get_template("page.html")  # compiled before reads are recorded, as in serve
        environment.watch()
    assert _render(environment, catalogue) == expected
    if watching:
        assert {("cat", "a"), ("cat", "b"), ("cat", "c"), ("cat", "k")} <= environment.reads
    else:
        assert environment.reads is None
