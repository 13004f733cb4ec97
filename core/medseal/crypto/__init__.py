"""medseal's cryptography: safe recipes on top, hazardous primitives below.

Recipes (use these): :mod:`~medseal.crypto.pseudonym` (patient pseudonyms ``P-XXXX-XXXX``),
:mod:`~medseal.crypto.keys` (the practice key, its text form and key file), :mod:`~medseal.crypto.passwords`
(envelope passwords). The envelopes themselves live in :mod:`medseal.envelope`.

Primitives (do not use outside these packages): :mod:`~medseal.crypto.backend`, one small interface with a
``cryptography`` backend on CPython and a ``@noble/*`` backend in Pyodide, byte-identical by shared vectors.
"""
