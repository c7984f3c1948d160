"""Reading Scrapy responses the same way in every spider."""

from __future__ import annotations

from scrapy.http import Response


def header_dict(response: Response) -> dict[str, str]:
    """All response headers as text, repeated ones joined with ``, `` (as HTTP allows)."""
    return {name.decode("latin-1"): ", ".join(v.decode("latin-1") for v in values)
            for name, values in response.headers.items()}


def header_text(response: Response, name: bytes) -> str | None:
    """A response header as text (HTTP headers are Latin-1), or None when it is absent or empty."""
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None
