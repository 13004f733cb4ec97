"""Images: which ones may travel in clear, and the text hidden in their headers.

medseal does no OCR, so the pixels of an image are never "read". The rule:

- A **decorative image** — a signature logo, an icon — passes: a PNG, JPEG, GIF or BMP of at most
  :data:`DECORATIVE_BYTES` bytes whose header says at most :data:`DECORATIVE_PIXELS` pixels (300 x 300, or a
  600 x 150 banner) and no side longer than :data:`DECORATIVE_SIDE`. Its text metadata (PNG ``tEXt``/``zTXt``/
  ``iTXt``/``eXIf`` chunks, JPEG comments, EXIF, XMP and IPTC segments, GIF comment and text extensions) is
  read and scanned like any text: a camera or a scanner writes names and numbers there.
- **Every other image** — a clinical photo, a scanned lab report, a screenshot of a patient record, an image
  whose header does not decode, a format whose header is not read here (TIFF, WebP, HEIC...) — is
  unreadable: it goes inside the envelope for an untrusted recipient, and the scan says why.

Sizes come from the header (PNG ``IHDR``, JPEG ``SOFn``, GIF logical screen, BMP info header): nothing is
decompressed but the ``zTXt``/``iTXt`` text, and that against the attachment's decompression budget.
"""

from __future__ import annotations

import re
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field

from medseal.errors import UnreadableAttachment
from medseal.extract.limits import Budget

__all__ = [
    "DECORATIVE_BYTES", "DECORATIVE_PIXELS", "DECORATIVE_SIDE", "JPEG_FRAME_MARKERS", "PNG_SIGNATURE", "ImageInfo",
    "JpegSegment", "image_info", "image_text", "jpeg_segments",
]

DECORATIVE_BYTES = 24 * 1024
DECORATIVE_PIXELS = 90_000
DECORATIVE_SIDE = 800

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_TEXT = frozenset({b"tEXt", b"zTXt", b"iTXt", b"eXIf"})
#: The JPEG start-of-frame markers (SOF0-SOF15 but DHT, JPG and DAC): their segment holds the image size.
JPEG_FRAME_MARKERS = frozenset({0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF})
_JPEG_TEXT = frozenset({0xFE, 0xE1, 0xED})  # COM, APP1 (EXIF, XMP), APP13 (IPTC)
_BMP_HEADERS = frozenset({12, 40, 52, 56, 64, 108, 124})
_PRINTABLE = re.compile(rb"[\x20-\x7e\x80-\xff\t]{3,}")
_UTF16 = re.compile(rb"(?:[\x20-\x7e][\x00]){3,}")


@dataclass(frozen=True)
class ImageInfo:
    """What the header of an image says: its format, its size in pixels and its text metadata segments."""

    format: str
    width: int
    height: int
    metadata: tuple[tuple[str, bytes], ...] = field(default=())


def _png(data: bytes) -> ImageInfo | None:
    if not data.startswith(PNG_SIGNATURE) or len(data) < 33:
        return None
    length, kind = struct.unpack(">I4s", data[8:16])
    if kind != b"IHDR" or length != 13 or zlib.crc32(data[12:29]) != struct.unpack(">I", data[29:33])[0]:
        return None
    width, height, depth, colour = struct.unpack(">IIBB", data[16:26])
    if not width or not height or depth not in (1, 2, 4, 8, 16) or colour not in (0, 2, 3, 4, 6):
        return None
    metadata: list[tuple[str, bytes]] = []
    at = 33
    while at + 12 <= len(data):
        length, kind = struct.unpack(">I4s", data[at : at + 8])
        end = at + 12 + length
        if end > len(data):
            return None  # a chunk cut off: not a PNG we can vouch for
        if kind in _PNG_TEXT:
            metadata.append((kind.decode("ascii"), data[at + 8 : at + 8 + length]))
        at = end
        if kind == b"IEND":
            break
    else:
        return None  # no IEND
    return ImageInfo("png", width, height, tuple(metadata))


@dataclass(frozen=True)
class JpegSegment:
    """One marker segment of a JPEG: its marker, its body (after the length field) and where it ends."""

    marker: int
    body: bytes
    end: int


def jpeg_segments(data: bytes) -> Iterator[JpegSegment]:
    """The marker segments of the JPEG ``data`` in order, up to and including the start of scan (``SOS``, after
    which entropy-coded data follows) or the end of image; :class:`ValueError` when the marker structure is
    broken (a byte that is no marker, a segment running past the end)."""
    at = 2
    while at + 4 <= len(data):
        if data[at] != 0xFF:
            raise ValueError("not a JPEG marker")
        marker = data[at + 1]
        if marker == 0xFF:  # fill byte
            at += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:  # markers without a segment
            at += 2
            continue
        if marker == 0xD9:
            return
        (length,) = struct.unpack(">H", data[at + 2 : at + 4])
        end = at + 2 + length
        if length < 2 or end > len(data):
            raise ValueError("a JPEG segment runs past the end")
        yield JpegSegment(marker, data[at + 4 : end], end)
        if marker == 0xDA:
            return
        at = end


