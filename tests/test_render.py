"""The template environment: what a template calls gets what Jinja would give it, through the
short way that plain functions, methods, macros and UI strings take, and the long way that the
rest does."""

from __future__ import annotations

import jinja2
import pytest
from babel import Locale

from ocopsite.i18n import Strings
from ocopsite.render import TrackingEnvironment


class Greeter:
    def hello(self, name: str) -> str:
        return f"hello {name}"

    @jinja2.pass_context
    def where(self, context: jinja2.runtime.Context) -> str:
        return str(context["page"])


class Callable_:
    @jinja2.pass_environment
    def __call__(self, environment: jinja2.Environment) -> str:
        return type(environment).__name__


@jinja2.pass_context
def page_of(context: jinja2.runtime.Context, suffix: str = "") -> str:
    return f"{context['page']}{suffix}"


@jinja2.pass_eval_context
def autoescaping(eval_context: jinja2.nodes.EvalContext) -> str:
    return str(eval_context.autoescape)


def exhausted() -> str:
    raise StopIteration


TEMPLATE = """\
{%- macro box(x) %}[{{ x }}{{ caller() if caller }}]{% endmacro -%}
{{ plain(1, b=2) }}|{{ greeter.hello("you") }}|{{ greeter.where() }}|{{ page_of("!") }}|
{%- for i in range(2) %}{{ page_of(i) }}{{ plain(i, b=1) }}{% endfor %}|
{%- block inside %}{% set j = 5 %}{{ plain(j, b=1) }}{{ page_of(j) }}{% endblock %}|{{ autoescaping() }}|{{ calls() }}|
{%- call box(3) %}inner{% endcall %}|{{ box(4) }}|{{ exhausted() is undefined }}|{{ t("hi", name="<b>") }}"""


@pytest.mark.parametrize("watching", [False, True], ids=["clean build", "serve, recording reads"])
def test_every_kind_of_callable_gets_what_jinja_would_give_it(watching: bool) -> None:
    environment = TrackingEnvironment(loader=jinja2.DictLoader({"t.html": TEMPLATE}), autoescape=True)
    if watching:
        environment.watch()
    strings = Strings("en", {"hi": "Hi {name}"}, {}, Locale("en"))
    page = environment.get_template("t.html").render(
        plain=lambda a, b: a + b, greeter=Greeter(), page_of=page_of, autoescaping=autoescaping,
        calls=Callable_(), exhausted=exhausted, page="p/x/", t=strings)
    assert page == ("3|hello you|p/x/|p/x/!|p/x/01p/x/12|6p/x/5|True|TrackingEnvironment|[3inner]|[4]|True|"
                    "Hi &lt;b&gt;")
