"""JPEG and PNG attachments as PDF images, without decoding what PDF can take as it is.

Phone PDF readers do not show files embedded in a PDF, so ``message.pdf`` also draws every photo and scan
as a page. A JPEG goes in unchanged (``/DCTDecode``); a PNG's compressed data goes in unchanged too
(``/FlateDecode`` with the PNG predictors) when it has no alpha channel and is not interlaced. A PNG with an
alpha channel is decoded (pure Python, up to :data:`MAX_ALPHA_PIXELS`) and split into colour and soft mask.
Anything else (interlaced PNG, 16-bit alpha, TIFF, HEIC...) is not drawn: it stays an embedded file.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

from pypdf.generic import ArrayObject, DecodedStreamObject, DictionaryObject, NameObject, NumberObject

from medseal.extract.media import JPEG_FRAME_MARKERS, PNG_SIGNATURE, jpeg_segments

MAX_ALPHA_PIXELS = 2_000_000
_JPEG_SPACES = {1: "/DeviceGray", 3: "/DeviceRGB", 4: "/DeviceCMYK"}


@dataclass(frozen=True)
class Image:
    """An image ready for a page: its size in pixels and its PDF stream (with a soft mask if any)."""

    width: int
    height: int
    stream: DecodedStreamObject
    mask: DecodedStreamObject | None = None


def _raw_stream(data: bytes, **entries: object) -> DecodedStreamObject:
    stream = DecodedStreamObject()
    stream.set_data(data)
    for key, value in entries.items():
        stream[NameObject("/" + key)] = value
    return stream


def _image_dict(width: int, height: int, space: object, bits: int) -> dict[str, object]:
    return {
        "Type": NameObject("/XObject"),
        "Subtype": NameObject("/Image"),
        "Width": NumberObject(width),
        "Height": NumberObject(height),
        "ColorSpace": space,
        "BitsPerComponent": NumberObject(bits),
    }


def jpeg(data: bytes) -> Image | None:
    """A baseline or progressive JPEG as it is; None if its frame header cannot be found."""
    if not data.startswith(b"\xff\xd8"):
        return None
    adobe = False
    try:
        for segment in jpeg_segments(data):
            if segment.marker == 0xEE and segment.body[:5] == b"Adobe":
                adobe = True
            if segment.marker in JPEG_FRAME_MARKERS and len(segment.body) >= 6:
                bits, height, width, components = struct.unpack(">BHHB", segment.body[:6])
                if components not in _JPEG_SPACES or not width or not height or bits != 8:
                    return None
                entries = _image_dict(width, height, NameObject(_JPEG_SPACES[components]), 8)
                entries["Filter"] = NameObject("/DCTDecode")
                if components == 4 and adobe:  # Adobe's CMYK JPEGs are stored inverted
                    entries["Decode"] = ArrayObject(NumberObject(v) for v in (1, 0) * 4)
                return Image(width, height, _raw_stream(data, **entries))
    except ValueError:
        return None
    return None


def _chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    chunks, i = [], 8
    while i + 8 <= len(data):
        (length,) = struct.unpack(">I", data[i : i + 4])
        kind = data[i + 4 : i + 8]
        body = data[i + 8 : i + 8 + length]
        if len(body) != length:
            break
        chunks.append((kind, body))
        if kind == b"IEND":
            break
        i += 12 + length
    return chunks


def _unfilter(raw: bytes, width: int, height: int, bpp: int) -> bytearray:
    """PNG's per-row filters undone (8-bit samples, ``bpp`` bytes per pixel)."""
    stride = width * bpp
    out = bytearray(stride * height)
    previous = bytearray(stride)
    pos = 0
    for row in range(height):
        kind = raw[pos]
        line = bytearray(raw[pos + 1 : pos + 1 + stride])
        pos += 1 + stride
        if kind == 1:
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 0xFF
        elif kind == 2:
            line = bytearray((a + b) & 0xFF for a, b in zip(line, previous, strict=True))
        elif kind == 3:
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + ((left + previous[i]) >> 1)) & 0xFF
        elif kind == 4:
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                b = previous[i]
                c = previous[i - bpp] if i >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        out[row * stride : (row + 1) * stride] = line
        previous = line
    return out


def png(data: bytes) -> Image | None:
    """A PNG as a PDF image; None for what is not drawn (see the module doc)."""
    if not data.startswith(PNG_SIGNATURE):
        return None
    chunks = _chunks(data)
    if not chunks or chunks[0][0] != b"IHDR" or len(chunks[0][1]) != 13:
        return None
    width, height, bits, color, _, _, interlace = struct.unpack(">IIBBBBB", chunks[0][1])
    idat = b"".join(body for kind, body in chunks if kind == b"IDAT")
    palette = next((body for kind, body in chunks if kind == b"PLTE"), b"")
    if interlace or not width or not height or not idat or width > 30000 or height > 30000:
        return None
    if color in (0, 2, 3):
        if color == 3:
            if not palette or len(palette) % 3 or bits > 8:
                return None
            space: object = ArrayObject(
                [
                    NameObject("/Indexed"),
                    NameObject("/DeviceRGB"),
                    NumberObject(len(palette) // 3 - 1),
                    _raw_stream(palette),
                ]
            )
            colors = 1
        else:
            space, colors = NameObject("/DeviceGray" if color == 0 else "/DeviceRGB"), 1 if color == 0 else 3
        entries = _image_dict(width, height, space, bits)
        entries["Filter"] = NameObject("/FlateDecode")
        entries["DecodeParms"] = DictionaryObject(
            {
                NameObject("/Predictor"): NumberObject(15),
                NameObject("/Colors"): NumberObject(colors),
                NameObject("/BitsPerComponent"): NumberObject(bits),
                NameObject("/Columns"): NumberObject(width),
            }
        )
        return Image(width, height, _raw_stream(idat, **entries))
    if color in (4, 6) and bits == 8 and width * height <= MAX_ALPHA_PIXELS:
        channels = 2 if color == 4 else 4
        try:
            pixels = _unfilter(zlib.decompress(idat), width, height, channels)
        except (zlib.error, IndexError, ValueError):
            return None
        colour = bytearray(width * height * (channels - 1))
        for channel in range(channels - 1):
            colour[channel :: channels - 1] = pixels[channel::channels]
        alpha = bytes(pixels[channels - 1 :: channels])
        space = NameObject("/DeviceGray" if color == 4 else "/DeviceRGB")
        mask = _raw_stream(
            zlib.compress(alpha),
            **_image_dict(width, height, NameObject("/DeviceGray"), 8),
            Filter=NameObject("/FlateDecode"),
        )
        stream = _raw_stream(
            zlib.compress(bytes(colour)), **_image_dict(width, height, space, 8), Filter=NameObject("/FlateDecode")
        )
        return Image(width, height, stream, mask)
    return None


def picture(data: bytes) -> Image | None:
    """``data`` as a drawable image if it is a JPEG or a PNG medseal can draw, else None."""
    try:
        return jpeg(data) or png(data)
    except (struct.error, IndexError, ValueError):
        return None
