"""Exit codes of every medseal command (the CLI contract)."""

from __future__ import annotations

EXIT_OK = 0  # clean, or protected
EXIT_FINDINGS = 1  # findings, or blocked
EXIT_INPUT = 2  # usage or input error
EXIT_INTERNAL = 3  # internal error


class CliError(Exception):
    """An error the user can act on; ``code`` is the exit code."""

    def __init__(self, message: str, code: int = EXIT_INPUT) -> None:
        super().__init__(message)
        self.code = code
