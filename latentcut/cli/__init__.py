"""The ``latentcut`` command line: it parses, calls the library, and prints; one module per command."""
from __future__ import annotations

import contextlib
import os
import sys
import warnings

from latentcut import __version__
from latentcut.cli import cache, demo, detect, eval_cmd, inbetween, index, map_cmd, plugins, train, train_detector
from latentcut.cli.common import EXIT_USAGE, _Parser
from latentcut.errors import LatentcutError

COMMANDS = (detect, eval_cmd, demo, train, train_detector, inbetween, index, map_cmd, cache, plugins)


def build_parser() -> _Parser:
    p = _Parser(prog="latentcut", description="Scene-change detection in a learned latent space.")
    p.add_argument("--version", action="version", version=f"latentcut {__version__}")
    sub = p.add_subparsers(dest="command", required=True)
    for command in COMMANDS:
        command.add_parser(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # --help, --version, or a usage error already printed as one line
        return int(exc.code or 0) if not isinstance(exc.code, str) else EXIT_USAGE
    with warnings.catch_warnings():
        warnings.simplefilter("default")
        warnings.showwarning = _show_warning
        try:
            code = args.func(args) or 0
            sys.stdout.flush()  # inside the try: a closed pipe shows here, not at interpreter exit
            return code
        except LatentcutError as exc:
            _error(str(exc))
            return EXIT_USAGE
        except BrokenPipeError:
            # The reader went away (``latentcut detect ... | head``): stop quietly, as Unix tools do.
            with contextlib.suppress(OSError):
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, sys.stdout.fileno())
            return 0
        except OSError as exc:  # a disk full, a folder that vanished, permissions: not a bug, the machine's state
            where = f"{exc.filename}: " if getattr(exc, "filename", None) else ""
            _error(f"{where}{exc.strerror or exc}")
            return EXIT_USAGE
        except KeyboardInterrupt:
            print("latentcut: interrupted", file=sys.stderr)
            return 130


def _error(message: str) -> None:
    line = " ".join(message.split())  # one line, whatever the message held
    with contextlib.suppress(OSError):
        print(f"latentcut: error: {line}", file=sys.stderr)


def _show_warning(message, category, filename, lineno, file=None, line=None):
    print(f"latentcut: warning: {message}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
