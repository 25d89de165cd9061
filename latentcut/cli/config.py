"""Defaults from a TOML config file, one table per command, keys named as the long options:

    [detect]
    encoder = "pixel"
    min-shot-len = "0.5s"
    html = "$VIDEO_NAME.html"

    [split-video]
    copy = true

Read from ``--config FILE`` (anywhere on the line), else ``$LATENTCUT_CONFIG``, else
``latentcut.toml`` in the user's config folder (``~/.config/latentcut`` on Linux) when it exists.
What the command line says wins over the file; a value is checked as the same option typed
would be, and an unknown command or key is an error naming the file.
"""
from __future__ import annotations

import argparse
import os
import tomllib

from latentcut.errors import LatentcutError

ENV = "LATENTCUT_CONFIG"


def default_path() -> str | None:
    from platformdirs import user_config_dir

    path = os.path.join(user_config_dir("latentcut", appauthor=False), "latentcut.toml")
    return path if os.path.isfile(path) else None


def take_config(argv: list[str]) -> tuple[list[str], str | None, bool]:
    """(argv without --config, the file to read, whether the user named it)."""
    out, path = [], None
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--":
            out += argv[i:]
            break
        if a == "--config":
            if i + 1 >= len(argv):
                raise LatentcutError("--config needs a file")
            path = argv[i + 1]
            i += 2
            continue
        if a.startswith("--config="):
            path = a.split("=", 1)[1]
            i += 1
            continue
        out.append(a)
        i += 1
    if path is not None:
        return out, path, True
    if os.environ.get(ENV):
        return out, os.environ[ENV], True
    return out, default_path(), False


def load(path: str) -> dict:
    try:
        with open(path, "rb") as f:
            doc = tomllib.load(f)
    except FileNotFoundError:
        raise LatentcutError(f"{path}: no such config file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise LatentcutError(f"{path}: cannot read the config file ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise LatentcutError(f"{path}: not a valid TOML config file ({exc})") from None
    return doc


def apply(parser: argparse.ArgumentParser, commands: dict[str, argparse.ArgumentParser], doc: dict, path: str) -> None:
    """Set each command's defaults from its table; strings go through the option's own type check."""
    for command, table in doc.items():
        if command not in commands:
            raise LatentcutError(f"{path}: [{command}] is not a latentcut command ({', '.join(sorted(commands))})")
        if not isinstance(table, dict):
            raise LatentcutError(f"{path}: {command} must be a table ([{command}])")
        sub = commands[command]
        by_name = {s.lstrip("-"): a for a in sub._actions for s in a.option_strings if s.startswith("--")}
        defaults = {}
        for key, value in table.items():
            action = by_name.get(key) or by_name.get(key.replace("_", "-"))
            if action is None or isinstance(action, (argparse._HelpAction, argparse._VersionAction)):
                raise LatentcutError(f"{path}: [{command}] has no option --{key}")
            defaults[action.dest] = _value(action, value, path, command, key)
        sub.set_defaults(**defaults)


def _value(action, value, path: str, command: str, key: str):
    where = f"{path}: [{command}] {key}"
    if isinstance(action, (argparse._StoreTrueAction, argparse._StoreFalseAction)):
        if not isinstance(value, bool):
            raise LatentcutError(f"{where} must be true or false, not {value!r}")
        return value if isinstance(action, argparse._StoreTrueAction) else not value
    if isinstance(action, argparse._AppendAction):
        items = value if isinstance(value, list) else [value]
        return [_checked(action, str(v), where) for v in items]
    if isinstance(value, (dict, list, bool)):
        raise LatentcutError(f"{where}: expected a value such as the option takes, not {value!r}")
    return _checked(action, str(value), where)


def _checked(action, text: str, where: str):
    """The option's own type conversion and choices, now, so a bad file value is one line naming the file."""
    try:
        v = action.type(text) if action.type else text
    except (argparse.ArgumentTypeError, TypeError, ValueError) as exc:
        raise LatentcutError(f"{where}: {exc}") from None
    if action.choices is not None and v not in action.choices:
        raise LatentcutError(f"{where}: must be one of {', '.join(map(str, action.choices))}, not {text!r}")
    return v
