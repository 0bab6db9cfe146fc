"""Step 1, load: read the site's files into raw records that remember line numbers.

Nothing here knows what a field means; ``validate`` does. YAML is composed into
nodes (never constructed as arbitrary objects), so a content file cannot run code,
and every value keeps the line it came from.
"""

from __future__ import annotations

import functools
import hashlib
import os
import stat
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

import yaml

from ocopsite import parallel
from ocopsite.errors import Problem, Problems

# Limits on what one content file may hold (docs/content-format.md, "Limits"): far above any real
# file, low enough that a hostile one cannot exhaust memory or time.
MAX_YAML_BYTES = 500_000
MAX_MARKDOWN_BYTES = 200_000
MAX_DEPTH = 20  # levels of nested lists and mappings in a YAML file
BUNDLE_FILES = {"products": "product.yaml", "producers": "producer.yaml", "tourism": "site.yaml", "pages": ""}

Key = tuple[str | int, ...]


@dataclass(frozen=True)
class Doc:
    """A parsed YAML file: plain data plus the line of every key and item."""

    path: str
    data: Any
    lines: Mapping[Key, int] = field(repr=False, compare=False)
    spelled: Mapping[Key, str] = field(default_factory=dict, repr=False, compare=False)
    """How numbers and dates were written, so a text field keeps "0258 …" and "007" as typed."""

    def line(self, *keys: str | int) -> int:
        """The line of ``keys`` or of its nearest enclosing value."""
        path: Key = tuple(keys)
        while path and path not in self.lines:
            path = path[:-1]
        return self.lines.get(path, 1)


@dataclass(frozen=True)
class Text:
    """A Markdown file."""

    path: str
    text: str


@dataclass(frozen=True)
class Bundle:
    """One folder of ``content/products``, ``producers``, ``tourism`` or ``pages``."""

    section: str
    slug: str
    folder: str
    doc: Doc | None
    texts: Mapping[str, Text]
    files: Mapping[str, bytes]
    digest: bytes = field(default=b"", compare=False)
    """Of the name and text of each YAML and Markdown file and the name and first bytes of each
    other file: equal exactly when all of those are (``RawSite.digest``)."""


@dataclass(frozen=True)
class RawSite:
    """Everything read from disk, before validation."""

    root: Path
    config: Doc | None
    places: Doc | None
    categories: Doc | None
    bundles: tuple[Bundle, ...]
    ui: Mapping[str, Doc]
    digest: str = field(default="", compare=False)
    """Of the name and text of every file read (YAML, Markdown, the first bytes of other files):
    equal for equal sources, on any machine, whatever the files' dates."""


K = TypeVar("K")
V = TypeVar("V")
RACY_NS = 2_000_000_000  # a file changed this close to when it was read may have changed again unseen


class Memo(Generic[K, V]):
    """Results kept from one build for the next (``serve``). What a build uses is kept for the
    next one; the rest is forgotten, so memory follows the site, not the number of edits."""

    def __init__(self) -> None:
        self.last: dict[K, V] = {}
        self.now: dict[K, V] = {}

    def get(self, key: K) -> V | None:
        if key in self.now:
            return self.now[key]
        if key in self.last:
            self.now[key] = self.last[key]
            return self.now[key]
        return None

    def put(self, key: K, value: V) -> V:
        self.now[key] = value
        return value

    def carry(self) -> None:
        """Keep for the next build all that was kept for this one (what this build does not look
        up is then still known: see ``catalogue.update_catalogue``)."""
        self.now.update((key, value) for key, value in self.last.items() if key not in self.now)

    def drop(self, key: K) -> None:
        self.now.pop(key, None)

    def next_build(self) -> None:
        self.last, self.now = self.now, {}


R = TypeVar("R")
Reported = Memo[Any, tuple[Any, list[Problem], Any]]


def remembered(memo: Reported | None, key: Any, problems: Problems, compute: Callable[[Problems], R],
               keep: Any = None) -> R:
    """``compute(problems)``, or, with a ``memo`` that has it under ``key`` from the last build,
    its result then, the problems it found then being reported again. ``keep`` is held with the
    result (an object whose identity is part of ``key`` must outlive it)."""
    if memo is None:
        return compute(problems)
    found = memo.get(key)
    if found is None:
        own = Problems()
        found = memo.put(key, (compute(own), own.items, keep))
    problems.items.extend(found[1])
    return found[0]  # type: ignore[no-any-return]


