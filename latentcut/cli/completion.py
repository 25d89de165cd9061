"""`latentcut completion bash|zsh`: a shell completion script made from the parser itself, so it
always knows every command, option, choice and plugin name."""
from __future__ import annotations

import argparse

EXAMPLES = """install:
  latentcut completion bash > ~/.local/share/bash-completion/completions/latentcut
  latentcut completion zsh > "${fpath[1]}/_latentcut"      # or: eval "$(latentcut completion zsh)"
"""


def add_parser(sub) -> None:
    from latentcut.cli.common import help_formatter

    c = sub.add_parser("completion", help="print a shell completion script (bash or zsh)", epilog=EXAMPLES,
                       formatter_class=help_formatter())
    c.add_argument("shell", choices=["bash", "zsh"])
    c.set_defaults(func=run)


def _words(items) -> str:
    return " ".join(sorted(set(items)))


def script(parser: argparse.ArgumentParser) -> str:
    from latentcut.detection.thresholders import thresholders
    from latentcut.encoders import encoders
    from latentcut.scoring.distances import distances

    plugin_values = {"--encoder": encoders.names(), "--thresholder": thresholders.names(), "--distance": distances.names()}
    subs = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    top = [s for a in parser._actions for s in a.option_strings]
    cases, values = [], []
    for name, sp in subs.choices.items():
        opts = [s for a in sp._actions for s in a.option_strings]
        positional_choices = [c for a in sp._actions if not a.option_strings and a.choices for c in a.choices]
        cases.append(f"    {name}) opts=\"{_words(opts)}\"; words=\"{_words(positional_choices)}\" ;;")
        for a in sp._actions:
            choices = list(a.choices) if a.choices and a.option_strings else None
            for s in a.option_strings:
                if choices is None and s in plugin_values:
                    choices = plugin_values[s]
                if choices:
                    values.append(f"    {name}:{s}) COMPREPLY=( $(compgen -W \"{_words(map(str, choices))}\" -- \"$cur\") ); return ;;")
    nl = "\n"
    return f"""# latentcut completion for bash (zsh: through bashcompinit); made by `latentcut completion`
_latentcut() {{
  local cur prev cmd opts words w i
  cur="${{COMP_WORDS[COMP_CWORD]}}"
  prev="${{COMP_WORDS[COMP_CWORD-1]}}"
  cmd=""
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="${{COMP_WORDS[i]}}"
    case "$w" in -*) ;; *) cmd="$w"; break ;; esac
  done
  if [ -z "$cmd" ]; then
    COMPREPLY=( $(compgen -W "{_words(subs.choices)} {_words(top)}" -- "$cur") )
    return
  fi
  case "$cmd:$prev" in
{nl.join(values)}
  esac
  opts=""; words=""
  case "$cmd" in
{nl.join(cases)}
  esac
  if [[ "$cur" == -* ]]; then
    COMPREPLY=( $(compgen -W "$opts" -- "$cur") )
  else
    COMPREPLY=( $(compgen -W "$words" -- "$cur") $(compgen -f -- "$cur") )
  fi
}}
complete -o filenames -o bashdefault -F _latentcut latentcut
"""


def run(args) -> int:
    from latentcut.cli import build_parser

    text = script(build_parser())
    if args.shell == "zsh":
        text = "autoload -U +X bashcompinit && bashcompinit\n" + text
    print(text, end="")
    return 0
