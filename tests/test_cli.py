"""Every command answers --help; the package's public entry points exist."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from generator.cli import cli


@pytest.mark.parametrize("command", sorted(cli.commands))
def test_every_command_has_help(command: str) -> None:
    result = CliRunner().invoke(cli, [command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage: " in result.output
    assert cli.commands[command].help, f"{command} has no help text"


def test_expected_commands_exist() -> None:
    assert {"validate", "schema"} <= set(cli.commands)
