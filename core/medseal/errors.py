"""The exception tree shared by every part of medseal.

Every error the user can cause derives from :class:`InputError` (exit code 2 in the CLI); a verdict that
blocks is not an exception. Like python-stdnum, each class carries a default message.
"""

from __future__ import annotations


class MedsealError(Exception):
    """Top-level medseal error."""

    message = "medseal error"

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.message)

    @property
    def reason(self) -> str:
        return str(self)


class InputError(MedsealError, ValueError):
    """The input cannot be used as given (unreadable file, not an e-mail, malformed CSV or TOML)."""

    message = "invalid input"


class DirectoryError(InputError):
    """The patient directory CSV is malformed."""

    message = "malformed patient directory"


class PolicyError(InputError):
    """The practice policy file is invalid."""

    message = "invalid policy file"


class SnapshotError(InputError):
    """A compose snapshot does not follow the JSON contract."""

    message = "invalid compose snapshot"


class KeyFileError(InputError):
    """The practice key file is missing, unreadable or malformed."""

    message = "invalid practice key file"


class DecryptionError(InputError):
    """One opaque error for every failure to open an envelope (wrong password, tampered, truncated)."""

    message = "the envelope cannot be opened: wrong password or key, or the message was altered or truncated"


class UnreadableAttachment(MedsealError):
    """Text could not be extracted from an attachment (encrypted, corrupt, over a limit)."""

    message = "attachment cannot be read"