@dataclass(frozen=True)
class Memos:
    """What ``load`` keeps between builds: each file's text by its stat signature, and each
    YAML text's parse (with the problems it reported)."""

    texts: Memo[str, tuple[tuple[int, ...], str, int]] = field(default_factory=Memo)
    yaml: Reported = field(default_factory=Memo)
    bundles: Memo[str, tuple[list[tuple[str, int, int, int, int, int]], bool, Bundle, list[Problem]]] = field(
        default_factory=Memo)
    """Each bundle by its folder, with the listing and ``lstat`` of its files when it was read, and
    whether those may be trusted."""


def load_site(root: Path, problems: Problems, memos: Memos | None = None) -> RawSite:
    """Read ``site.yaml``, ``content/`` and the UI strings under ``templates/i18n``. With
    ``memos``, a file whose inode, size, modification and change times are those seen last time
    (and not too recent to trust them) is not read again, and a YAML text parsed before is not
    parsed again (its problems are reported again)."""
    if not (root / "site.yaml").is_file():
        problems.error(str(root / "site.yaml"), 0, "not found: is this a site folder?")
        problems.raise_if_errors()
    root = root.resolve()
    reader = _Reader(root, problems, memos)
    bundles = reader.all_bundles()
    ui_dir = root / "templates" / "i18n"
    digest = hashlib.sha256()
    ui = {p.stem: d for p in sorted(ui_dir.glob("*.yaml")) if (d := reader.yaml(p, digest=digest)) is not None}
    config = reader.yaml(root / "site.yaml", required=True, digest=digest)
    places = reader.yaml(root / "content" / "places.yaml", required=True, digest=digest)
    categories = reader.yaml(root / "content" / "categories.yaml", required=True, digest=digest)
    for bundle in bundles:
        digest.update(bundle.digest)
    return RawSite(root=root, config=config, places=places, categories=categories, bundles=tuple(bundles), ui=ui,
                   digest=digest.hexdigest())


