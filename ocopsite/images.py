"""Part of step 5, render: photos become resized WebP variants (plus one JPEG for sharing),
turned to sRGB, upright, and stripped of EXIF, GPS and XMP metadata.

Encoding is slow, so results are cached under ``.ocopsite-cache/images/``, keyed by the
photo's bytes and everything that shapes the output (widths, quality, this module's version,
Pillow's version). A cache entry is written to a temporary folder and renamed into place, so a
build killed half way never leaves a half-written entry behind.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import tempfile
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import PIL
from PIL import Image, ImageCms, ImageOps

from ocopsite.errors import Problem, SiteError
from ocopsite.model import Producer, Product, Site, TourismSite
from ocopsite.slugs import slug_for

WIDTHS = (480, 960, 1440)
SHARE_WIDTH = 1200
QUALITY = 80
MAX_PIXELS = 50_000_000
VERSION = 1  # bump when the output of this module changes for the same input
CACHE = Path(".ocopsite-cache") / "images"


@dataclass(frozen=True)
class Variant:
    url: str
    width: int
    height: int


@dataclass(frozen=True)
class Picture:
    """A photo as published: WebP variants, narrowest first, and a JPEG for link previews."""

    variants: tuple[Variant, ...]
    share: Variant

    @property
    def src(self) -> Variant:
        """The variant for browsers that ignore ``srcset``: the middle one."""
        return self.variants[min(1, len(self.variants) - 1)]

    @property
    def width(self) -> int:
        return self.variants[-1].width

    @property
    def height(self) -> int:
        return self.variants[-1].height

    def srcset(self) -> Iterable[tuple[str, int]]:
        return ((v.url, v.width) for v in self.variants)


def publish(root: Path, site: Site, cache: Path | None = None) -> tuple[dict[tuple[str, str], Picture],
                                                                         dict[str, bytes]]:
    """Every photo's picture, by its bundle folder and file name, and the files to publish for
    them, from the cache where possible."""
    cache = cache if cache is not None else root / CACHE
    pictures: dict[tuple[str, str], Picture] = {}
    files: dict[str, bytes] = {}
    problems = []
    records: list[Product | Producer | TourismSite] = [*site.products, *site.producers, *site.tourism]
    for record in records:
        for i, photo in enumerate(record.photos):
            where = (record.folder, photo.file)
            if where in pictures:
                continue
            try:
                pictures[where] = _picture(root, record.folder, photo.file, cache, files)
            except _BadImage as exc:
                problems.append(Problem(record.doc.path, record.doc.line("photos", i, "file"),
                                        f"photo '{photo.file}' {exc}"))
    if problems:
        raise SiteError(problems)
    return pictures, files


class _BadImage(Exception):
    pass


def _picture(root: Path, folder: str, file: str, cache: Path, files: dict[str, bytes]) -> Picture:
    source = (root / folder / file).read_bytes()
    key = _key(source)
    entry = cache / key[:2] / key
    encoded = _read_entry(entry)
    if encoded is None:
        encoded = _encode(source)
        _write_entry(entry, encoded)
    stem = slug_for(file.rpartition(".")[0]) or "photo"
    prefix = "media/" + folder.removeprefix("content/") + "/"
    variants = []
    share = None
    for name, (width, height, data) in sorted(encoded.items(), key=lambda item: item[1][0]):
        ext = name.rpartition(".")[2]
        url = f"{prefix}{stem}-{width}.{key[:10]}.{ext}"
        files[url] = data
        if name.startswith("share"):
            share = Variant(url, width, height)
        else:
            variants.append(Variant(url, width, height))
    assert share is not None
    return Picture(tuple(variants), share)


def _key(source: bytes) -> str:
    shape = f"{VERSION}|{PIL.__version__}|{WIDTHS}|{SHARE_WIDTH}|{QUALITY}".encode()
    return hashlib.sha256(shape + b"\0" + source).hexdigest()


def _encode(source: bytes) -> dict[str, tuple[int, int, bytes]]:
    """The encoded files of one photo, by name: ``{"480.webp": (width, height, bytes), …}``."""
    image = _open(source)
    out: dict[str, tuple[int, int, bytes]] = {}
    widths = [w for w in WIDTHS if w < image.width] + [min(image.width, WIDTHS[-1])]
    for width in dict.fromkeys(widths):
        resized = _resized(image, width)
        buffer = io.BytesIO()
        resized.save(buffer, "WEBP", quality=QUALITY, method=6)
        out[f"{width}.webp"] = (resized.width, resized.height, buffer.getvalue())
    share = _resized(image, min(image.width, SHARE_WIDTH))
    if share.mode != "RGB":
        flat = Image.new("RGB", share.size, "white")
        flat.paste(share, mask=share.getchannel("A") if "A" in share.getbands() else None)
        share = flat
    buffer = io.BytesIO()
    share.save(buffer, "JPEG", quality=QUALITY, optimize=True, progressive=True)
    out["share.jpg"] = (share.width, share.height, buffer.getvalue())
    return out


def _open(source: bytes) -> Image.Image:
    """The photo decoded, upright, in sRGB, with no metadata left on it."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            opened = Image.open(io.BytesIO(source))
            if opened.width * opened.height > MAX_PIXELS:
                raise _BadImage(f"is {opened.width}×{opened.height} pixels; the most is {MAX_PIXELS:,} pixels")
            opened.load()
    except _BadImage:
        raise
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _BadImage(f"cannot be read as an image: {exc}") from None
    icc = opened.info.get("icc_profile")
    image = ImageOps.exif_transpose(opened)
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
    image = image.convert("RGBA" if has_alpha else "RGB")
    if icc:
        image = _to_srgb(image, icc)
    clean = Image.new(image.mode, image.size)
    clean.paste(image)
    return clean


def _to_srgb(image: Image.Image, icc: bytes) -> Image.Image:
    """Colours converted from the photo's embedded profile to sRGB, which is what browsers assume."""
    try:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        srgb = ImageCms.createProfile("sRGB")
        converted = ImageCms.profileToProfile(image, profile, srgb, outputMode=image.mode)
    except (ImageCms.PyCMSError, OSError, ValueError):
        return image  # a broken profile: keep the pixels as they are
    return converted if converted is not None else image


def _resized(image: Image.Image, width: int) -> Image.Image:
    if width >= image.width:
        return image
    height = max(1, round(image.height * width / image.width))
    return image.resize((width, height), Image.Resampling.LANCZOS, reducing_gap=3.0)


def _read_entry(entry: Path) -> dict[str, tuple[int, int, bytes]] | None:
    try:
        index = json.loads((entry / "index.json").read_text(encoding="utf-8"))
        return {name: (w, h, (entry / name).read_bytes()) for name, (w, h) in index.items()}
    except (OSError, ValueError, TypeError):
        return None


def _write_entry(entry: Path, encoded: dict[str, tuple[int, int, bytes]]) -> None:
    """Write a cache entry whole or not at all; a cache that cannot be written is no error."""
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        temporary = Path(tempfile.mkdtemp(dir=entry.parent, prefix=".tmp-"))
    except OSError:
        return
    try:
        for name, (_, _, data) in encoded.items():
            (temporary / name).write_bytes(data)
        index = {name: [w, h] for name, (w, h, _) in encoded.items()}
        (temporary / "index.json").write_text(json.dumps(index, sort_keys=True), encoding="utf-8")
        os.replace(temporary, entry)
    except OSError:
        shutil.rmtree(temporary, ignore_errors=True)
