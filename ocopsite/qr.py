"""Part of step 5, render: one QR code per product, an SVG beside its short link
("p/<slug>/qr.svg"), encoding the short link's public address so that a code printed on a label
keeps working whatever language the scanner reads."""

from __future__ import annotations

import functools
import hashlib
import io
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import segno
from segno import encoder as _encoder

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
    code = make(address)
    out = io.BytesIO()
    code.save(out, kind="svg", xmldecl=False, border=4, dark="#000", light="#fff", omitsize=True, title=address,
              svgclass=None, lineclass=None)
    return out.getvalue() + b"\n"


def make(address: str) -> segno.QRCode:
    """``segno.make(address)`` as this module asks for it, with the same mask, chosen faster.

    ISO/IEC 18004 picks, of eight masks, the one whose symbol scores the lowest penalty (long
    runs, 2×2 blocks, finder-like patterns, dark/light balance). segno scores them module by
    module in Python, which is most of the time a code takes. Here the code is made once with
    mask 0, the mask is undone, and all eight are scored on whole symbols packed into integers
    (``_penalty``), the same rules as segno's ``encoder.mask_scores`` with the same ties; then
    mask 0 is swapped for the winner, and the format information that names it rewritten.
    ``tests/test_qr.py`` checks the code against segno's own over every version the
    catalogue's addresses reach.
    """
    first = segno.make(address, error="m", micro=False, boost_error=True, mask=0)
    shape = _shape(len(first.matrix))
    packed = _pack_both(first.matrix)
    rows = packed.rows
    unmasked = (rows & shape.region.rows) ^ shape.masks[0].rows
    unmasked_t = (packed.columns & shape.region.columns) ^ shape.masks[0].columns
    scores = [_penalty(shape.fixed.rows | (unmasked ^ mask.rows), shape.fixed.columns | (unmasked_t ^ mask.columns),
                       shape) for mask in shape.masks]
    best = scores.index(min(scores))  # the first of equals, as segno
    if best == 0:
        return first
    size, stride = shape.size, shape.size + PAD
    bits = format(rows ^ shape.masks[0].rows ^ shape.masks[best].rows, f"0{size * stride + PAD}b")[::-1]
    modules = bits.encode().translate(_MODULES)
    matrix = tuple(bytearray(modules[PAD + i * stride:PAD + i * stride + size]) for i in range(size))
    version, error = first._version, first._error  # segno's constants, for its own functions
    encoder.add_format_info(matrix, version, error, best)
    segments = [SimpleNamespace(mode=first._mode)]  # all that QRCode reads of its segments
    return segno.QRCode(SimpleNamespace(matrix=matrix, version=version, error=error, mask=best, segments=segments))  # type: ignore[call-arg]  # its stub omits the one argument


encoder: Any = _encoder  # segno's internals (untyped): the layout and masks that ``make`` mirrors
PAD = 4  # light modules before each line and after the last: the quiet zone, as segno's N3 sees it
_BITS = bytes.maketrans(b"\x00\x01", b"01")
_MODULES = bytes.maketrans(b"01", b"\x00\x01")


def _pack(lines: list[bytes] | tuple[bytearray, ...]) -> int:
    """Modules (0 or 1 each) as the bits of one integer, line after line, each line after
    ``PAD`` light modules and the last one followed by ``PAD`` more: bit ``PAD + i * (size +
    PAD) + j`` is module ``j`` of line ``i``."""
    pad = bytes(PAD)
    return int((pad + pad.join(lines) + pad).translate(_BITS)[::-1], 2)


@dataclass(frozen=True)
class _Both:
    rows: int  # packed line by line
    columns: int  # the same modules packed column by column


def _pack_both(lines: list[bytes] | tuple[bytearray, ...]) -> _Both:
    return _Both(_pack(lines), _pack([bytes(column) for column in zip(*lines, strict=True)]))


@dataclass(frozen=True)
class _Shape:
    """What every QR code of one size shares, packed both ways."""

    size: int
    modules: _Both  # every module of the symbol (not the padding)
    region: _Both  # the modules a mask applies to (the encoding region)
    fixed: _Both  # the dark modules outside it while masks are scored (format and version areas light)
    masks: tuple[_Both, ...]  # each mask's dark modules within the region
    starts: int  # where a 7-module pattern can start within a line (rows and columns alike)


@functools.cache
def _shape(size: int) -> _Shape:
    # The matrix as segno's find_and_apply_best_mask sees it: function patterns set, the format
    # and version areas (the dark module among them) reserved as light, the rest (0x2) the
    # encoding region, where data goes and masks apply.
    layout = encoder.make_matrix(size, size)
    encoder.add_finder_patterns(layout, size, size)
    encoder.add_alignment_patterns(layout, size, size)

    def where(test: Callable[[int, int], object]) -> _Both:
        return _pack_both([bytes(int(bool(test(i, j))) for j in range(size)) for i in range(size)])

    def region(i: int, j: int) -> bool:
        return bool(layout[i][j] > 1)

    def masked(pattern: Callable[[int, int], bool]) -> Callable[[int, int], bool]:
        return lambda i, j: region(i, j) and pattern(i, j)

    return _Shape(
        size,
        modules=where(lambda i, j: True),
        region=where(region),
        fixed=where(lambda i, j: layout[i][j] == 1),
        masks=tuple(where(masked(pattern)) for pattern in encoder.get_data_mask_functions(False)),
        starts=where(lambda i, j: j <= size - 7).rows,
    )


def _penalty(rows: int, columns: int, shape: _Shape) -> int:
    """segno's penalty score (``encoder.mask_scores``, summed) of a masked symbol, from its
    modules packed line by line and column by column."""
    score = 0
    stride = shape.size + PAD
    everything = (1 << (shape.size * stride + PAD)) - 1
    for dark, modules in ((rows, shape.modules.rows), (columns, shape.modules.columns)):
        # N1: a run of 5 + i modules of one colour in a line scores 3 + i, which is one point
        # per 5-module window it holds plus two per run.
        for same in (dark, ~dark & modules):
            windows = same & same >> 1 & same >> 2 & same >> 3 & same >> 4
            score += windows.bit_count() + 2 * (windows & ~(windows << 1)).bit_count()
        # N3: dark-light-dark-dark-dark-light-dark with four light modules (or the quiet zone)
        # before or after it, 40 each. Like segno, a pattern found and counted hides the ones
        # that overlap its end (4 or 6 modules on); one not counted does not.
        light = ~dark & everything
        found = dark & light >> 1 & dark >> 2 & dark >> 3 & dark >> 4 & light >> 5 & dark >> 6 & shape.starts
        if found:
            clear = (light << 1 & light << 2 & light << 3 & light << 4) | (light >> 7 & light >> 8 & light >> 9
                                                                          & light >> 10)
            if not found & (found >> 4 | found >> 6):
                score += 40 * (found & clear).bit_count()
            else:
                after = 0
                while found:
                    lowest = found & -found
                    found ^= lowest
                    at = lowest.bit_length() - 1
                    if at >= after:
                        counted = clear >> at & 1
                        score += 40 * counted
                        after = at + (7 if counted else 4)
    # N2: each 2×2 block of one colour, 3.
    light = ~rows & shape.modules.rows
    for same in (rows, light):
        score += 3 * (same & same >> 1 & same >> stride & same >> (stride + 1)).bit_count()
    # N4: 10 for each full 5% that dark modules stray from half, in segno's arithmetic.
    percent = float(rows.bit_count()) / (shape.size ** 2)
    return score + 10 * int(abs(percent * 100 - 50) / 5)
