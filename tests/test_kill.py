"""A build killed at any moment (SIGKILL: no handler runs, no ``finally``) leaves ``output/``
byte for byte the previous build or the new one, never a mix; the next build succeeds and
removes what the killed one left beside it. ``serve``'s rebuilds, which write changed files in
place, leave every file whole and every link resolving.

The builds are the real command line on a synthetic catalogue large enough (about 1,000 files,
rendered on two cores) to be killed while it renders, writes and swaps. Which moment a kill
hits is found by watching the output folder, never by timing alone: whatever the machine's
speed, every assertion holds."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from conftest import EPOCH, REPO, tree
from ocopsite.links import link_targets

ENV = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH, "PYTHONPATH": str(REPO), "OCOPSITE_JOBS": "2"}
PRODUCTS = 80
FRACTIONS = [0.1, 0.25, 0.4, 0.55, 0.7, 0.85, 0.95]
Moment = Callable[[subprocess.Popen[bytes]], None]


class Catalogue:
    """A synthetic site whose content switches between two versions, A and B: B lists 20
    products a page instead of 30 (pages appear and change) and has one product fewer."""

    def __init__(self, root: Path) -> None:
        sys.path.insert(0, str(REPO / "benchmarks"))
        from synthetic import generate

        self.site = generate(PRODUCTS, root / "site")
        self.held = root / "held"
        self.held.mkdir()
        self.version = "A"

    def switch(self, version: str) -> None:
        if version == self.version:
            return
        config = self.site / "site.yaml"
        text = config.read_text(encoding="utf-8")
        before, after = ("per_page: 30", "per_page: 20") if version == "B" else ("per_page: 20", "per_page: 30")
        config.write_text(text.replace(before, after), encoding="utf-8")
        held, shown = self.held / "san-pham-0", self.site / "content/products/san-pham-0"
        (shown.rename(held) if version == "B" else held.rename(shown))
        self.version = version


def start_build(site: Path, output: Path) -> subprocess.Popen[bytes]:
    """``ocopsite build`` in its own process group, so that the workers it leaves behind when
    killed can be found."""
    return subprocess.Popen([sys.executable, "-m", "ocopsite", "build", str(site), "-o", str(output)], env=ENV,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)


def run_build(site: Path, output: Path) -> float:
    start = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "ocopsite", "build", str(site), "-o", str(output)], env=ENV,
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return time.monotonic() - start


def living(group: int) -> list[int]:
    """The processes of a process group that still run (zombies do not)."""
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text(encoding="ascii").rsplit(")", 1)[1].split()
        except (OSError, UnicodeDecodeError):
            continue
        if int(fields[2]) == group and fields[0] != "Z":
            pids.append(int(stat.parent.name))
    return pids


def wait_until(condition: Callable[[], bool], seconds: float = 60, pause: float = 0.0) -> bool:
    """Poll ``condition`` (as fast as possible unless ``pause``); whether it came true in time."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        if pause:
            time.sleep(pause)
    return False


def after(seconds: float) -> Moment:
    return lambda process: time.sleep(seconds)


def when(condition: Callable[[int], bool]) -> Moment:
    """As soon as ``condition(pid)`` holds, polling without pause (or when the build ends)."""
    def wait(process: subprocess.Popen[bytes]) -> None:
        wait_until(lambda: condition(process.pid) or process.poll() is not None)

    return wait


@pytest.fixture(scope="module")
def versions(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Catalogue, Path, dict[str, dict[str, bytes]],
                                                                          float]]:
    """The catalogue, its output folder holding a build of A, each version's complete build, and
    how long a build takes."""
    root = tmp_path_factory.mktemp("kill")
    catalogue = Catalogue(root)
    output = root / "output"
    run_build(catalogue.site, output)  # fills the photo and QR caches too
    complete = {"A": tree(output)}
    catalogue.switch("B")
    seconds = run_build(catalogue.site, root / "reference" / "output")
    complete["B"] = tree(root / "reference" / "output")
    shutil.rmtree(root / "reference")
    assert complete["A"] != complete["B"]
    catalogue.switch("A")
    yield catalogue, output, complete, seconds