def _jpeg(data: bytes) -> ImageInfo | None:
    if not data.startswith(b"\xff\xd8\xff"):
        return None
    size = None
    metadata: list[tuple[str, bytes]] = []
    try:
        for segment in jpeg_segments(data):
            if segment.marker in JPEG_FRAME_MARKERS and len(segment.body) >= 5:
                height, width = struct.unpack(">HH", segment.body[1:5])
                size = (width, height)
            elif segment.marker in _JPEG_TEXT:
                metadata.append((f"jpeg-{segment.marker:02x}", segment.body))
            if segment.marker == 0xDA:  # entropy-coded data follows; later segments (COM...) are searched
                rest = data[segment.end :]
                for found in re.finditer(rb"\xff([\xfe\xe1\xed])(..)", rest, re.S):
                    seg_len = struct.unpack(">H", found.group(2))[0]
                    metadata.append((f"jpeg-{found.group(1)[0]:02x}", rest[found.end() : found.end() + seg_len - 2]))
    except ValueError:
        return None
    if size is None or not size[0] or not size[1]:
        return None
    return ImageInfo("jpeg", size[0], size[1], tuple(metadata))


def _gif_blocks(data: bytes, at: int) -> tuple[bytes, int] | None:
    out = bytearray()
    while at < len(data):
        length = data[at]
        at += 1
        if not length:
            return bytes(out), at
        out += data[at : at + length]
        at += length
    return None


def _gif(data: bytes) -> ImageInfo | None:
    if not data.startswith((b"GIF87a", b"GIF89a")) or len(data) < 14:
        return None
    width, height, flags = struct.unpack("<HHB", data[6:11])
    if not width or not height:
        return None
    at = 13 + (3 * 2 ** ((flags & 7) + 1) if flags & 0x80 else 0)
    metadata: list[tuple[str, bytes]] = []
    while at < len(data):
        block = data[at]
        if block == 0x3B:
            return ImageInfo("gif", width, height, tuple(metadata))
        if block == 0x21 and at + 2 <= len(data):
            label = data[at + 1]
            read = _gif_blocks(data, at + 2)
            if read is None:
                return None
            if label in (0xFE, 0x01, 0xFF):  # comment, plain text, application (XMP)
                metadata.append((f"gif-{label:02x}", read[0]))
            at = read[1]
        elif block == 0x2C and at + 10 <= len(data):
            local = data[at + 9]
            at += 10 + (3 * 2 ** ((local & 7) + 1) if local & 0x80 else 0) + 1  # + LZW minimum code size
            read = _gif_blocks(data, at)
            if read is None:
                return None
            at = read[1]
        else:
            return None
    return None


def _bmp(data: bytes) -> ImageInfo | None:
    if not data.startswith(b"BM") or len(data) < 26:
        return None
    file_size, offset, header = struct.unpack("<I4xII", data[2:18])
    if file_size != len(data) or header not in _BMP_HEADERS or not 14 + header <= offset < len(data):
        return None
    if header == 12:
        width, height = struct.unpack("<HH", data[18:22])
    else:
        width, height = struct.unpack("<ii", data[18:26])
    height = abs(height)
    if width <= 0 or not height:
        return None
    return ImageInfo("bmp", width, height)


def image_info(data: bytes) -> ImageInfo | None:
    """The header of a PNG, JPEG, GIF or BMP image when it really decodes as one; None otherwise."""
    for reader in (_png, _jpeg, _gif, _bmp):
        info = reader(data)
        if info is not None:
            return info
    return None


def is_decorative(info: ImageInfo, size: int | None) -> bool:
    """Small in bytes (unless ``size`` is None) and in pixels: a logo or an icon, not a photo or a scan."""
    return (
        (size is None or size <= DECORATIVE_BYTES)
        and info.width * info.height <= DECORATIVE_PIXELS
        and max(info.width, info.height) <= DECORATIVE_SIDE
    )


def _inflate(data: bytes, budget: Budget) -> bytes:
    inflater = zlib.decompressobj()
    try:
        out = inflater.decompress(data, max(budget.left, 0) + 1)
    except zlib.error:
        raise UnreadableAttachment("image with corrupt compressed text") from None
    budget.spend(len(out))
    return out


def _segment_text(name: str, raw: bytes, budget: Budget) -> str:
    if name == "zTXt":
        keyword, _, rest = raw.partition(b"\0")
        raw = keyword + b" " + _inflate(rest[1:], budget)
    elif name == "iTXt":
        keyword, _, rest = raw.partition(b"\0")
        compressed = rest[:1] == b"\x01"
        language, _, rest = rest[2:].partition(b"\0")
        translated, _, text = rest.partition(b"\0")
        raw = b" ".join((keyword, language, translated, _inflate(text, budget) if compressed else text))
    runs = [m.group().decode("utf-8", errors="replace") for m in _PRINTABLE.finditer(raw)]
    runs += [m.group().decode("utf-16-le") for m in _UTF16.finditer(raw)]  # EXIF XPComment, XPAuthor...
    return "\n".join(run.strip() for run in runs if run.strip())


def image_text(data: bytes, budget: Budget, *, rendering: bool = False) -> str:
    """The text metadata of a decorative image; raises UnreadableAttachment for any other image.

    ``rendering``: the image is a document's own thumbnail (a small rendering of a page whose text is read
    anyway): only its pixel size counts, not its bytes (a page of text compresses less well than a logo)."""
    info = image_info(data)
    if info is None:
        raise UnreadableAttachment("image in a format whose content cannot be checked")
    if not is_decorative(info, None if rendering else len(data)):
        raise UnreadableAttachment(f"image ({info.width}x{info.height} px): a photo or a scan cannot be checked")
    return "\n".join(t for name, raw in info.metadata if (t := _segment_text(name, raw, budget)))
