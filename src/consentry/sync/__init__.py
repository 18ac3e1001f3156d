"""Sharing banks between Consentry instances: the change feed and the client that mirrors it.

The feed (:func:`feed_page`) pages through the store's ``changes`` log: entries added
(with their fingerprints and label) and removed (tombstones). The client (:func:`sync_from`)
pulls a remote registry's feed over HTTPS and mirrors it into local banks, resuming from a
saved cursor; a remote removal (a withdrawal) deletes the local copy.
"""

from consentry.sync.client import SyncReport, sync_from
from consentry.sync.errors import InvalidCursor, InvalidLimit, SyncError
from consentry.sync.feed import MAX_FEED_LIMIT, FeedPage, decode_cursor, encode_cursor, feed_page

__all__ = [
    "MAX_FEED_LIMIT",
    "FeedPage",
    "InvalidCursor",
    "InvalidLimit",
    "SyncError",
    "SyncReport",
    "decode_cursor",
    "encode_cursor",
    "feed_page",
    "sync_from",
]
