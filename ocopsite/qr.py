"""Part of step 5, render: one QR code per product, an SVG beside its short link
("p/<slug>/qr.svg"), encoding the short link's public address so that a code printed on a label
keeps working whatever language the scanner reads."""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
from pathlib import Path

import segno

from ocopsite.urls import short_link


def qr_file(slug: str) -> str:
    """Where a product's QR code is published."""
    return short_link(slug) + "qr.svg"


VERSION = 1  # bump when qr_svg's output changes for the same address
CACHE = Path(".ocopsite-cache") / "qr"


def cached_qr_svg(address: str, cache: Path | None) -> bytes:
    """``qr_svg(address)``, kept in ``cache`` (a folder), keyed by the address and everything
    that shapes the code: choosing the best mask makes a code take milliseconds."""
    if cache is None:
        return qr_svg(address)
    key = hashlib.sha256(f"{VERSION}|{segno.__version__}|{address}".encode()).hexdigest()
    path = cache / key[:2] / f"{key}.svg"
    try:
        return path.read_bytes()
    except OSError:
        pass
    data = qr_svg(address)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as stream:
            stream.write(data)
        os.replace(stream.name, path)  # whole or not at all
    except OSError:
        pass  # a cache that cannot be written is no error
    return data


def qr_svg(address: str) -> bytes:
    """A QR code for ``address`` as a scalable SVG (viewBox, no fixed size), dark on white so
    that it scans in dark mode too, with the four-module quiet zone that scanners need."""
    code = segno.make(address, error="m", micro=False, boost_error=True)
    out = io.BytesIO()
    code.save(out, kind="svg", xmldecl=False, border=4, dark="#000", light="#fff", omitsize=True, title=address,
              svgclass=None, lineclass=None)
    return out.getvalue() + b"\n"
