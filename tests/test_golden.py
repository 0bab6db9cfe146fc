"""The minimal site's whole output is compared with tests/golden/minimal/, byte for byte.

After an intended change to templates or output, refresh it with scripts/refresh-golden and
review the diff like any other change."""

from __future__ import annotations

import difflib
import os
import shutil
from pathlib import Path

import pytest

from conftest import tree

pytestmark = pytest.mark.clock

GOLDEN = Path(__file__).resolve().parent / "golden" / "minimal"


def test_output_matches_the_golden_tree(minimal_output: Path) -> None:
    if os.environ.get("OCOPSITE_REFRESH_GOLDEN") == "1":
        shutil.rmtree(GOLDEN, ignore_errors=True)
        shutil.copytree(minimal_output, GOLDEN)
    built, golden = tree(minimal_output), tree(GOLDEN)
    assert sorted(built) == sorted(golden), "files differ; run scripts/refresh-golden if the change is intended"
    for name, data in built.items():
        if data != golden[name]:
            diff = difflib.unified_diff(golden[name].decode().splitlines(), data.decode().splitlines(),
                                        f"golden/{name}", f"built/{name}", lineterm="", n=1)
            raise AssertionError("\n".join(list(diff)[:40]) + "\n(run scripts/refresh-golden if intended)")
