"""`usbmon-js`: the command line. Every failure ends in a message and a defined exit status."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from usbmon_js.cli import bidi, conform, lint, run
from usbmon_js.errors import BadInput, UsbmonError

EXIT_BAD_INPUT = 2
EXIT_INTERNAL = 1

PLANNED = {
    "devices": "listing USB printer-class devices",
    "debug": "the interactive debugger",
}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse's own usage errors are bad input too
        self.print_usage(sys.stderr)
        print(f"usbmon-js: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_BAD_INPUT)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="usbmon-js",
        description="Run Windows USBMon JavaScript printer-driver scripts outside Windows, as USBMon would.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=_Parser)
    run.add_parser(commands)
    bidi.add_parser(commands)
    conform.add_parser(commands)
    lint.add_parser(commands)
    for name, what in PLANNED.items():
        planned = commands.add_parser(name, help=f"{what} (not in this release yet)", add_help=True)
        planned.add_argument("rest", nargs=argparse.REMAINDER)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra:
        # `bidi get SCRIPT --bidi-xml X PATH…`: paths may follow options; anything else is an error.
        if args.command == "bidi" and not any(item.startswith("-") for item in extra):
            args.items.extend(extra)
        else:
            parser.error(f"unrecognized arguments: {' '.join(extra)}")
    try:
        if args.command in PLANNED:
            raise BadInput(
                f"'usbmon-js {args.command}' ({PLANNED[args.command]}) is not available in this release yet"
            )
        if args.command == "bidi":
            return bidi.main(args)
        if args.command == "conform":
            return conform.main(args)
        if args.command == "lint":
            return lint.main(args)
        return run.main(args)
    except BadInput as exc:
        print(f"usbmon-js: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except UsbmonError as exc:
        print(f"usbmon-js: error: {exc}", file=sys.stderr)
        return EXIT_INTERNAL
    except KeyboardInterrupt:
        print("usbmon-js: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        if os.environ.get("USBMON_JS_DEBUG"):
            raise
        print(
            f"usbmon-js: internal error: {type(exc).__name__}: {exc} "
            "(set USBMON_JS_DEBUG=1 for a traceback and report it)",
            file=sys.stderr,
        )
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
