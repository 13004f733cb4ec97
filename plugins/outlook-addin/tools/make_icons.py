"""Draw the add-in's icons (a white seal mark on Fluent blue) as PNG files, with the standard library only.

Run from the repository root: ``python plugins/outlook-addin/tools/make_icons.py``. The PNGs are committed;
this script is how they were made.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

ASSETS = Path(__file__).resolve().parents[1] / "server" / "medseal_outlook" / "web" / "assets"
BLUE = (15, 108, 189)
WHITE = (255, 255, 255)


def _png(size: int, pixels: list[list[tuple[int, int, int, int]]]) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + bytes(v for px in row for v in px) for row in pixels)
    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def _coverage(size: int, inside: object, x: int, y: int) -> float:
    """Fraction of pixel (x, y) inside the shape, by 4x4 supersampling (smooth edges)."""
    hits = 0
    for i in range(4):
        for j in range(4):
            u, v = (x + (i + 0.5) / 4) / size, (y + (j + 0.5) / 4) / size
            hits += bool(inside(u, v))  # type: ignore[operator]
    return hits / 16


def _disc(u: float, v: float) -> bool:
    return (u - 0.5) ** 2 + (v - 0.5) ** 2 <= 0.47**2


def _mark(u: float, v: float) -> bool:
    """A padlock: shackle ring above a body with a keyhole."""
    body = 0.28 <= u <= 0.72 and 0.46 <= v <= 0.78
    keyhole = (u - 0.5) ** 2 + (v - 0.58) ** 2 <= 0.045**2 or (0.485 <= u <= 0.515 and 0.58 <= v <= 0.7)
    ring = 0.11**2 <= (u - 0.5) ** 2 + (v - 0.44) ** 2 <= 0.17**2 and v <= 0.46
    legs = (0.33 <= u <= 0.39 or 0.61 <= u <= 0.67) and 0.42 <= v <= 0.47
    return (body and not keyhole) or ring or legs


def icon(size: int, outline: bool = False) -> bytes:
    rows = []
    for y in range(size):
        row = []
        for x in range(size):
            mark = _coverage(size, _mark, x, y)
            if outline:  # the unified manifest's outline icon: white on transparent
                row.append((*WHITE, round(255 * mark)))
                continue
            disc = _coverage(size, _disc, x, y)
            colour = tuple(round(b * (1 - mark) + w * mark) for b, w in zip(BLUE, WHITE, strict=True))
            row.append((*colour, round(255 * disc)))
        rows.append(row)
    return _png(size, rows)


def main() -> None:
    ASSETS.mkdir(parents=True, exist_ok=True)
    for size in (16, 32, 64, 80, 128, 192):
        (ASSETS / f"icon-{size}.png").write_bytes(icon(size))
    (ASSETS / "outline-32.png").write_bytes(icon(32, outline=True))


if __name__ == "__main__":
    main()