class _Reader:
    def __init__(self, root: Path, problems: Problems, memos: Memos | None = None) -> None:
        self.root = root
        self.prefix = len(str(root)) + 1
        self.problems = problems
        self.memos = memos

    def rel(self, path: Path) -> str:
        return str(path)[self.prefix:].replace(os.sep, "/")

    def read(self, path: Path, limit: int, info: os.stat_result | None = None) -> str | None:
        """The text of a file inside the site, at most ``limit`` bytes, or None after reporting why not.
        ``info``: the file's ``lstat``, when the caller has it already."""
        signature = None
        if self.memos is not None:
            if info is None:
                try:
                    info = os.lstat(path)
                except OSError:
                    info = None
            if info is not None and stat.S_ISREG(info.st_mode):
                signature = (info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)
                known = self.memos.texts.get(str(path))
                if known is not None and known[0] == signature and _settled(info.st_mtime_ns, info.st_ctime_ns,
                                                                            known[2]):
                    return known[1]
        name = self.rel(path)
        if not self.plain_file(path) or not self.inside(path):
            return None
        read_at = time.time_ns()
        data = self.raw(path, limit)
        if data is None:
            return None
        text = decode(name, data, self.problems)
        if text is not None and self.memos is not None and signature is not None:
            self.memos.texts.put(str(path), (signature, text, read_at))
        return text

    def raw(self, path: Path, limit: int) -> bytes | None:
        """The bytes of a regular file, refused unread when larger than ``limit``."""
        name = self.rel(path)
        try:
            # O_NONBLOCK: opening a pipe would otherwise wait for a writer; no effect on a file
            with open(os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)), "rb", buffering=0) as stream:
                info = os.fstat(stream.fileno())
                if not stat.S_ISREG(info.st_mode):  # a pipe or a device could block or never end
                    self.problems.error(name, 0, "is not a regular file")
                    return None
                data = stream.read(limit + 1) if info.st_size <= limit else b""
            if info.st_size > limit or len(data) > limit:
                self.problems.error(name, 0, f"is larger than the limit of {limit // 1000:,} KB for this kind of file")
                return None
            return data
        except IsADirectoryError:
            self.problems.error(name, 0, "is a folder, not a file")
        except (OSError, RuntimeError) as exc:
            self.problems.error(name, 0, f"cannot be read: {getattr(exc, 'strerror', None) or exc}")
        return None

    def plain_file(self, path: Path, symlink: bool | None = None) -> bool:
        """Content is read from regular files only: a symlink could lead anywhere (.git, ~/.ssh).
        ``symlink``: whether ``path`` is one, when the caller knows already."""
        if path.is_symlink() if symlink is None else symlink:
            self.problems.error(self.rel(path), 0, "is a symbolic link; put the file itself here")
            return False
        return True

    def inside(self, path: Path) -> bool:
        """A file is read only if no folder on its way from the site folder is a symbolic link."""
        folder = path.parent
        while folder != self.root and len(str(folder)) > len(str(self.root)):
            if folder.is_symlink():
                self.problems.error(self.rel(path), 0, f"is inside '{self.rel(folder)}', a symbolic link; "
                                    "content must be plain files and folders inside the site")
                return False
            folder = folder.parent
        return True

    def yaml(self, path: Path, required: bool = False, digest: Any = None) -> Doc | None:
        """Parse a YAML file, reporting syntax errors and duplicate keys. ``digest``: a hash to
        update with the file's name and text."""
        try:
            info = os.lstat(path)  # a symbolic link is found here, and refused by ``read``
        except OSError:
            if required:
                self.problems.error(self.rel(path), 0, "file is missing")
            return None
        name = self.rel(path)
        text = self.read(path, MAX_YAML_BYTES, info)
        if text is None:
            return None
        if digest is not None:
            _hash(digest, name, text)
        memo = self.memos.yaml if self.memos else None
        return remembered(memo, (name, text), self.problems, lambda problems: parse_yaml(name, text, problems))

    def all_bundles(self) -> list[Bundle]:
        """Every bundle of every section. A clean build reads them on every core; with memos
        (``serve``), most are not read at all, so they are read here."""
        folders = [(section, folder) for section in BUNDLE_FILES for folder in self.folders(section)]
        if self.memos is not None:
            return [self.bundle(section, folder) for section, folder in folders]
        found = []
        for bundle, problems in parallel.run([functools.partial(_read_bundle, self.root, s, f) for s, f in folders]):
            self.problems.items.extend(problems)
            found.append(bundle)
        return found

    def folders(self, section: str) -> list[str]:
        folder = self.root / "content" / section
        if not self.inside(folder) or not self.plain_file(folder) or not folder.is_dir():
            return []
        found = []
        for entry in _listing(folder):  # what each entry is comes with the listing: no stat for it
            if entry.name.startswith("."):
                continue
            if entry.is_symlink():
                self.plain_file(Path(entry.path), symlink=True)  # refused, and said why
            elif not entry.is_dir(follow_symlinks=False):
                self.problems.error(self.rel(Path(entry.path)), 0,
                                    f"content/{section}/ holds only folders, one per bundle")
            else:
                found.append(entry.path)
        return found

    def bundle(self, section: str, folder: str) -> Bundle:
        """A bundle, read. With memos, the very same Bundle as last time when the folder lists the
        same files with the same ``lstat`` signatures (none too recent to trust), its problems then
        being reported again: a bundle's files are then not even opened."""
        if self.memos is None:
            return self.read_bundle(section, Path(folder), _listing(folder))
        with os.scandir(folder) as entries:
            listing = list(entries)  # in the folder's own order: a new order only costs a reading
        signature = []
        for entry in listing:
            if entry.name.startswith("."):  # never read (an editor's swap file, say)
                continue
            try:
                info = entry.stat(follow_symlinks=False)
            except FileNotFoundError:  # gone since the listing: as if not listed
                continue
            signature.append((entry.name, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_mode))
        known = self.memos.bundles.get(folder)
        if known is not None and known[1] and known[0] == signature:
            self.problems.items.extend(known[3])
            return known[2]
        read_at = time.time_ns()
        own = Problems()
        listed = {name for name, *_ in signature}
        found = _Reader(self.root, own, self.memos).read_bundle(
            section, Path(folder), sorted((e for e in listing if e.name in listed), key=lambda e: e.name))
        if known is not None and known[2].digest == found.digest:
            found = known[2]  # read again, but every text is the same: the same object
        self.problems.items.extend(own.items)
        trusted = all(_settled(mtime, ctime, read_at) for _, _, _, mtime, ctime, _ in signature)
        self.memos.bundles.put(folder, (signature, trusted, found, own.items))
        return found

    def read_bundle(self, section: str, folder: Path, listing: list[os.DirEntry[str]]) -> Bundle:
        main = BUNDLE_FILES[section]
        digest = hashlib.sha256()
        doc = self.yaml(folder / main, required=True, digest=digest) if main else None
        texts: dict[str, Text] = {}
        files: dict[str, bytes] = {}
        for entry in listing:
            if entry.name.startswith(".") or entry.name == main or entry.is_dir(follow_symlinks=False):
                continue
            path = Path(entry.path)
            if entry.name.endswith(".md"):
                info = entry.stat(follow_symlinks=False) if self.memos is not None else None
                text = self.read(path, MAX_MARKDOWN_BYTES, info)
                if text is not None and text.strip():  # an empty file is a missing text
                    texts[entry.name[:-3]] = Text(self.rel(path), text)
                    _hash(digest, texts[entry.name[:-3]].path, text)
            elif (head := self.head(path)) is not None:
                files[entry.name] = head
                _hash(digest, entry.name, head)
        return Bundle(section, folder.name, self.rel(folder), doc, texts, files, digest.digest())

    def head(self, path: Path) -> bytes | None:
        """The first bytes of a file of the bundle (enough to tell an image), if it may be used."""
        if not self.plain_file(path):
            return None
        try:
            if not stat.S_ISREG(os.stat(path).st_mode):  # opening a pipe would wait for a writer
                self.problems.error(self.rel(path), 0, "is not a regular file")
                return None
            with path.open("rb") as stream:
                return stream.read(16)
        except (OSError, RuntimeError) as exc:
            self.problems.error(self.rel(path), 0, f"cannot be read: {getattr(exc, 'strerror', None) or exc}")
        return None


