"""``ocopsite new``: create a bundle for a product, producer or tourism site."""

from __future__ import annotations

from pathlib import Path

from ocopsite.slugs import slug_for

SECTIONS = {"product": ("products", "product.yaml"), "producer": ("producers", "producer.yaml"),
            "tourism": ("tourism", "site.yaml")}

# Everything written «like this» is a placeholder: ``ocopsite check`` reports each one left,
# saying what to write there, so a new bundle cannot be published half filled in.
SOURCE = """\
sources:
  - title: "«the title of the public page or decision»"
    url: "«its https:// address»"
    date: "«its date, such as 2025-06-19»"
"""
TEMPLATES = {
    "product": """\
# Fill in the facts from the recognition decision or another public source; remove an optional
# field you cannot fill rather than guess it. The fields: docs/content-format.md.
name:
  vi: {name}
  en: "«the product's name in English»"
stars: "«3, 4 or 5, as the source states»"
category: "«a group slug from content/categories.yaml»"
producer: "«a folder name of content/producers/»"
summary:
  vi: "«một câu giới thiệu sản phẩm»"
  en: "«one sentence about the product, for cards and search results»"
recognition:
  date: "«the date of the recognition decision, such as 2025-01-16, 2025-01 or 2025»"
""" + SOURCE,
    "producer": """\
name:
  vi: {name}
  en: "«the producer's name in English»"
kind: "«enterprise, cooperative, cooperative-group or household»"
place: "«a place slug from content/places.yaml»"
""" + SOURCE,
    "tourism": """\
name:
  vi: {name}
  en: "«the site's name in English»"
kind: "«community-tourism, eco-tourism, craft-village, ocop-showcase, farm, market or shop»"
place: "«a place slug from content/places.yaml»"
""" + SOURCE,
}
TEXTS = {"vi": "«Mô tả bằng tiếng Việt, bằng lời của bạn.»\n", "en": "«A description in English, in your own words.»\n"}


class ScaffoldError(OSError):
    """The bundle cannot be created."""


def new_bundle(site: Path, kind: str, name: str) -> Path:
    """Create ``content/<section>/<slug>/`` with a YAML file and texts whose placeholders say
    what to write."""
    slug = slug_for(name)
    if not slug:
        raise ScaffoldError(f"cannot make a slug from {name!r}")
    section, main = SECTIONS[kind]
    folder = site / "content" / section / slug
    if folder.exists():
        raise ScaffoldError(f"{folder} already exists")
    folder.mkdir(parents=True)
    (folder / main).write_text(TEMPLATES[kind].format(name=_yaml_text(name)), encoding="utf-8")
    for lang, text in TEXTS.items():
        (folder / f"{lang}.md").write_text(text, encoding="utf-8")
    return folder


def _yaml_text(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
