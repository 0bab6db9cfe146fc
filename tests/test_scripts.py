"""The README's first command: ``./scripts/build`` makes its own virtual environment (``.venv``),
installs ocopsite into it once, and installs again only when ``pyproject.toml`` changed.

It installs from the package index as ``./scripts/test`` itself does (pip's cache makes the
second time quick); nothing else here uses the network."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from conftest import REPO, copy_site


def checkout(dest: Path) -> Path:
    """The repository's tracked files, as a fresh clone has them."""
    names = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True).stdout
    for name in names.decode().split("\0"):
        if name and (REPO / name).is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, dest / name)
    return dest


def build(clone: Path, site: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "PYTHONPATH"}}
    return subprocess.run(["./scripts/build", str(site), "-o", str(site / "output")], cwd=clone, env=env,
                          capture_output=True, text=True, timeout=600, check=False)


def test_build_installs_into_its_own_venv_once_and_again_when_pyproject_changes(tmp_path: Path) -> None:
    clone = checkout(tmp_path / "clone")
    site = copy_site("minimal", tmp_path)
    first = build(clone, site)
    assert first.returncode == 0, first.stderr[-3000:]
    assert "Installing ocopsite into .venv" in first.stderr
    python = clone / ".venv/bin/python"
    assert python.is_file()
    where = subprocess.run([str(python), "-c", "import ocopsite; print(ocopsite.__file__)"], capture_output=True,
                           text=True, check=True, env={"PATH": os.environ["PATH"]}, cwd=tmp_path).stdout
    assert Path(where.strip()).is_relative_to(clone), "the venv runs the clone's code"
    assert (site / "output/index.html").is_file()
    assert "Built" in first.stdout + first.stderr

    second = build(clone, site)
    assert second.returncode == 0, second.stderr[-3000:]
    assert "Installing" not in second.stderr, "nothing changed: nothing installed"

    pyproject = clone / "pyproject.toml"
    pyproject.write_text(pyproject.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    third = build(clone, site)
    assert third.returncode == 0, third.stderr[-3000:]
    assert "Installing ocopsite into .venv" in third.stderr
    ignored = subprocess.run(["git", "check-ignore", "-q", ".venv/"], cwd=REPO, check=False)
    assert ignored.returncode == 0, ".venv is ignored by git"
