"""What ``serve`` keeps from one build to the next, so that a rebuild redoes only what changed.

Files are known unchanged by their ``lstat`` signature (inode, size, modification and change
times), as git and make know them, and only once they are older than the moment they were read
by ``load.RACY_NS`` (2 s): a file changed within that window is read again. Everything else is
decided by comparing what a result was made from, in full, with what it would be made from now.

- A bundle is read again unless its folder lists the same files with the same signatures; one
  read again whose every text is the same stays the very same object, and so does its record.
- A YAML file is parsed again unless its text is the same (and its problems are reported again).
- The catalogue and plan are updated in place when only products changed and none of them moved
  in any list (``catalogue.update_catalogue``, ``plan.replan``); otherwise they are made again.
- A page is rendered again unless its spec (what it shows), everything global (UI strings,
  site.yaml, assets, photos), each template it used and every part of the catalogue they read
  while rendering it last time (recorded attribute by attribute) compare equal to now; a shared
  fragment likewise, and a product's card only while its entry is the very same object.
- A QR code is made again unless its address is the same.

Files are then written in place, each by an atomic rename, and only if their bytes changed.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ocopsite.catalogue import Catalogue, Entry
from ocopsite.load import Memo, Memos, Reported
from ocopsite.plan import PageSpec
from ocopsite.render import Fragment

Dependency = tuple[Any, ...]  # ("cat", "groups"), ("view", "en", "products"), ("template", "base.html")…


@dataclass
class Rendered:
    """One page as last rendered, with what it was made from."""

    spec: PageSpec
    data: bytes
    depends: frozenset[Dependency]
    links: frozenset[str]  # the files its links lead to


@dataclass
class Session:
    files: Memos = field(default_factory=Memos)
    records: Reported = field(default_factory=Memo)
    entries: Memo[tuple[Any, ...], Entry] = field(default_factory=Memo)
    pages: dict[str, Rendered] = field(default_factory=dict)
    qr: dict[str, bytes] = field(default_factory=dict)
    loaded: Any = None  # the last build's ``build.Loaded``: its catalogue, plan and what they reported
    globals: Any = None
    templates: Mapping[str, str] = field(default_factory=dict)
    written: dict[str, bytes] = field(default_factory=dict)
    fragments: dict[tuple[Any, ...], Fragment] = field(default_factory=dict)  # the last build's shared fragments
    known: frozenset[str] = frozenset()  # every file the last build made, which links may lead to
    counts: dict[str, int] = field(default_factory=dict)
    rendered: frozenset[str] = frozenset()  # the files the last build made again
    environment: Any = None  # the Jinja environment, whose compiled templates outlive a build
    defer_index: bool = False  # leave the search index to the caller (serve does it after the reload)
    index_pending: Callable[[], None] | None = None

    @property
    def catalogue(self) -> Catalogue | None:
        """The last build's catalogue."""
        return self.loaded.catalogue if self.loaded is not None else None

    def settle(self) -> None:
        """For a quiet moment between builds (``serve`` calls it once the reload is done):
        collect the last build's garbage, then set what survives apart (``gc.freeze``). The
        session keeps a whole site's worth of objects alive, which every full pass of Python's
        garbage collector during the next rebuild would walk again: about a fifth of a rebuild
        after one edit at 3,000 products. What is set apart is still freed as usual when no
        longer used; only cycles among it wait for the next ``settle``."""
        gc.unfreeze()
        gc.collect()
        gc.freeze()

    def remember(self, spec: PageSpec, data: bytes, depends: frozenset[Dependency], links: frozenset[str],
                 shared: dict[frozenset[Dependency], frozenset[Dependency]]) -> Rendered:
        """A page as rendered. Pages made from the same templates and parts of the catalogue
        share one set of dependencies (from ``shared``), which ``reusable`` checks once."""
        return Rendered(spec, data, shared.setdefault(depends, depends), links)

    def next_build(self) -> None:
        for memo in (self.files.texts, self.files.yaml, self.files.bundles, self.records, self.entries):
            memo.next_build()

    def reusable(self, cat: Catalogue, global_key: Any,
                 templates: Mapping[str, str]) -> tuple[Callable[[str, PageSpec], Rendered | None],
                                                        dict[tuple[Any, ...], Fragment]]:
        """For this build: a test that gives the page last rendered for a name, if nothing it
        depends on changed; and the shared fragments (``Renderer.cached``) that may be reused as
        they are: none unless the templates and global inputs are the same, then those whose
        objects still exist and which read no part of the catalogue that changed. ``templates``:
        each template's digest, by the name Jinja loads it by."""
        old_cat = self.catalogue
        if old_cat is None or global_key != self.globals:
            return (lambda name, spec: None), {}
        unchanged = _Verdicts(old_cat, cat, self.templates, templates)

        def check(name: str, spec: PageSpec) -> Rendered | None:
            last = self.pages.get(name)
            if last is None or (last.spec is not spec and last.spec != spec):
                return None
            return last if unchanged(last.depends) else None

        fragments = {} if templates != self.templates else {
            key: fragment for key, fragment in self.fragments.items() if fragment.alive() and unchanged(fragment.reads)}
        return check, fragments


class _Verdicts:
    """Whether a set of dependencies of the last build is unchanged in this one. Each dependency
    is compared once; so is each set, by identity (``Session.remember`` shares equal sets)."""

    def __init__(self, old_cat: Catalogue, cat: Catalogue, old_templates: Mapping[str, str],
                 templates: Mapping[str, str]) -> None:
        self.old_cat, self.cat = old_cat, cat
        self.old_templates, self.templates = old_templates, templates
        self.verdicts: dict[Dependency, bool] = {}
        self.sets: dict[int, bool] = {}
        self.keep: list[frozenset[Dependency]] = []  # the sets judged, so that their ids stay theirs

    def __call__(self, depends: frozenset[Dependency]) -> bool:
        verdict = self.sets.get(id(depends))
        if verdict is None:
            verdict = self.sets[id(depends)] = all(self.same(d) for d in depends)
            self.keep.append(depends)
        return verdict

    def same(self, dependency: Dependency) -> bool:
        if dependency not in self.verdicts:
            if dependency[0] == "template":
                name = dependency[1]
                self.verdicts[dependency] = self.old_templates.get(name) == self.templates.get(name)
            else:
                self.verdicts[dependency] = _resolve(self.old_cat, dependency) == _resolve(self.cat, dependency)
        return self.verdicts[dependency]


def _resolve(cat: Catalogue, dependency: Dependency) -> Any:
    """The value a dependency names in ``cat``: an attribute of the catalogue, the site or a
    language's lists, or (``"*"``) the whole object, when a template handed it to a function."""
    kind, *rest = dependency
    owner: Any
    if kind == "cat":
        owner = cat
    elif kind == "site":
        owner = cat.site
    else:
        owner, rest = cat.views.get(rest[0]), rest[1:]
    name = rest[0]
    if name == "*":
        return owner
    try:
        return getattr(owner, name)
    except AttributeError:
        try:
            return owner[name]
        except (KeyError, TypeError, IndexError):
            return _Missing


class _Missing:
    """Stands for a value that no longer exists, which equals nothing but itself."""