def test_a_killed_build_leaves_the_previous_or_the_new_output_whole(
        versions: tuple[Catalogue, Path, dict[str, dict[str, bytes]], float]) -> None:
    catalogue, output, complete, seconds = versions
    parent = output.parent

    def staging(pid: int) -> Path:
        return parent / f".{output.name}.new-{pid}"

    inode = [0]
    moments: dict[str, Moment] = {
        "the staging folder appears": when(lambda pid: staging(pid).exists()),
        "the search index is being written": when(lambda pid: (staging(pid) / "search").exists()),
        "just before the swap (the marker is written last)": when(lambda pid: (staging(pid) / ".ocopsite").exists()),
        "just after the swap (the old folder is being removed)": when(lambda pid: _swapped(output, inode)),
    }
    moments |= {f"{f:.0%} of a build": after(seconds * f) for f in FRACTIONS}
    holds, groups, outcomes = "A", [], {}
    for moment, wait in moments.items():
        target = "B" if holds == "A" else "A"
        catalogue.switch(target)
        inode[0] = output.stat().st_ino
        process = start_build(catalogue.site, output)
        groups.append(process.pid)
        wait(process)
        process.send_signal(signal.SIGKILL)
        process.wait()
        now = tree(output)
        assert now in (complete[holds], complete[target]), f"killed when {moment}: output/ is neither build"
        outcomes[moment] = "previous" if now == complete[holds] else "new"
        holds = "A" if now == complete["A"] else "B"
    assert set(outcomes.values()) == {"previous", "new"}, outcomes  # killed before and after the swap
    # Right after the last kill, with its workers perhaps still running: the next
    # build neither waits for them nor fails, and removes what the killed builds left.
    catalogue.switch("B" if holds == "A" else "A")
    run_build(catalogue.site, output)
    assert tree(output) == complete[catalogue.version]
    assert all(wait_until(lambda g=g: not living(g), 30, 0.05) for g in groups), "processes left running"
    # What stays beside output/ is the folder swapped out, kept for the next build, and the
    # manifests of both (the spare's only if the killed build had written output/'s).
    beside = {p.name for p in parent.iterdir()}
    must = {".output.manifest", ".output.spare", "held", "output", "site"}
    assert must <= beside <= must | {".output.spare.manifest"}, sorted(beside)


SERVE = """
import sys
from pathlib import Path
from ocopsite.build import build
from ocopsite.cache import Cache

site, output = Path(sys.argv[1]), Path(sys.argv[2])
cache = Cache()  # as serve's rebuilds: one cache, and files written in place
first = build(site, output, cache=cache)
print("built", flush=True)
sys.stdin.readline()
build(site, output, cache=cache, previous=first.written)
print("rebuilt", flush=True)
"""


def test_a_killed_serve_rebuild_leaves_every_file_whole_and_every_link_resolving(
        versions: tuple[Catalogue, Path, dict[str, dict[str, bytes]], float]) -> None:
    catalogue, output, complete, _ = versions
    for moment in (0, 0.002, 0.005, 0.01, 0.03):
        source = catalogue.version
        target = "B" if source == "A" else "A"
        with subprocess.Popen([sys.executable, "-c", SERVE, str(catalogue.site), str(output)], env=ENV,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL) as process:
            assert process.stdin is not None and process.stdout is not None
            assert process.stdout.readline() == b"built\n"
            assert tree(output) == complete[source]
            catalogue.switch(target)
            process.stdin.write(b"go\n")
            process.stdin.flush()
            added = [output / name for name in complete[target] if name not in complete[source]]
            _wait_for_moment(process, output, added, moment)
            process.send_signal(signal.SIGKILL)
        _assert_whole_and_linked(output, complete[source], complete[target])
    run_build(catalogue.site, output)
    assert tree(output) == complete[catalogue.version]


def _wait_for_moment(process: subprocess.Popen[bytes], output: Path, added: list[Path], moment: float) -> None:
    """Until the first new file is written (the rebuild is writing files), and ``moment`` more."""
    wait_until(lambda: any(path.exists() for path in added) or process.poll() is not None)
    time.sleep(moment)


def _assert_whole_and_linked(output: Path, old: dict[str, bytes], new: dict[str, bytes]) -> None:
    """Every file is one of the two builds' versions of it, and every link of every page that
    links lead to from the home page resolves. New pages may link to one another before both are
    written (the two languages of a page do), but no page links to them yet. Only the temporary
    file being written when the process was killed may be left, under a hidden name."""
    files = tree(output)
    pages = {name: data for name, data in files.items() if not _temporary(name) and name != ".ocopsite"}
    for name, data in pages.items():
        assert data in (old.get(name), new.get(name)), f"{name} is neither version"
    reached, todo = set(), ["index.html", "404.html"]
    while todo:  # a visitor following links from the home page meets no broken link
        name = todo.pop()
        if name in reached:
            continue
        reached.add(name)
        for raw, target in link_targets(name, pages[name]):
            assert target in pages, f"{name}: '{raw}' leads to no file"
            todo.append(target)
    assert len(reached) > 100


def _temporary(name: str) -> bool:
    base = Path(name).name
    return base.startswith(".") and ".new-" in base


def _swapped(output: Path, inode: list[int]) -> bool:
    """Whether ``output`` is another folder than the one of inode ``inode[0]``."""
    return output.stat().st_ino != inode[0]
