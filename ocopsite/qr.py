"""Part of step 5, render: one QR code per product, an SVG beside its short link
("p/<slug>/qr.svg"), encoding the short link's public address so that a code printed on a label
keeps working whatever language the scanner reads."""

from __future__ import annotations

import io

import segno

from ocopsite.urls import short_link


def qr_file(slug: str) -> str:
    """Where a product's QR code is published."""
    return short_link(slug) + "qr.svg"


def qr_svg(address: str) -> bytes:
    """A QR code for ``address`` as a scalable SVG (viewBox, no fixed size), dark on white so
    that it scans in dark mode too, with the four-module quiet zone that scanners need."""
    code = segno.make(address, error="m", micro=False, boost_error=True)
    out = io.BytesIO()
    code.save(out, kind="svg", xmldecl=False, border=4, dark="#000", light="#fff", omitsize=True, title=address,
              svgclass=None, lineclass=None)
    return out.getvalue() + b"\n"
