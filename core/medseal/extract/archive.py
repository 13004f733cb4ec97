"""Zip containers read defensively: the zip-bomb guards every office document and archive goes through.

Before anything is inflated: the member count, the declared uncompressed total (against the budget shared by
nested archives) and each member's compression ratio are checked; encrypted members are refused. Reads are
then bounded, so a member that lies about its size is cut off rather than trusted.
"""

from __future__ import annotations

import io
import zipfile
import zlib

from medseal.errors import UnreadableAttachment
from medseal.extract.limits import Budget

#: A member inflating more than this many times its compressed size (and past 1 MiB) is a zip bomb.
MAX_RATIO = 500
_RATIO_FLOOR = 2**20
_CHUNK = 2**16


def open_zip(data: bytes, budget: Budget) -> zipfile.ZipFile:
    """Open ``data`` as a zip archive after the structural checks; raise UnreadableAttachment otherwise."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, IndexError):
        raise UnreadableAttachment("corrupt zip archive") from None
    limits = budget.limits
    if len(members) > limits.max_zip_members:
        raise UnreadableAttachment(f"archive with more than {limits.max_zip_members} files")
    if sum(m.file_size for m in members) > budget.left:
        raise UnreadableAttachment("expands beyond the decompression limit")
    for member in members:
        if member.flag_bits & 0x1:
            raise UnreadableAttachment("encrypted archive")
        if member.file_size > _RATIO_FLOOR and member.file_size > MAX_RATIO * max(member.compress_size, 1):
            raise UnreadableAttachment("suspicious compression ratio (zip bomb)")
    return archive


def read_member(archive: zipfile.ZipFile, member: zipfile.ZipInfo, budget: Budget) -> bytes:
    """The bytes of ``member``, never more than it declared nor than the budget allows."""
    cap = min(member.file_size, budget.left)
    out = bytearray()
    try:
        with archive.open(member) as stream:
            while chunk := stream.read(min(_CHUNK, cap + 1 - len(out))):
                out += chunk
                if len(out) > cap:
                    raise UnreadableAttachment("archive member larger than declared or over the limit")
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError, NotImplementedError, RuntimeError):
        raise UnreadableAttachment("corrupt zip archive") from None
    budget.spend(len(out))
    return bytes(out)


def find_member(archive: zipfile.ZipFile, name: str) -> zipfile.ZipInfo | None:
    """The member called ``name``, if present."""
    try:
        return archive.getinfo(name)
    except KeyError:
        return None