def _settled(mtime_ns: int, ctime_ns: int, read_at: int) -> bool:
    """Whether a file read at ``read_at`` can be known unchanged by its dates from then on: only
    if it did not change in the moments before (``RACY_NS``). The change time counts too, since a
    copy may keep an old modification time."""
    return max(mtime_ns, ctime_ns) < read_at - RACY_NS


def _hash(digest: Any, name: str, text: str | bytes) -> None:
    data = text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass")
    digest.update(b"%s\0%s\0" % (name.encode(), data))


def _listing(folder: Path | str) -> list[os.DirEntry[str]]:
    """The entries of a folder, by name."""
    with os.scandir(folder) as entries:
        return sorted(entries, key=lambda entry: entry.name)


def decode(name: str, data: bytes, problems: Problems) -> str | None:
    """UTF-8 text (a byte-order mark is dropped), or None after saying, with the line, why not."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        problems.error(name, 0, "is UTF-16 text; save it as UTF-8")
        return None
    if b"\x00" in data:
        line = data.count(b"\n", 0, data.index(b"\x00")) + 1
        problems.error(name, line, "contains NUL bytes: this is not a text file")
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        problems.error(name, line, "is not UTF-8 text; save it as UTF-8")
    return None


def _read_bundle(root: Path, section: str, folder: str) -> tuple[Bundle, list[Problem]]:
    """One bundle, read in a worker process, with the problems found reading it."""
    problems = Problems()
    return _Reader(root, problems).bundle(section, folder), problems.items


PLAIN_TAGS = {f"tag:yaml.org,2002:{t}" for t in ("map", "seq", "str", "int", "float", "bool", "null", "timestamp")}


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
        self.spelled: dict[Key, str] = {}
        self.scalars = yaml.SafeLoader("")

    def value(self, node: yaml.Node, key: Key) -> Any:
        self.lines[key] = node.start_mark.line + 1
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
            result[name] = self.value(value_node, (*key, name))
            self.lines[(*key, name)] = line
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


def _hint(exc: yaml.MarkedYAMLError) -> str:
    """Plain words for the YAML mistakes editors make most."""
    text = f"{exc.problem} {exc.context}"
    if "block" in text or "indentation" in text:
        return "; check the indentation: fields of the same level start in the same column"
    if "mapping values are not allowed" in text:
        return "; a text containing ': ' must be put in quotes"
    if "found character '\\t'" in text:
        return "; use spaces, not tabs, for indentation"
    return ""


def parse_yaml(path: str, text: str, problems: Problems) -> Doc | None:
    """Parse YAML text into a ``Doc``; report and return None on syntax errors."""
    try:
        node = _compose(text)
    except _TooDeep as exc:
        problems.error(path, exc.line, f"lists and mappings are nested more than {MAX_DEPTH} levels deep")
        return None
    except RecursionError:
        problems.error(path, 0, "YAML nested too deeply")
        return None
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        code = exc.character if isinstance(exc.character, int) else ord(exc.character)
        problems.error(path, line, f"contains a character that YAML does not allow (U+{code:04X})")
        return None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        if exc.problem and exc.problem.startswith("YAML aliases"):
            problems.error(path, line, exc.problem)
            return None
        if exc.problem == "but found another document":
            problems.error(path, line, "a second YAML document starts here; a file holds one ('---' ends the first)")
            return None
        problems.error(path, line, f"YAML syntax error: {exc.problem or exc.context} (column {col}){_hint(exc)}")
        return None
    except yaml.YAMLError as exc:
        problems.error(path, 0, f"YAML error: {exc}")
        return None
    if node is None:
        return Doc(path, None, {(): 1})
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
    return Doc(path, data, composer.lines, composer.spelled)
