"""The ``tinbai`` command line. Each sub-command lives in its own module and registers itself
here; a sub-command's ``run(args)`` returns the process exit status."""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys

import tinbai

# Sub-command modules, in the order ``tinbai --help`` lists them.
COMMANDS: tuple[str, ...] = (
    "tinbai.service.cli.tag",
    "tinbai.service.cli.summarize",
    "tinbai.service.cli.evaluate",
    "tinbai.service.cli.train",
    "tinbai.service.cli.serve",
    "tinbai.service.cli.label_archive",
    "tinbai.service.cli.report",
    "tinbai.service.cli.export_onnx",
    "tinbai.service.cli.feedback",
    "tinbai.service.cli.campaigns",
)


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Each option's help ends with its default (when it has one worth saying and the text
    does not already say it); descriptions and epilogs (output shapes) keep their lines."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        default = action.default
        if (
            "default" in text
            or default in (None, False, argparse.SUPPRESS)
            or not action.option_strings
        ):
            return text
        return f"{text} (default: %(default)s)"


def _use_formatter(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = HelpFormatter
    for action in parser._actions:  # noqa: SLF001  (argparse keeps sub-commands only here)
        if isinstance(action, argparse._SubParsersAction):  # noqa: SLF001
            for child in action.choices.values():
                _use_formatter(child)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tinbai",
        description="Topic and campaign tagging and summaries for Vietnamese news.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    parser.add_argument("--version", action="version", version=f"tinbai {tinbai.__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(name).register(sub)
    _use_formatter(parser)
    return parser


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # nothing is ever downloaded at run time
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    from tinbai.extras import MissingExtra
    from tinbai.model.files import FileError, describe
    from tinbai.model.yamlfile import ConfigError
    from tinbai.service.cli.common import UserError

    try:
        return int(args.run(args) or 0)
    except (UserError, FileError, ConfigError, MissingExtra) as exc:  # one line each
        print(f"tinbai {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # an I/O failure no command foresaw: still one line, not a traceback
        logging.getLogger("tinbai").debug("I/O error", exc_info=True)
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"tinbai {args.command}: error: {where}{describe(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
