"""The web pages ``consentry serve`` hosts: a thin shell over the registry's HTTP API.

- ``/`` (people at risk): pick photos or videos; the browser computes their fingerprints
  and sends only those to ``POST /v1/cases``. ``/case``: check or withdraw a case.
- ``/review`` (moderators): decisions sent to review, approved or rejected with a
  partner key that has the ``review`` scope.

Everything a page uses is served from this package (``static/``): no CDN, no web fonts
from elsewhere, no analytics; the Content-Security-Policy says so to the browser too.
"""

from consentry.web.pages import PAGES, install_web

__all__ = ["PAGES", "install_web"]
