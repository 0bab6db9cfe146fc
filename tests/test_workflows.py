"""The GitHub workflows are valid YAML and do what CONTRIBUTING.md promises."""

from __future__ import annotations

from typing import Any

import yaml

from conftest import REPO

WORKFLOWS = REPO / ".github" / "workflows"


def workflow(name: str) -> dict[Any, Any]:
    data = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    assert {"name", "jobs"} <= data.keys() and (True in data or "on" in data)  # YAML 1.1 reads `on` as true
    for job in data["jobs"].values():
        assert "runs-on" in job and isinstance(job["steps"], list)
        for step in job["steps"]:
            assert ("uses" in step) != ("run" in step), step
    return data


def runs(data: dict[Any, Any]) -> list[str]:
    return [step["run"] for job in data["jobs"].values() for step in job["steps"] if "run" in step]


def uses(data: dict[Any, Any]) -> list[str]:
    return [step["uses"].split("@")[0] for job in data["jobs"].values() for step in job["steps"] if "uses" in step]


def test_pull_requests_are_checked_built_and_tested() -> None:
    data = workflow("pull-request.yml")
    triggers = data.get(True, data.get("on"))
    assert "pull_request" in triggers
    assert "ocopsite check --format github" in runs(data)
    assert "ocopsite build" in runs(data)
    assert "./scripts/test" in runs(data)


def test_main_is_deployed_to_pages_at_the_repository_address() -> None:
    data = workflow("deploy.yml")
    assert data[True]["push"]["branches"] == ["main"]
    assert data["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}
    assert uses(data) == ["actions/checkout", "actions/setup-python", "actions/configure-pages", "actions/cache",
                          "actions/upload-pages-artifact", "actions/deploy-pages"]
    cache = next(s for s in data["jobs"]["build"]["steps"] if s.get("uses", "").startswith("actions/cache"))
    assert cache["with"]["path"] == ".ocopsite-cache", "photos and QR codes are not encoded again"
    build = next(r for r in runs(data) if r.startswith("ocopsite build"))
    assert "--base-url" in build and "steps.pages.outputs.base_url" in build
    upload = next(s for s in data["jobs"]["build"]["steps"] if s.get("uses", "").startswith("actions/upload-pages"))
    assert upload["with"]["path"] == "output"


def test_every_workflow_file_parses() -> None:
    names = sorted(p.name for p in WORKFLOWS.glob("*.yml"))
    assert names == ["deploy.yml", "pull-request.yml"]
    for name in names:
        workflow(name)
