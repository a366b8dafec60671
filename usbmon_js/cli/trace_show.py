"""`usbmon-js trace show FILE`: a `--trace` file as a timeline a person can read.

Every entry-point call with its return code, the host calls it made (bytes as hex and ASCII),
the Bidi responses it added, console lines and the host's own actions; then totals per entry
point. Exit status 0, or 2 when the file is missing or is not a trace.
"""

from __future__ import annotations

import argparse
import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from usbmon_js.cli.render import _CODE_NAMES, _JOB_CODE_NAMES
from usbmon_js.errors import BadInput
from usbmon_js.formats.loading import read_bytes

_EVENTS = {"call", "return", "host", "host-action", "console"}
_RESPONSE_OBJECT = "IPrinterBidiSchemaResponses"
_HOST_OBJECT = re.compile(r"IPrinter\w+")  # the trace names host objects by their interface


def add_parser(commands: Any) -> None:
    trace = commands.add_parser("trace", help="read --trace files", description=__doc__)
    actions = trace.add_subparsers(
        dest="trace_action", required=True, metavar="ACTION", parser_class=type(trace)
    )
    show = actions.add_parser("show", help="a trace as a timeline", description=__doc__)
    show.add_argument("file", type=Path, help="a JSON Lines file written by --trace")
    show.add_argument("--entry", metavar="NAME", help="only this entry point's records (e.g. writePrintData)")
    show.add_argument("--limit", type=int, metavar="N", help="show at most N records (totals count all)")


def main(args: argparse.Namespace) -> int:
    records = read_trace(args.file)
    if args.limit is not None and args.limit < 0:
        raise BadInput(f"--limit must be 0 or more, not {args.limit}")
    shown = [r for r in records if args.entry is None or r.get("entry") == args.entry]
    console = Console(highlight=False, soft_wrap=True)
    span = f"{records[0]['t']:.3f}–{records[-1]['t']:.3f} s" if records else "empty"
    console.print(f"[bold]Trace[/] {escape(str(args.file))}: {len(records)} records, {span}")
    for record in shown[: args.limit]:
        console.print(timeline_line(record))
    if args.limit is not None and len(shown) > args.limit:
        console.print(f"  … {len(shown) - args.limit} more records")
    render_totals(console, Totals.of(records))
    return 0


def read_trace(path: Path) -> list[dict[str, Any]]:
    text = read_bytes(path, "trace file").decode("utf-8", errors="replace")
    records = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise BadInput(f"{path}:{number}: not a trace record: invalid JSON ({exc.msg})") from None
        if not isinstance(record, dict) or record.get("event") not in _EVENTS or "t" not in record:
            raise BadInput(
                f"{path}:{number}: not a trace record: expected an object with 't' and an 'event' "
                f"({', '.join(sorted(_EVENTS))}), as --trace writes"
            )
        records.append(record)
    return records


def timeline_line(record: dict[str, Any]) -> str:
    """One record as one line: time, then what happened, indented under its call."""
    t = f"[dim]{float(record['t']):9.3f}[/]"
    entry = escape(str(record.get("entry") or ""))
    event = record["event"]
    if event == "call":
        args = ", ".join(_shown(a) for a in record.get("args") or [])
        return f"{t}  [bold cyan]▶ {entry}[/]({escape(args)})"
    if event == "return":
        failure = record.get("failure")
        if failure:
            return f"{t}  [bold red]◀ {entry} failed:[/] {escape(str(failure))}"
        code = record.get("result")
        return f"{t}  [bold cyan]◀ {entry}[/] → {code} {return_code_name(str(record.get('entry')), code)}"
    if event == "console":
        level, text = escape(str(record.get("level"))), escape(str(record.get("text")))
        return f"{t}      [magenta]console.{level}[/] {text}"
    if event == "host-action":
        extra = {k: v for k, v in record.items() if k not in ("t", "entry", "event", "message")}
        more = f" {escape(json.dumps(extra))}" if extra else ""
        return f"{t}    [yellow]host:[/] {escape(str(record.get('message')))}{more}"
    args = record.get("args")
    member = f"{record.get('object')}.{record.get('member')}"
    call = member if args is None else f"{member}({', '.join(_shown(a) for a in args)})"  # None: a get
    if record.get("object") == _RESPONSE_OBJECT:
        return f"{t}      [green]response[/] {escape(call)}"
    return f"{t}      {escape(call)} → {escape(_shown(record.get('result')))}"


