"""medseal: find and protect Belgian patient identifiers in outgoing e-mail.

The core is pure Python: it runs unchanged on CPython and inside Pyodide. It does no network and no
process-wide I/O of its own; the fronts (CLI, Thunderbird, Outlook) hand it bytes and apply its results.
"""

__version__ = "0.1.0"
