"""URL checking and canonical form, so one article is one row however it is linked.

The canonical form lower-cases scheme and host, drops default ports, fragments and tracking
parameters (``utm_*``, ``fbclid`` …), and keeps everything else as the outlet wrote it: query
parameters that are not known trackers may select the article, so they stay.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from redline.core.errors import InvalidURL

#: Query parameters that only identify a campaign or a click, never the page.
TRACKING_PARAMETER = re.compile(
    r"^(utm_[a-z_]+|fbclid|gclid|dclid|gbraid|wbraid|msclkid|yclid|mc_cid|mc_eid|_ga|_gl|"
    r"igshid|ocid|cmpid|ncid|sr_share|ref_src|at_medium|at_campaign)$",
    re.IGNORECASE,
)

_DEFAULT_PORTS = {"http": 80, "https": 443}


def canonicalize_url(url: str) -> str:
    """Return the canonical form of an absolute http(s) URL, or raise InvalidURL saying why not."""
    text = url.strip()
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise InvalidURL(f"{url!r} is not a valid URL ({exc})") from None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise InvalidURL(
            f"{url!r} is not an http(s) URL: give the full address, like https://example.com/news/1"
        )
    host = (parts.hostname or "").rstrip(".")
    if not host or any(ch.isspace() for ch in text):
        raise InvalidURL(f"{url!r} is not a valid URL: it has no host name or contains spaces")
    try:
        host = host.encode("idna").decode("ascii")
    except UnicodeError:
        raise InvalidURL(f"{url!r} has an invalid host name") from None
    netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    if parts.username:
        raise InvalidURL(f"{url!r} contains a user name: redline does not send credentials in URLs")
    query = urlencode(
        [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
         if not TRACKING_PARAMETER.match(k)],
        doseq=True,
    )
    return urlunsplit((scheme, netloc, parts.path or "/", query, ""))


def canonical_or_none(url: str | None) -> str | None:
    """The canonical form of ``url``, or None when there is no URL or it is not one redline can track."""
    try:
        return canonicalize_url(url) if url else None
    except InvalidURL:
        return None


def same_host(a: str, b: str) -> bool:
    """True when two URLs name the same host (``www.`` ignored), which is when a canonical link counts."""
    def host(url: str) -> str:
        name = (urlsplit(url).hostname or "").lower()
        return name.removeprefix("www.")
    return host(a) != "" and host(a) == host(b)


def lookup_names(url: str) -> tuple[str, ...]:
    """The names to look a stored article up under: the URL as given, then its canonical form."""
    names = [url.strip()]
    try:
        names.append(canonicalize_url(url))
    except InvalidURL:
        pass
    return tuple(dict.fromkeys(names))
