"""Photos: resized WebP variants with srcset, sizes, width and height, upright, in sRGB, with no
EXIF, GPS or XMP left, and cached so that an unchanged photo is not encoded again."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from PIL import Image, ImageCms

from conftest import add_photos, build_site, camera_jpeg
from ocopsite import images
from ocopsite.errors import SiteError


def webp_files(output: Path, product: str) -> dict[str, Path]:
    return {p.name: p for p in sorted((output / "media/products" / product).glob("*"))}


@pytest.fixture
def photo_site(minimal: Path) -> Path:
    rgba = Image.new("RGBA", (800, 600), (0, 128, 0, 0))
    png = io.BytesIO()
    rgba.save(png, "PNG")
    add_photos(minimal, "alpha", {"Hộp rong nho.jpg": camera_jpeg(2000, 1500), "small.png": png.getvalue()})
    return minimal


def test_each_photo_becomes_webp_variants_and_a_share_jpeg(photo_site: Path) -> None:
    output, _ = build_site(photo_site)
    files = webp_files(output, "alpha")
    names = sorted(re.sub(r"\.[0-9a-f]{10}\.", ".*.", n) for n in files)
    assert names == ["hop-rong-nho-1200.*.jpg", "hop-rong-nho-1440.*.webp", "hop-rong-nho-480.*.webp",
                     "hop-rong-nho-960.*.webp", "small-480.*.webp", "small-800.*.jpg", "small-800.*.webp"]
    for name, path in files.items():
        with Image.open(path) as image:
            width = int(name.split(".")[0].rsplit("-", 1)[1])
            assert image.width == width
            assert image.format == ("JPEG" if name.endswith(".jpg") else "WEBP")
            ratio = 1500 / 2000 if name.startswith("hop") else 600 / 800
            assert abs(image.height - round(width * ratio)) <= 1
    with Image.open(next(p for n, p in files.items() if n.startswith("small-800") and n.endswith(".webp"))) as small:
        assert small.mode == "RGBA", "transparency is kept in WebP"
    assert not (output / "media/products/alpha/Hộp rong nho.jpg").exists(), "originals are not published"


def test_no_metadata_survives(photo_site: Path) -> None:
    output, _ = build_site(photo_site)
    for path in webp_files(output, "alpha").values():
        data = path.read_bytes()
        with Image.open(path) as image:
            assert not image.getexif(), path.name
            assert "exif" not in image.info and "xmp" not in image.info, path.name
        for leak in (b"Exif", b"PhoneMaker", b"GPS", b"xmpmeta", b"12,15.5N"):
            assert leak not in data, (path.name, leak)


def test_pages_use_srcset_sizes_width_height_and_lazy_loading(photo_site: Path) -> None:
    output, _ = build_site(photo_site)
    html = (output / "en/products/alpha/index.html").read_text(encoding="utf-8")
    tags = re.findall(r"<img src=\"[^\"]*media/[^>]*>", html)
    assert len(tags) == 2
    first, second = tags
    assert 'width="1440" height="1080"' in first and 'width="800" height="600"' in second
    srcset = re.search(r'srcset="([^"]*)"', first)
    assert srcset is not None
    candidates = [c.rsplit(" ", 1) for c in srcset.group(1).split(", ")]
    assert [w for _, w in candidates] == ["480w", "960w", "1440w"]
    for url, _ in candidates:
        assert url.startswith("../../../media/products/alpha/hop-rong-nho-")
        assert (output / "en/products/alpha" / url).resolve().is_file()
    assert 'sizes="' in first and 'alt="Photo 0"' in first
    assert 'fetchpriority="high"' in first and "loading=" not in first, "the first photo is above the fold"
    assert 'loading="lazy"' in second
    assert re.search(r'src="[^"]*hop-rong-nho-960\.[0-9a-f]{10}\.webp"', first)


def test_photos_are_turned_upright_from_their_exif_orientation(minimal: Path) -> None:
    add_photos(minimal, "alpha", {"sideways.jpg": camera_jpeg(600, 400, orientation=6)})
    output, _ = build_site(minimal)
    webp = next(p for n, p in webp_files(output, "alpha").items() if n.endswith(".webp") and "-400." in n)
    with Image.open(webp) as image:
        assert image.size == (400, 600)
        assert image.convert("RGB").getpixel((image.width - 5, 5))[2] > 150, "the blue block is now top right"


def test_colours_are_converted_to_srgb(minimal: Path) -> None:
    image = Image.new("RGB", (64, 64), (0, 255, 0))
    lab = ImageCms.ImageCmsProfile(ImageCms.createProfile("LAB"))
    out = io.BytesIO()
    image.save(out, "JPEG", icc_profile=lab.tobytes(), quality=95)
    add_photos(minimal, "alpha", {"wide.jpg": out.getvalue()})
    output, _ = build_site(minimal)
    webp = next(p for n, p in webp_files(output, "alpha").items() if n.endswith(".webp"))
    with Image.open(webp) as published:
        assert "icc_profile" not in published.info or not published.info["icc_profile"]
        assert published.convert("RGB").getpixel((32, 32)) != (0, 255, 0), "pixels were converted, not relabelled"


def test_producer_and_tourism_photos_are_published_too(minimal: Path) -> None:
    folder = minimal / "content/tourism/cho-dem"
    (folder / "market.jpg").write_bytes(camera_jpeg(1000, 500))
    site_yaml = folder / "site.yaml"
    site_yaml.write_text(site_yaml.read_text(encoding="utf-8")
                         + "photos:\n  - file: market.jpg\n    alt: {vi: Chợ đêm, en: The night market}\n",
                         encoding="utf-8")
    output, _ = build_site(minimal)
    html = (output / "en/tourism/cho-dem/index.html").read_text(encoding="utf-8")
    assert re.search(r'<img src="[^"]*media/tourism/cho-dem/market-960\.[0-9a-f]{10}\.webp"[^>]*loading="lazy"', html)


def test_an_unchanged_photo_is_not_encoded_again(photo_site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first, _ = build_site(photo_site, photo_site / "first")
    assert list((photo_site / ".ocopsite-cache/images").rglob("index.json"))

    def refuse(source: bytes) -> None:
        raise AssertionError("an unchanged photo was encoded again")

    monkeypatch.setattr(images, "_encode", refuse)
    second, _ = build_site(photo_site, photo_site / "second")
    assert webp_files(first, "alpha").keys() == webp_files(second, "alpha").keys()
    for name, path in webp_files(first, "alpha").items():
        assert path.read_bytes() == (second / "media/products/alpha" / name).read_bytes()


def test_a_changed_photo_gets_new_files_and_a_corrupt_cache_entry_is_rebuilt(photo_site: Path) -> None:
    first, _ = build_site(photo_site, photo_site / "first")
    for entry in (photo_site / ".ocopsite-cache/images").rglob("index.json"):
        next(p for p in entry.parent.iterdir() if p.suffix == ".webp").unlink()
    (photo_site / "content/products/alpha/Hộp rong nho.jpg").write_bytes(camera_jpeg(1600, 1600))
    second, _ = build_site(photo_site, photo_site / "second")
    before, after = webp_files(first, "alpha"), webp_files(second, "alpha")
    assert {n for n in after if n.startswith("small")} == {n for n in before if n.startswith("small")}
    assert not {n for n in after if n.startswith("hop")} & {n for n in before if n.startswith("hop")}
    with Image.open(next(p for n, p in after.items() if n.startswith("hop-rong-nho-1440"))) as image:
        assert image.size == (1440, 1440)


def test_a_photo_that_cannot_be_decoded_is_reported_at_its_line(minimal: Path) -> None:
    add_photos(minimal, "alpha", {"broken.jpg": b"\xff\xd8\xff\xe0" + b"\0" * 200})
    with pytest.raises(SiteError) as caught:
        build_site(minimal)
    (problem,) = caught.value.problems
    text = str(problem)
    assert text.startswith("content/products/alpha/product.yaml:")
    assert int(text.split(":")[1]) > 1 and "photo 'broken.jpg' cannot be read as an image" in text
    assert "\n" not in text


def test_a_decompression_bomb_is_refused_without_decoding_it(minimal: Path) -> None:
    bomb = io.BytesIO()
    Image.new("1", (8000, 7000)).save(bomb, "PNG")
    add_photos(minimal, "alpha", {"bomb.png": bomb.getvalue()})
    with pytest.raises(SiteError) as caught:
        build_site(minimal)
    assert "photo 'bomb.png' is 8000×7000 pixels; the most is 50,000,000 pixels" in str(caught.value.problems[0])
