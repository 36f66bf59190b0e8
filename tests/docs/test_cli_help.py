"""Every command and every option of the command line says what it does."""

import argparse
import subprocess
import sys
from pathlib import Path

import click
import pytest

ROOT = Path(__file__).resolve().parents[2]
FLASK_OWN = {"run", "shell", "routes"}  # Flask's built-in commands, documented by Flask


def _walk(command, path=()):
    yield path, command
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            yield from _walk(sub, (*path, name))


def _app_commands(name, tmp_path):
    if name == "idp":
        from idp import create_app
    else:
        from vuce_client import create_app
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    return app.cli


@pytest.mark.parametrize("name", ["idp", "vuce_client"])
def test_every_flask_command_and_option_has_help(name, tmp_path):
    missing = []
    group = _app_commands(name, tmp_path)
    walked = list(_walk(group))
    assert len(walked) > 3
    for path, command in walked[1:]:  # [0] is the app's own group
        if path[0] in FLASK_OWN:
            continue
        if not (command.help or command.short_help):
            missing.append(" ".join(path))
        for param in command.params:
            if isinstance(param, click.Option) and not param.help:
                missing.append(f"{' '.join(path)} {param.opts[0]}")
    assert not missing, f"without help: {missing}"


def _argparse_actions(parser):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from ((f"{name} {a}", h) for a, h in _argparse_actions(sub))
        elif action.option_strings:
            yield action.option_strings[-1], action.help


def test_every_vuce_sol_option_has_help():
    from launcher.cli import build_parser

    missing = [opt for opt, text in _argparse_actions(build_parser()) if not text]
    assert not missing, f"without help: {missing}"


def test_vuce_sol_help_is_plain_text():
    done = subprocess.run(
        [sys.executable, "-m", "launcher.cli", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    text = done.stdout
    assert "``" not in text and ":class:" not in text  # no reST
    assert "arranca SOL, VUCE" in text
    for name in ("up", "clients"):
        sub = subprocess.run(
            [sys.executable, "-m", "launcher.cli", name, "--help"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert "``" not in sub and "--instance DIR" in sub
