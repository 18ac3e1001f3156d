"""Consentry: fingerprint, match and act on non-consensual intimate images without holding them.

The flow, one package per stage:

    media     bytes in, decoded safely in memory (images, animations, videos)
    signals   fingerprints computed from decoded media (PDQ, vPDQ, digests)
    index     exact Hamming-radius search over 256-bit hashes
    store     banks of fingerprints in SQLite (never media)
    exchange  import/export of fingerprint files
    matching  signals of a file against the banks' indexes

The CLI (``consentry.cli``) is a thin shell over these.
"""

__version__ = "0.1.0"
