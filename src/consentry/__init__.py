"""Consentry: fingerprint, match and act on non-consensual intimate images without holding them.

The flow, one package per stage:

    media     bytes in, decoded safely in memory (images, animations, videos)
    signals   fingerprints (PDQ, vPDQ, digests), classifiers and provenance checks
    index     exact Hamming-radius search over 256-bit hashes
    matching  signals of a file against the banks' indexes (snapshot or live)
    policy    matches and findings -> an explained block / review / allow decision
    store     banks, cases, partners, decisions, audit (SQLite or PostgreSQL; never media)
    exchange  import/export of fingerprint files; sync: the partners' feed

``consentry.assessment`` runs the flow for one file; the CLI, the service and the other
clients are thin shells over it.
"""

import os as _os

# onnxruntime starts Microsoft's usage telemetry when imported (files under ~/.cache, meant
# for upload). Consentry sends nothing anywhere: off before any module can import it,
# unless an operator set the variable themselves.
_os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")

__version__ = "0.1.0"