def return_code_name(entry: str, code: Any) -> str:
    if not isinstance(code, int):
        return ""
    return _CODE_NAMES.get(entry, _JOB_CODE_NAMES).get(code, "(invalid)")


def _shown(value: Any) -> str:
    """A summarised value from a trace: bytes as `N bytes 1b 25 … |.%…|`, errors, strings, numbers."""
    if isinstance(value, dict) and "bytes" in value:
        head = bytes.fromhex(str(value.get("head", "")).replace(" ", ""))
        text = "".join(chr(b) if 0x20 <= b < 0x7F else "." for b in head)
        more = " …" if value["bytes"] > len(head) else ""
        return f"{value['bytes']} bytes {head.hex(' ')}{more} |{text}|"
    if isinstance(value, dict) and "error" in value:
        return f"throws {value.get('js_type', 'Error')}: {value['error']}"
    if isinstance(value, list):
        return "[" + ", ".join(_shown(v) for v in value) + "]"
    if isinstance(value, str):
        return value if _HOST_OBJECT.fullmatch(value) else json.dumps(value, ensure_ascii=False)
    if value is None:
        return "—"
    return json.dumps(value)


@dataclass
class Totals:
    calls: Counter[str] = field(default_factory=Counter)
    codes: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    failures: Counter[str] = field(default_factory=Counter)
    host_calls: Counter[str] = field(default_factory=Counter)
    bytes_written: int = 0
    bytes_read: int = 0
    responses: int = 0
    console_lines: int = 0

    @classmethod
    def of(cls, records: list[dict[str, Any]]) -> Totals:
        totals = cls()
        for record in records:
            totals.add(record)
        return totals

    def add(self, record: dict[str, Any]) -> None:
        entry = str(record.get("entry") or "")
        event = record["event"]
        if event == "call":
            self.calls[entry] += 1
        elif event == "return":
            if record.get("failure"):
                self.failures[entry] += 1
            else:
                self.codes[entry][str(record.get("result"))] += 1
        elif event == "console":
            self.console_lines += 1
        elif event == "host":
            member = str(record.get("member"))
            self.host_calls[f"{record.get('object')}.{member}"] += 1
            if record.get("object") == _RESPONSE_OBJECT:
                self.responses += 1
            result = record.get("result")
            if member.lower() == "write" and isinstance(result, int):
                self.bytes_written += result
            if member.lower() == "read" and isinstance(result, dict):
                self.bytes_read += int(result.get("bytes", 0))


def render_totals(console: Console, totals: Totals) -> None:
    table = Table(title="Entry-point calls", title_justify="left")
    for column in ("entry point", "calls", "return codes (code × count)", "failed"):
        table.add_column(column)
    for entry, count in totals.calls.items():
        codes = ", ".join(
            f"{return_code_name(entry, int(c)) if c.lstrip('-').isdigit() else ''} ({c}) × {n}"
            for c, n in totals.codes[entry].items()
        )
        table.add_row(entry, str(count), codes or "—", str(totals.failures[entry] or ""))
    console.print(table)
    console.print(
        f"  host calls: {sum(totals.host_calls.values())}; Write calls took {totals.bytes_written:,} bytes "
        f"and Read calls returned {totals.bytes_read:,} (printer and temporary streams); "
        f"Bidi responses {totals.responses}; console lines {totals.console_lines}"
    )
