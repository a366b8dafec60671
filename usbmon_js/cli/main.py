"""`usbmon-js`: the command line. Every failure ends in a message and a defined exit status."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Sequence

from usbmon_js.devices.emu.testbed import ensure_mock_environment
from usbmon_js.errors import BadInput, UsbmonError

EXIT_BAD_INPUT = 2
EXIT_INTERNAL = 1

PLANNED: dict[str, str] = {}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse's own usage errors are bad input too
        self.print_usage(sys.stderr)
        print(f"usbmon-js: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_BAD_INPUT)


def build_parser() -> argparse.ArgumentParser:
    # Imported here, not at the top: an emu: run re-executes itself under umockdev before any of
    # this heavy machinery (engine, lxml, esprima) needs loading.
    from usbmon_js.cli import bidi, conform, debug, devices, lint, run, trace_show

    parser = _Parser(
        prog="usbmon-js",
        description="Run Windows USBMon JavaScript printer-driver scripts outside Windows, as USBMon would.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=_Parser)
    for module in (run, bidi, conform, lint, devices, debug):
        module.add_parser(commands)
        name = module.__name__.rsplit(".", 1)[1]
        commands.choices[name].set_defaults(handler=module.main)
    trace_show.add_parser(commands)
    commands.choices["trace"].set_defaults(handler=trace_show.main)
    for name, what in PLANNED.items():
        planned = commands.add_parser(name, help=f"{what} (not in this release yet)", add_help=True)
        planned.add_argument("rest", nargs=argparse.REMAINDER)
    return parser


def _wants_emulation(argv: Sequence[str]) -> bool:
    return any(item.startswith(("emu:", "--device=emu:", "--emu=")) or item == "--emu" for item in argv)


def main(argv: Sequence[str] | None = None) -> int:
    if argv is None and _wants_emulation(sys.argv[1:]):
        # emu: devices need umockdev's preload in place before libusb starts: re-exec under it.
        try:
            ensure_mock_environment(sys.orig_argv[1:])
        except BadInput as exc:
            print(f"usbmon-js: error: {exc}", file=sys.stderr)
            return EXIT_BAD_INPUT
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
        return args.handler(args)
    except BadInput as exc:
        print(f"usbmon-js: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except UsbmonError as exc:
        print(f"usbmon-js: error: {exc}", file=sys.stderr)
        return EXIT_INTERNAL
    except KeyboardInterrupt:
        print("usbmon-js: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # stdout was closed early (`usbmon-js … --json | head`): stop quietly, as Unix tools do.
        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
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
