"""The ``latentcut`` command line: it parses, calls the library, and prints; one module per command."""
from __future__ import annotations

import argparse
import contextlib
import os
import sys
import warnings

from latentcut import __version__
from latentcut.cli import (
    archive,
    cache,
    completion,
    demo,
    detect,
    eval_cmd,
    inbetween,
    index,
    map_cmd,
    plugins,
    schema,
    split,
    train,
    train_detector,
    train_inbetween,
)
from latentcut.cli.common import EXIT_USAGE, Parser, help_formatter
from latentcut.errors import LatentcutError

COMMANDS = (detect, split, eval_cmd, demo, train, train_detector, train_inbetween, inbetween, index, archive, map_cmd,
            cache, plugins, schema, completion)


EXAMPLES = {
    "eval": "  latentcut eval film.json labels.json --tolerance 0 2\n"
            "  latentcut eval film-Scenes.csv labels.json --clip film.mp4     # PySceneDetect's CSV\n",
    "demo": "  latentcut demo --dir latentcut-demo\n",
    "train": "  latentcut train a.mp4 b.mp4 -o my-model --epochs 30\n"
             "  latentcut train a.mp4 -o my-model --epochs 60 --resume\n",
    "train-detector": "  latentcut train-detector ../shared/data/unlabelled -o my-detector\n",
    "inbetween": "  latentcut inbetween film.mp4@120 film.mp4@5.5s --model my-model --steps 8 -o tween/\n",
    "cache": "  latentcut cache info\n  latentcut cache clear\n",
    "plugins": "  latentcut plugins -v\n",
    "schema": "  latentcut schema > detect.schema.json\n",
}


def build_parser() -> Parser:
    p = Parser(prog="latentcut", description="Shot detection, scene search and frame maps for video, in a learned "
                "latent space. `latentcut COMMAND --help` for each command's options and examples.")
    p.add_argument("--version", action="version", version=f"latentcut {__version__}")
    p.add_argument("--config", metavar="FILE", help="defaults from a TOML file, a table per command "
                   "(default: $LATENTCUT_CONFIG, else latentcut.toml in the user config folder)")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.add_parser(sub)
    for name, sp in sub.choices.items():  # every command takes -q and -v, whatever it prints
        if sp.formatter_class in (argparse.HelpFormatter, argparse.RawDescriptionHelpFormatter):
            sp.formatter_class = help_formatter()
        if sp.epilog is None and name in EXAMPLES:
            sp.epilog = "examples:\n" + EXAMPLES[name]
        sp.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors; no progress bar")
        sp.add_argument("-v", "--verbose", action="store_true", help="say more: settings, warnings, timings")
    return p


def _parse(argv: list[str] | None):
    from latentcut.cli import config

    argv = list(sys.argv[1:] if argv is None else argv)
    from latentcut.cli import habits

    if habits.looks_like_scenedetect(argv):
        argv = habits.translate(argv)
        habits.announce(argv)
    argv = habits.native_habits(argv)
    argv, path, named = config.take_config(argv)
    parser = build_parser()
    if path is not None:
        sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        try:
            config.apply(parser, sub.choices, config.load(path), path)
        except LatentcutError as exc:
            words = argv[: argv.index("--")] if "--" in argv else argv
            if not {"-h", "--help", "--version"} & set(words):
                raise
            # help and the version must work whatever the config file holds: say it, then help
            print(f"latentcut: warning: {' '.join(str(exc).split())} (the config file is not used for this help)",
                  file=sys.stderr)
    parser.argv_words = argv  # for "did you mean": the command whose options to search
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    try:
        args = _parse(argv)
    except SystemExit as exc:  # --help, --version, or a usage error already printed as one line
        return int(exc.code or 0) if not isinstance(exc.code, str) else EXIT_USAGE
    except LatentcutError as exc:  # a bad config file
        _error(str(exc))
        return EXIT_USAGE
    quiet_here = args.quiet and not getattr(args, "handles_quiet", False)
    with warnings.catch_warnings(), contextlib.ExitStack() as stack:
        if quiet_here:  # a command that prints only for people: -q silences it here
            stack.enter_context(contextlib.redirect_stdout(stack.enter_context(open(os.devnull, "w"))))
        warnings.simplefilter("always" if args.verbose else "default")
        if not args.verbose:  # a title's CJK letters drawn as boxes: no news to the person who asked for the plot
            warnings.filterwarnings("ignore", message=r"Glyph \d+ .*missing from")
        warnings.showwarning = _show_warning
        try:
            from latentcut.io.progress import showing

            with showing(False if args.quiet else None):
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
        except Exception as exc:  # a bug: one line for people (the traceback with -v), status 1, not 2
            if args.verbose:
                import traceback

                traceback.print_exc()
            _error(f"internal error ({type(exc).__name__}: {exc}); this is a bug in latentcut, please report it "
                   "(-v shows the traceback)")
            return EXIT_BUG


EXIT_BUG = 1


def _error(message: str) -> None:
    line = " ".join(message.split())  # one line, whatever the message held
    with contextlib.suppress(OSError):
        print(f"latentcut: error: {line}", file=sys.stderr)


def _show_warning(message, category, filename, lineno, file=None, line=None):
    from tqdm import tqdm

    with tqdm.external_write_mode(file=sys.stderr):  # on its own line, not over a progress bar's
        print(f"latentcut: warning: {message}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
