"""Every command is documented: help with examples, and a section in the README."""

from __future__ import annotations

from pathlib import Path

import click
import pytest

from redline.cli import cli

ROOT = Path(__file__).resolve().parent.parent
COMMANDS = sorted(cli.commands)


@pytest.mark.parametrize("name", COMMANDS)
def test_command_help_has_examples(name):
    command = cli.commands[name]
    with click.Context(command, info_name=name) as ctx:
        text = command.get_help(ctx)
    assert "Examples:" in text and f"redline " in text, f"`redline {name} --help` lacks examples"


@pytest.mark.parametrize("name", COMMANDS)
def test_readme_documents_command(name):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"redline {name}" in readme or f"crawl --once" in readme and name == "crawl", \
        f"README.md has no example of `redline {name}`"
