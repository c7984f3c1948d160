"""What the global options decide (database, configuration), handed to every subcommand."""

from __future__ import annotations

from functools import cached_property

import click

from redline.app import Redline
from redline.app.config import load as load_config
from redline.app.config import locate as locate_config
from redline.core import environ
from redline.core.config import Config

DEFAULT_DB = "redline.db"


class Context:
    """What the global options decide, handed to every subcommand.

    The database is ``--db``, else ``$REDLINE_DB``, else ``db`` in the config file, else
    ``./redline.db``; the config file is ``--config``, else ``$REDLINE_CONFIG``, else
    ``./redline.toml`` when it exists. Both are resolved on first use, so commands that need
    neither never read the config.
    """

    def __init__(self, db_option: str | None, config_option: str | None) -> None:
        self._db_option = db_option or environ.text("REDLINE_DB")
        self._config_option = config_option

    @cached_property
    def config(self) -> Config:
        return load_config(locate_config(self._config_option))

    @cached_property
    def db_path(self) -> str:
        return self._db_option or str(self.config.db or DEFAULT_DB)

    @property
    def db_given(self) -> bool:
        """True when the user chose a database (option, environment or config), not the default."""
        return bool(self._db_option) or self.config.db is not None

    @cached_property
    def app(self) -> Redline:
        """The application on the chosen database and configuration."""
        return Redline(self.db_path, self.config)


pass_context = click.make_pass_decorator(Context)
