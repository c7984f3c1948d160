"""The application layer: :class:`Redline`, the facade the CLI, the web view and the demo share,
and the configuration reader (:mod:`redline.app.config`)."""

from redline.app.config import load as load_config
from redline.app.facade import CrawlReport, Redline

__all__ = ["CrawlReport", "Redline", "load_config"]
