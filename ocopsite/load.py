"""Step 1, load: read the site's files into raw documents that remember their lines.

Nothing here knows what a field means; ``validate`` does. Every file is read as it is now, and
parsed again only when its text differs from one parsed before (``cache``, by digest). Content
is read with care, since anyone can propose a change: only plain UTF-8 files inside the site,
within size limits, and no symbolic links (docs/content-format.md, "Limits").
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ocopsite.cache import Cache, digest
from ocopsite.errors import Problem, Problems
from ocopsite.yamldoc import Doc, parse_yaml

MAX_YAML_BYTES = 500_000
MAX_MARKDOWN_BYTES = 200_000
BUNDLE_FILES = {"products": "product.yaml", "producers": "producer.yaml", "tourism": "site.yaml", "pages": ""}
HEAD = 16  # bytes read of a bundle's other files: enough to tell an image


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
    files: Mapping[str, bytes | None]  # the other files, by name, with their first bytes (None: refused)
    digest: str  # of every name, text and first bytes above: equal exactly when they are


@dataclass(frozen=True)
class RawSite:
    """Everything read from disk, before validation."""

    root: Path
    config: Doc | None
    places: Doc | None
    categories: Doc | None
    synonyms: Doc | None
    bundles: tuple[Bundle, ...]
    ui: Mapping[str, Doc]


def load_site(root: Path, problems: Problems, cache: Cache) -> RawSite:
    """Read ``site.yaml``, ``content/`` and the UI strings under ``templates/i18n``."""
    if not (root / "site.yaml").is_file():
        problems.error(str(root / "site.yaml"), 0, "not found: is this a site folder?")
        problems.raise_if_errors()
    reader = _Reader(root.resolve(), problems, cache)
    ui_dir = reader.root / "templates" / "i18n"
    ui = {p.stem: d for p in sorted(ui_dir.glob("*.yaml")) if (d := reader.yaml(p)) is not None}
    content = reader.root / "content"
    return RawSite(
        root=reader.root,
        config=reader.yaml(reader.root / "site.yaml", required=True),
        places=reader.yaml(content / "places.yaml", required=True),
        categories=reader.yaml(content / "categories.yaml", required=True),
        synonyms=reader.yaml(content / "synonyms.yaml"),
        bundles=tuple(reader.bundle(section, folder) for section in BUNDLE_FILES for folder in reader.folders(section)),
        ui=ui,
    )


class _Reader:
    def __init__(self, root: Path, problems: Problems, cache: Cache) -> None:
        self.root = root
        self.prefix = len(str(root)) + 1
        self.problems = problems
        self.cache = cache
        self.plain_folders: set[str] = set()  # folders inside the root, none of them or above a link

    def rel(self, path: Path | str) -> str:
        return str(path)[self.prefix:].replace(os.sep, "/")

    def yaml(self, path: Path, required: bool = False) -> Doc | None:
        return self.parsed(path, required)[0]

    def parsed(self, path: Path | str, required: bool = False,
               entry: os.DirEntry[str] | None = None) -> tuple[Doc | None, str]:
        """A YAML file parsed (again only if its text changed), its problems reported; and its text.
        ``entry``: the file as its folder's listing gave it, if it did (its type is then known)."""
        if entry is None and not os.path.lexists(path):
            if required:
                self.problems.error(self.rel(path), 0, "file is missing")
            return None, ""
        text = self.text(path, MAX_YAML_BYTES, entry)
        if text is None:
            return None, ""
        name = self.rel(path)

        def parse() -> tuple[Doc | None, list[Problem]]:
            own = Problems()
            return parse_yaml(name, text, own), own.items

        doc, problems = self.cache.kept("yaml", digest(name, text), parse)
        self.problems.items.extend(problems)
        return doc, text

    def text(self, path: Path | str, limit: int, entry: os.DirEntry[str] | None = None) -> str | None:
        """A file's text, or None after reporting why it cannot be read."""
        data = self.raw(path, limit, entry)
        return None if data is None else decode(self.rel(path), data, self.problems)

    def raw(self, path: Path | str, limit: int | None, entry: os.DirEntry[str] | None = None) -> bytes | None:
        """The bytes of a plain file inside the site (at most ``limit``, or the first ``HEAD``)."""
        name = self.rel(path)
        if not self.plain(path, entry):
            return None
        try:
            # O_NONBLOCK: opening a pipe would otherwise wait for a writer; no effect on a file
            with open(os.open(path, os.O_RDONLY | os.O_NONBLOCK), "rb", buffering=0) as stream:
                info = os.fstat(stream.fileno())
                if not stat.S_ISREG(info.st_mode):  # a pipe or a device could block or never end
                    self.problems.error(name, 0, "is not a regular file")
                    return None
                if limit is None:
                    return stream.read(HEAD)
                data = stream.read(limit + 1) if info.st_size <= limit else b""
        except IsADirectoryError:
            self.problems.error(name, 0, "is a folder, not a file")
            return None
        except (OSError, RuntimeError) as exc:
            self.problems.error(name, 0, f"cannot be read: {getattr(exc, 'strerror', None) or exc}")
            return None
        if info.st_size > limit or len(data) > limit:
            self.problems.error(name, 0, f"is larger than the limit of {limit // 1000:,} KB for this kind of file")
            return None
        return data

    def plain(self, path: Path | str, entry: os.DirEntry[str] | None = None) -> bool:
        """Content is read from regular files only, none of them a symbolic link or inside one:
        a link could lead anywhere (.git, ~/.ssh). A folder found plain up to the site's root
        is not looked at again in this reading. (A listing's ``entry`` knows if it is a link.)"""
        if entry.is_symlink() if entry is not None else os.path.islink(path):
            self.problems.error(self.rel(path), 0, "is a symbolic link; put the file itself here")
            return False
        folder, looked = os.path.dirname(path), []
        while len(folder) > self.prefix - 1 and folder not in self.plain_folders:
            if os.path.islink(folder):
                self.problems.error(self.rel(path), 0, f"is inside '{self.rel(folder)}', a symbolic link; "
                                    "content must be plain files and folders inside the site")
                return False
            looked.append(folder)
            folder = os.path.dirname(folder)
        self.plain_folders.update(looked)  # each with every folder above it plain
        return True

    def folders(self, section: str) -> list[Path]:
        """The bundle folders of a section, by name."""
        folder = self.root / "content" / section
        if not folder.is_dir() or not self.plain(folder):
            return []
        found = []
        for entry in _listing(folder):
            if entry.name.startswith("."):
                continue
            if entry.is_symlink():
                self.plain(Path(entry.path))  # refused, and said why
            elif not entry.is_dir(follow_symlinks=False):
                self.problems.error(self.rel(entry.path), 0, f"content/{section}/ holds only folders, one per bundle")
            else:
                found.append(Path(entry.path))
        return found

    def bundle(self, section: str, folder: Path) -> Bundle:
        main = BUNDLE_FILES[section]
        listing = _listing(folder)
        own = next((entry for entry in listing if entry.name == main), None) if main else None
        doc, text = self.parsed(os.path.join(folder, main), True, own) if main else (None, "")
        parts: list[str | bytes] = [self.rel(folder), main, text]
        texts: dict[str, Text] = {}
        files: dict[str, bytes | None] = {}
        for entry in listing:
            path = entry.path  # a string: a Path made for each of thousands of files costs more than reading it
            if entry.name.startswith(".") or entry.name == main or entry.is_dir(follow_symlinks=False):
                continue
            if entry.name.endswith(".md"):
                markdown = self.text(path, MAX_MARKDOWN_BYTES, entry)
                if markdown is not None and markdown.strip():  # an empty file is a missing text
                    texts[entry.name[:-3]] = Text(self.rel(path), markdown)
                    parts += [entry.name, markdown]
            else:  # a file that cannot be used is said so here, and known as refused (None) after
                head = self.raw(path, None, entry)
                files[entry.name] = head
                parts += [entry.name, head or b"\0refused"]
        return Bundle(section, folder.name, self.rel(folder), doc, texts, files, digest(*parts))


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
