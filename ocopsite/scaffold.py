"""``ocopsite new``: create a bundle for a product, producer or tourism site."""

from __future__ import annotations

from pathlib import Path

from ocopsite.slugs import slug_for

SECTIONS = {"product": ("products", "product.yaml"), "producer": ("producers", "producer.yaml"),
            "tourism": ("tourism", "site.yaml")}

TEMPLATES = {
    "product": """\
# Fill in the facts from the recognition decision; leave out what you do not know.
# The fields are explained in docs/content-format.md.
name:
  vi: {name}
  # en: English name
stars: 3
category: thuc-pham-che-bien   # a group slug from content/categories.yaml
producer: producer-slug        # a folder of content/producers/
# summary:
#   vi: Một câu giới thiệu.
#   en: One sentence for cards and search results.
# recognition:
#   decision: 1234/QĐ-UBND
#   date: 2025-01-16
#   issuer:
#     vi: UBND tỉnh Khánh Hòa
#     en: Khánh Hòa Provincial People's Committee
sources:
  - title: Where these facts come from
""",
    "producer": """\
name:
  vi: {name}
  # en: English name
kind: enterprise   # enterprise, cooperative, cooperative-group or household
# place: a place slug from content/places.yaml
sources:
  - title: Where these facts come from
""",
    "tourism": """\
name:
  vi: {name}
  # en: English name
kind: craft-village   # community-tourism, eco-tourism, craft-village, ocop-showcase, farm, market or shop
# place: a place slug from content/places.yaml
sources:
  - title: Where these facts come from
""",
}


class ScaffoldError(OSError):
    """The bundle cannot be created."""


def new_bundle(site: Path, kind: str, name: str) -> Path:
    """Create ``content/<section>/<slug>/`` with a commented YAML file and empty texts."""
    slug = slug_for(name)
    if not slug:
        raise ScaffoldError(f"cannot make a slug from {name!r}")
    section, main = SECTIONS[kind]
    folder = site / "content" / section / slug
    if folder.exists():
        raise ScaffoldError(f"{folder} already exists")
    folder.mkdir(parents=True)
    (folder / main).write_text(TEMPLATES[kind].format(name=_yaml_text(name)), encoding="utf-8")
    (folder / "vi.md").write_text("", encoding="utf-8")
    (folder / "en.md").write_text("", encoding="utf-8")
    return folder


def _yaml_text(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
