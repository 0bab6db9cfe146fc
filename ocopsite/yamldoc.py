"""YAML text into a ``Doc``: plain data with the line and column of every key and item.

YAML is composed into nodes, never constructed as arbitrary objects, so a content file cannot
run code. A syntax error is reported at its line, and what comes before it is still read (a
``partial`` Doc), so that one misplaced colon hides only the rest of its own file.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from ocopsite.errors import Problems

MAX_DEPTH = 20  # levels of nested lists and mappings in a YAML file
Key = tuple[str | int, ...]
PLAIN_TAGS = {f"tag:yaml.org,2002:{t}" for t in ("map", "seq", "str", "int", "float", "bool", "null", "timestamp")}


@dataclass(frozen=True)
class Doc:
    """A parsed YAML file: plain data plus the line and column of every key and item."""

    path: str
    data: Any
    lines: Mapping[Key, int] = field(repr=False, compare=False)
    spelled: Mapping[Key, str] = field(default_factory=dict, repr=False, compare=False)
    """How numbers and dates were written, so a text field keeps "0258 …" and "007" as typed."""
    columns: Mapping[Key, int] = field(default_factory=dict, repr=False, compare=False)
    """The column (from 0) where each key starts."""
    partial: bool = False
    """Read only up to a syntax error: what is missing may be in the part not read."""

    def line(self, *keys: str | int) -> int:
        """The line of ``keys`` or of its nearest enclosing value."""
        path: Key = tuple(keys)
        while path and path not in self.lines:
            path = path[:-1]
        return self.lines.get(path, 1)


class _SafeLoader(yaml.SafeLoader):
    """A safe loader that refuses aliases where they appear, before anything is expanded."""

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
            raise yaml.composer.ComposerError(None, None, "YAML aliases (*name) are not allowed", mark)
        return super().compose_node(parent, index)


class _Composer:
    """Turns YAML nodes into plain data, recording lines and duplicate keys; refuses tags."""

    def __init__(self, path: str, problems: Problems) -> None:
        self.path = path
        self.problems = problems
        self.lines: dict[Key, int] = {}
        self.columns: dict[Key, int] = {}
        self.spelled: dict[Key, str] = {}
        self.scalars = yaml.SafeLoader("")

    def value(self, node: yaml.Node, key: Key) -> Any:
        self.lines.setdefault(key, node.start_mark.line + 1)
        if node.tag not in PLAIN_TAGS:
            self.problems.error(self.path, node.start_mark.line + 1, f"YAML tags such as '{node.tag}' are not allowed")
            return None
        if isinstance(node, yaml.MappingNode):
            return self.mapping(node, key)
        if isinstance(node, yaml.SequenceNode):
            return [self.value(item, (*key, i)) for i, item in enumerate(node.value)]
        try:
            value = self.scalars.construct_object(node)
        except ValueError:  # a date-shaped value that is no date (2024-02-30): let validation say so
            return node.value
        if not isinstance(value, str) and value is not None:
            self.spelled[key] = node.value
        return value

    def mapping(self, node: yaml.MappingNode, key: Key) -> dict[Any, Any]:
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            name = self.scalars.construct_object(key_node) if isinstance(key_node, yaml.ScalarNode) else None
            if not isinstance(name, (str, int)) or isinstance(name, bool):
                self.problems.error(self.path, line, "a key must be a plain word")
                continue
            if name in result:
                first = self.lines[(*key, name)]
                self.problems.error(self.path, line, f"duplicate key '{name}' (first given on line {first})")
                continue
            self.lines[(*key, name)] = line
            self.columns[(*key, name)] = key_node.start_mark.column
            result[name] = self.value(value_node, (*key, name))
        return result


class _TooDeep(Exception):
    """Lists and mappings nested deeper than ``MAX_DEPTH``, at ``line``."""

    def __init__(self, line: int) -> None:
        super().__init__(line)
        self.line = line


def _shallow(events: Iterator[yaml.Event]) -> None:
    """Raise ``_TooDeep`` where collections nest deeper than ``MAX_DEPTH``. Parsing is iterative;
    composing is recursive (libyaml's composer crashes the interpreter at about 100,000 levels),
    so the depth is checked on the events before anything is composed."""
    depth = 0
    for event in events:
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise _TooDeep(event.start_mark.line + 1 if event.start_mark else 0)
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def _compose(text: str) -> yaml.Node | None:
    """Parse with libyaml's fast parser where possible. Text that might hold an anchor, or that
    libyaml rejects, goes to the pure-Python parser, which refuses aliases where they stand and
    words every error the same way."""
    fast = getattr(yaml, "CSafeLoader", None)
    if fast is not None and "&" not in text:
        try:
            _shallow(yaml.parse(text, Loader=fast))
            return yaml.compose(text, Loader=fast)
        except yaml.YAMLError:
            pass
    _shallow(yaml.parse(text, Loader=_SafeLoader))
    return yaml.compose(text, Loader=_SafeLoader)


def parse_yaml(path: str, text: str, problems: Problems) -> Doc | None:
    """Parse YAML text into a ``Doc``. On a syntax error, report it and return what the lines
    before it hold (a ``partial`` Doc), or None if they hold nothing usable."""
    try:
        return _composed(path, _compose(text), problems)
    except _TooDeep as exc:
        problems.error(path, exc.line, f"lists and mappings are nested more than {MAX_DEPTH} levels deep")
    except RecursionError:
        problems.error(path, 0, "YAML nested too deeply")
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        code = exc.character if isinstance(exc.character, int) else ord(exc.character)
        problems.error(path, line, f"contains a character that YAML does not allow (U+{code:04X})")
    except yaml.MarkedYAMLError as exc:
        line = _report_syntax(path, text, exc, problems)
        hostile = bool(exc.problem and exc.problem.startswith("YAML aliases"))
        return None if hostile else _before(path, text, line)
    except yaml.YAMLError as exc:
        problems.error(path, 0, f"YAML error: {exc}")
    return None


def _composed(path: str, node: yaml.Node | None, problems: Problems, partial: bool = False) -> Doc | None:
    if node is None:
        return Doc(path, None, {(): 1}, partial=partial)
    composer = _Composer(path, problems)
    try:
        data = composer.value(node, ())
    except RecursionError:
        problems.error(path, 0, "YAML nested too deeply")
        return None
    except yaml.constructor.ConstructorError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else 0
        problems.error(path, line, f"YAML value error: {exc.problem}")
        return None
    return Doc(path, data, composer.lines, composer.spelled, composer.columns, partial)


def _report_syntax(path: str, text: str, exc: yaml.MarkedYAMLError, problems: Problems) -> int:
    """Report a syntax error in plain words; returns its line."""
    mark = exc.problem_mark or exc.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark else (0, 0)
    if exc.problem and exc.problem.startswith("YAML aliases"):
        problems.error(path, line, exc.problem)
    elif exc.problem == "but found another document":
        problems.error(path, line, "a second YAML document starts here; a file holds one ('---' ends the first)")
    else:
        problems.error(path, line, f"YAML syntax error: {exc.problem or exc.context} (column {col})"
                                   f"{_hint(exc, text, line)}")
    return line


def _before(path: str, text: str, line: int) -> Doc | None:
    """What the lines before a syntax error hold, when they parse on their own."""
    head = "\n".join(text.splitlines()[:max(0, line - 1)])
    for _ in range(3):  # the error may start a line or two earlier than where it is found
        try:
            return _composed(path, _compose(head), Problems(), partial=True) if head else None
        except (yaml.YAMLError, _TooDeep, RecursionError):
            head = head.rpartition("\n")[0]
    return None


def _hint(exc: yaml.MarkedYAMLError, text: str, line: int) -> str:
    """Plain words for the YAML mistakes editors make most."""
    said = f"{exc.problem} {exc.context}"
    if "found character '\\t'" in said:
        return "; use spaces, not tabs, for indentation"
    indent = indentation_hint(text, line)
    if indent:
        return indent
    if "block" in said or "indentation" in said:
        return "; check the indentation: fields of the same level start in the same column"
    if "mapping values are not allowed" in said:
        return "; a text containing ': ' must be put in quotes"
    return ""


def _indent(text: str) -> int:
    return len(text) - len(text.lstrip(" "))


def _key_lines(lines: list[str], before: int) -> Iterator[tuple[int, str, int, str]]:
    """The lines above line ``before`` (1-based) that start a ``key:``, nearest first: their
    number, key, indentation and what follows the colon."""
    for number in range(before - 1, 0, -1):
        stripped = lines[number - 1].strip()
        if not stripped or stripped.startswith("#"):
            continue
        key, colon, rest = stripped.removeprefix("- ").partition(":")
        if colon and key and " " not in key.strip():
            yield number, key.strip(), _indent(lines[number - 1]), rest.split(" #")[0].strip()


def indentation_hint(text: str, line: int) -> str | None:
    """For a line indented deeper than the field above it (which already has its value): how
    far it is indented, and where the fields of its parent start."""
    lines = text.splitlines()
    if not 0 < line <= len(lines) or not lines[line - 1].strip():
        return None
    here = _indent(lines[line - 1])
    above = next(_key_lines(lines, line), None)
    if above is None or above[2] >= here or not above[3]:
        return None
    number, key, level, _ = above
    parent = next((p for p in _key_lines(lines, number) if p[2] < level), None)
    where = f"the fields of '{parent[1]}' (line {parent[0]})" if parent else "the top-level fields"
    return (f"; line {line} is indented {here} spaces, deeper than '{key}' on line {number}, which already has "
            f"its value: {where} are indented {level} spaces")
