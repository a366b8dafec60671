"""`usbmon-js bidi get|set|watch`: Bidi requests answered through the driver script, as USBMon would."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from usbmon_js.cli.port_setup import (
    add_device_options,
    add_driver_options,
    add_sandbox_options,
    load_driver_files,
    open_port,
    port_settings,
)
from usbmon_js.cli.render import render_calls, render_findings
from usbmon_js.clock import Clock
from usbmon_js.debugging.run_options import (
    add_console_option,
    add_coverage_option,
    coverage_run,
    with_console,
)
from usbmon_js.errors import BadInput
from usbmon_js.portmon.bidi.results import BidiReport, BidiValueResult
from usbmon_js.portmon.port import PortMonitor

EXIT_UNANSWERED = 3  # like a failed job: some requested path got a Bidi error
BIDI_TYPES = [
    "BIDI_INT",
    "BIDI_FLOAT",
    "BIDI_BOOL",
    "BIDI_STRING",
    "BIDI_TEXT",
    "BIDI_ENUM",
    "BIDI_BLOB",
]


def add_parser(commands: Any) -> None:
    bidi = commands.add_parser(
        "bidi", help="Bidi get/set/watch through getSchemas and setSchema", description=__doc__
    )
    actions = bidi.add_subparsers(
        dest="bidi_action", required=True, metavar="ACTION", parser_class=type(bidi)
    )
    get = actions.add_parser("get", help="ask for values or whole properties (\\Printer.Configuration)")
    get.add_argument(
        "items",
        nargs="+",
        metavar="[SCRIPT.js] PATH",
        help="the script (optional with --manifest), then schema paths",
    )
    set_ = actions.add_parser("set", help="set one value through setSchema")
    set_.add_argument("items", nargs="+", metavar="[SCRIPT.js] PATH VALUE")
    set_.add_argument(
        "--type",
        choices=BIDI_TYPES,
        help="the type the request carries (default: the declared type); a different one gives 13006",
    )
    watch = actions.add_parser("watch", help="poll values and print every change live")
    watch.add_argument("items", nargs="+", metavar="[SCRIPT.js] PATH")
    watch.add_argument(
        "--interval",
        type=float,
        metavar="SECONDS",
        help="ask again every SECONDS (default: follow each value's refreshInterval back-off)",
    )
    watch.add_argument("--duration", type=float, metavar="SECONDS", help="stop after this long")
    watch.add_argument("--count", type=int, metavar="N", help="stop after N polls")
    watch.add_argument(
        "--simulated-time",
        action="store_true",
        help="with a simulated device, run in simulated time (needs --duration or --count)",
    )
    for p in (get, set_, watch):
        add_device_options(
            p,
            real_time_help=(
                "get/set: wait in real time with simulated devices too (watch always does, "
                "unless --simulated-time)"
            ),
        )
        add_driver_options(p)
        add_sandbox_options(p)
        add_console_option(p)
        add_coverage_option(p)
        p.add_argument("--json", action="store_true", help="print JSON (watch: one JSON object per line)")


def _split(items: list[str]) -> tuple[Path | None, list[str]]:
    """`[SCRIPT.js] PATH…`: schema paths start with a backslash, the script never does."""
    if items and not _looks_like_path(items[0]):
        return Path(items[0]), [normalise_path(i) for i in items[1:]]
    return None, [normalise_path(i) for i in items]


def _looks_like_path(item: str) -> bool:
    return item.startswith("\\") or item.startswith("Printer")


def normalise_path(item: str) -> str:
    r"""Accept `\Printer.X:Y`, a shell-doubled `\\Printer.X:Y`, or `Printer.X:Y`."""
    return "\\" + item.lstrip("\\")


def main(args: argparse.Namespace) -> int:
    script, rest = _split(args.items)
    action = args.bidi_action
    if action == "set":
        if len(rest) != 2:
            raise BadInput("bidi set takes one schema PATH and one VALUE (after the optional SCRIPT.js)")
        rest = [rest[0], args.items[-1]]  # the value is not a path: keep it as typed
    elif not rest:
        raise BadInput(f"bidi {action}: give at least one schema path, e.g. \\Printer.Configuration")
    if action == "watch":
        for option, value in (("--interval", args.interval), ("--duration", args.duration)):
            if value is not None and not value > 0:
                raise BadInput(f"bidi watch {option} must be a positive number of seconds, not {value:g}")
        if args.count is not None and args.count < 1:
            raise BadInput(f"bidi watch --count must be at least 1, not {args.count}")
    if action == "watch" and args.simulated_time and args.duration is None and args.count is None:
        raise BadInput("bidi watch --simulated-time runs as fast as it can: give --duration or --count")
    files = load_driver_files(args, script)
    settings = with_console(port_settings(args), args.console)
    virtual = args.simulated_time if action == "watch" else not args.real_time
    with (
        coverage_run(args.coverage, files.script),
        open_port(args, files, settings, virtual_time=virtual) as (port, clock),
    ):
        if action == "get":
            report = port.bidi_get(rest)
        elif action == "set":
            report = port.bidi_set(rest[0], rest[1], args.type)
        else:
            return _watch(port, clock, rest, args)
    print_report(report, args.json)
    return 0 if report.ok else EXIT_UNANSWERED


def _console() -> Console:
    """Tables stay readable when piped (rich would otherwise assume 80 columns)."""
    return Console(highlight=False, soft_wrap=True, width=None if sys.stdout.isatty() else 160)


def print_report(report: BidiReport, as_json: bool) -> None:
    if as_json:
        print(json.dumps(report.model_dump(mode="json")))
        return
    console = _console()
    table = Table(title=f"Bidi {report.action}", title_justify="left")
    for column in ("schema path", "type", "value", "answered by", "error"):
        table.add_column(column)
    for result in report.results:
        table.add_row(
            escape(result.path),
            result.type or "",
            escape(_shown(result)),
            result.source or "",
            f"[red]{result.error} {result.error_name}[/]: {escape(result.message or '')}"
            if result.error
            else escape(result.message or ""),
        )
    console.print(table)
    console.print(
        f"  device: {report.bytes_to_device:,} bytes sent, {report.bytes_from_device:,} received; "
        f"{report.duration_s:.3f} s"
    )
    if report.calls:
        render_calls(console, report.calls, report.return_codes)
    for path in report.notifications:
        console.print(f"[cyan]driver notified[/] {escape(path)} changed (drvPrinterEvent)")
    render_findings(console, report.events, report.errors, report.warnings, report.port_status)


def _shown(result: BidiValueResult) -> str:
    if result.value is None:
        return ""
    if isinstance(result.value, bool):
        return "true" if result.value else "false"
    return str(result.value)


# -- watch ------------------------------------------------------------------------------------
def _watch(port: PortMonitor, clock: Clock, paths: list[str], args: argparse.Namespace) -> int:
    """Ask once, then poll (each value's refreshInterval back-off, or every --interval) and print changes."""
    started = clock.now()
    end = started + args.duration if args.duration is not None else None
    console = _console()
    last: dict[str, tuple[Any, Any, Any]] = {}
    emit = _json_line if args.json else _watch_line(console)

    def show(report: BidiReport) -> None:
        for result in report.results:
            seen = (result.type, result.value, result.error)
            if last.get(result.path) != seen:
                last[result.path] = seen
                emit(result, clock.now() - started)
        for event in report.events:
            if args.json:
                print(
                    json.dumps({"t": round(clock.now() - started, 3), "event": event.model_dump(mode="json")})
                )
            else:
                console.print(f"[cyan]event[/] {escape(event.path)}")
        for error in report.errors:
            if args.json:
                print(json.dumps({"error": error.model_dump(mode="json")}))
            else:
                console.print(f"[red]error[/] {escape(f'[{error.kind}] {error.entry}: {error.message}')}")

    show(port.bidi_get(paths))
    polls = 0
    try:
        while (args.count is None or polls < args.count) and (end is None or clock.now() < end):
            due = clock.now() + args.interval if args.interval else port.bidi_next_poll_due()
            if due is None:
                due = clock.now() + 5.0  # nothing declares a refreshInterval: ask every 5 s
                args.interval = 5.0
            if end is not None and due > end:
                clock.sleep(end - clock.now())
                break
            clock.sleep(max(due - clock.now(), 0.0))
            report = port.bidi_get(paths) if args.interval else port.bidi_poll_due()
            polls += 1
            if report is not None:
                show(report)
    except KeyboardInterrupt:
        pass
    if not args.json:
        console.print(f"  {polls} polls in {clock.now() - started:.1f} s")
    return 0


def _json_line(result: BidiValueResult, t: float) -> None:
    print(json.dumps({**result.model_dump(mode="json"), "t": round(t, 3)}), flush=True)


def _watch_line(console: Console) -> Callable[[BidiValueResult, float], None]:
    def line(result: BidiValueResult, t: float) -> None:
        value = f"[red]{result.error} {result.error_name}[/]" if result.error else escape(_shown(result))
        console.print(f"{t:9.1f}s  {escape(result.path)} = {value}  [dim]{result.type or ''}[/]")

    return line
