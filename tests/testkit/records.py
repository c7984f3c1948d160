"""Extraction results to record, for storage tests that need no page."""

from __future__ import annotations

from redline.storage import record


def extracted(headline: str, body: str = "First paragraph.\n\nSecond paragraph.") -> record.Extracted:
    return record.Extracted(headline=headline, body=body, byline="A. Writer", published=None, modified=None,
                            method="test", extractor_version="test-1")
