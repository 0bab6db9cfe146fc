"""Part of step 5, render: one QR code per product, an SVG beside its short link
("p/<slug>/qr.svg"), encoding the short link's public address so that a code printed on a label
keeps working whatever language the scanner reads."""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

import segno

from ocopsite.cache import Cache, digest
from ocopsite.catalogue import Catalogue
from ocopsite.parallel import Workers
from ocopsite.urls import Urls, short_link


def qr_file(slug: str) -> str:
    """Where a product's QR code is published."""
    return short_link(slug) + "qr.svg"


VERSION = 2  # bump when qr_svg's output changes for the same address


def qr_svg(address: str) -> bytes:
    """A QR code for ``address`` as a scalable SVG (viewBox, no fixed size), dark on white so
    that it scans in dark mode too, with the four-module quiet zone that scanners need. segno
    chooses the mask as ISO/IEC 18004 says (the lowest penalty of eight)."""
    code = segno.make(address, error="m", micro=False, boost_error=True)
    out = io.BytesIO()
    code.save(out, kind="svg", xmldecl=False, border=4, dark="#000", light="#fff", omitsize=True, title=address,
              svgclass=None, lineclass=None)
    return out.getvalue() + b"\n"


def qr_codes(cat: Catalogue, urls: Urls, cache: Cache, folder: Path, workers: Workers) -> Mapping[str, bytes]:
    """Every product's code, by the file it is published as: all of them as the build before
    made them if every address is the same (``cache``, in memory), else each from ``folder``
    where it holds one for the same address, else made on every core."""
    addresses = {qr_file(e.slug): urls.absolute(short_link(e.slug)) for e in cat.products}
    key = digest(str(VERSION), segno.__version__, *(f"{name} {address}" for name, address in addresses.items()))
    return cache.remember("qr", key, lambda: _codes(addresses, folder, workers))


def _codes(addresses: Mapping[str, str], cache: Path, workers: Workers) -> dict[str, bytes]:
    found = {name: data for name, address in addresses.items() if (data := _cached(address, cache)) is not None}
    todo = [name for name in addresses if name not in found]
    for name, data in zip(todo, workers.map(qr_svg, [addresses[n] for n in todo]), strict=True):
        found[name] = data
        _keep(addresses[name], cache, data)
    return {name: found[name] for name in addresses}


def _entry(address: str, cache: Path) -> Path:
    key = hashlib.sha256(f"{VERSION}|{segno.__version__}|{address}".encode()).hexdigest()
    return cache / "qr" / key[:2] / f"{key}.svg"


def _cached(address: str, cache: Path) -> bytes | None:
    try:
        return _entry(address, cache).read_bytes()
    except OSError:
        return None


def _keep(address: str, cache: Path, data: bytes) -> None:
    path = _entry(address, cache)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as stream:
            stream.write(data)
        os.replace(stream.name, path)  # whole or not at all
    except OSError:
        pass  # a cache that cannot be written is no error
