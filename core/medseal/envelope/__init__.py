"""Envelopes: what carries a protected message's content to its recipients.

:mod:`~medseal.envelope.pdf` (AES-256 PDFs opened with a password), :mod:`~medseal.envelope.smime` (S/MIME to
recipients' certificates, CPython only) and :mod:`~medseal.envelope.opening` (the recipient's side, and the
protected-envelope specification). pypdf is imported only when an envelope module is.
"""
