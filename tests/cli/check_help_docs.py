#!/usr/bin/python3
"""Every --help matches the docs (ctest help_matches_docs).

For each command (talentsim, run, validate, compare, info, resume, reference, bench, sweep and its
subcommands, calibrate) this runs `talentsim COMMAND --help` and collects the long options it
lists. It then collects every command line the docs show (README.md and docs/*.md: fenced code
blocks and inline code spans that start with `talentsim COMMAND`) and checks both ways:
  - every option a doc shows on a command line of COMMAND exists in COMMAND's --help;
  - every option COMMAND's --help lists is shown on at least one documented command line of
    COMMAND, or named in the options list of the doc section for COMMAND (a line of the form
    "`--option` ..." in a doc that shows COMMAND's command lines).
The usage lines of `talentsim --help` and of `talentsim sweep --help` are held to the same rule as
docs: every option they show must exist in the subcommand's --help.
Usage: check_help_docs.py TALENTSIM_BINARY [SOURCE_DIR]; exit 1 with a list of mismatches.
"""
import re
import subprocess
import sys
from pathlib import Path

COMMANDS = ["", "run", "validate", "compare", "info", "resume", "reference", "bench", "sweep", "sweep plan",
            "sweep run", "sweep slurm", "sweep point", "sweep merge", "sweep analyze", "calibrate"]
SUBCOMMANDS = {c.split()[-1] for c in COMMANDS if c and " " not in c}
SWEEP_SUBCOMMANDS = {c.split()[1] for c in COMMANDS if c.startswith("sweep ")}
OPTION = re.compile(r"(?<![\w-])--[a-z][a-z0-9-]*")
# Where a shell command line stops being arguments of talentsim.
STOP = re.compile(r"\s(\||;|&&|\|\||>|2>|#)\s|\s(\||>)\S|$")


# The overviews list the usage of their subcommands; their own options are only these.
OVERVIEW_OPTIONS = {"": {"--help", "--version"}, "sweep": {"--help"}}


def help_options(binary, command):
    out = subprocess.run([binary, *command.split(), "--help"], capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"talentsim {command} --help: exit {out.returncode}\n{out.stderr}")
    options = set(OPTION.findall(out.stdout))
    if command in OVERVIEW_OPTIONS:
        missing = OVERVIEW_OPTIONS[command] - options - {"--help"}
        if missing:
            raise SystemExit(f"talentsim {command} --help does not show {sorted(missing)}")
        options = OVERVIEW_OPTIONS[command]
    return out.stdout, options


def command_of(words):
    """The command a `talentsim WORDS...` line runs ('' for talentsim alone), or None."""
    if not words or words[0].startswith("-"):
        return ""
    if words[0] not in SUBCOMMANDS:
        return None
    if words[0] == "sweep" and len(words) > 1:
        sub = words[1].split("|")[0]
        if sub in SWEEP_SUBCOMMANDS:
            return f"sweep {sub}"
    return words[0]


def command_lines(text):
    """(command, options) of every talentsim command line in Markdown `text`."""
    pieces = []
    fenced, block, continues = False, [], False
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            fenced, continues = not fenced, False
            continue
        if fenced:  # a line ending in \ continues; so does an indented line under a usage line
            if not block and line[:1].isspace() and "talentsim" not in line and pieces and continues:
                pieces[-1] += " " + line
                continue
            block.append(line)
            if not line.rstrip().endswith("\\"):
                pieces.append(" ".join(block))
                continues = "talentsim" in pieces[-1] and "#" not in pieces[-1]
                block = []
        else:
            pieces.extend(re.findall(r"`([^`]*talentsim[^`]*)`", line))
    found = []
    for piece in pieces:
        starts = [m.end() for m in re.finditer(r"(?:^|(?<=[\s/(\"']))talentsim(?=\s|$)", piece)]
        for begin, end in zip(starts, starts[1:] + [len(piece)]):
            rest = piece[begin:end]
            rest = rest[:STOP.search(rest).start()]
            command = command_of(rest.split())
            if command is not None:
                found.append((command, set(OPTION.findall(rest))))
    return found


def main():
    binary = sys.argv[1]
    root = Path(sys.argv[2]) if len(sys.argv) > 2 else Path(__file__).resolve().parents[2]
    docs = [root / "README.md", *sorted((root / "docs").glob("*.md"))]
    helps = {c: help_options(binary, c) for c in COMMANDS}
    shown = {c: set() for c in COMMANDS}  # options shown on documented command lines
    documented = set()  # commands with at least one documented command line
    listed = {c: set() for c in COMMANDS}  # options named in a doc that shows the command
    problems = []
    for doc in docs:
        text = doc.read_text()
        lines = command_lines(text)
        for command, options in lines:
            documented.add(command)
            shown[command] |= options
            for o in sorted(options - helps[command][1]):
                problems.append(f"{doc.relative_to(root)}: `talentsim {command}` shows {o}, "
                                f"which `talentsim {command} --help` does not list")
        listed_here = set(re.findall(r"^\s*[-|*]?\s*`(--[a-z][a-z0-9-]*)", text, re.M))
        for command in {c for c, _ in lines}:
            listed[command] |= listed_here
    # The usage lines of the command overviews are checked like docs.
    for overview in ("", "sweep"):
        for command, options in command_lines("```\n" + helps[overview][0] + "\n```"):
            if command == overview:
                continue
            for o in sorted(options - helps[command][1]):
                problems.append(f"`talentsim {overview} --help`: its usage of `talentsim {command}` shows {o}, "
                                f"which `talentsim {command} --help` does not list")
    for command in COMMANDS:
        for o in sorted(helps[command][1] - shown[command] - listed[command] - {"--help"}):
            problems.append(f"`talentsim {command} --help` lists {o}, which no doc shows for `talentsim {command}`")
        if command not in documented and command not in OVERVIEW_OPTIONS:
            problems.append(f"no doc shows a command line of `talentsim {command}`")
    for p in problems:
        print(p)
    print(f"check_help_docs: {len(COMMANDS)} commands, {len(docs)} docs, {len(problems)} mismatches")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
