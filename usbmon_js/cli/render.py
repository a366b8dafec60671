"""Human output: a progress bar while a job runs, then a readable summary of the report."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn
from rich.table import Table

from usbmon_js.com.bidi import BidiResponse
from usbmon_js.portmon.job import JobHandle
from usbmon_js.portmon.report import JobError, JobEvent, JobReport, PortStatusChange

_STYLE = {
    "completed": "bold green",
    "failed": "bold red",
    "aborted": "bold yellow",
    "cancelled": "bold magenta",
}


def wait_with_progress(handle: JobHandle, show: bool) -> JobReport:
    """Wait for the job; on a terminal show bytes consumed and the job state live."""
    if not show:
        return handle.wait()
    columns = (
        TextColumn("[bold]{task.fields[state]:<10}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TextColumn("pages {task.fields[pages]}"),
    )
    with Progress(*columns, console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task("job", total=max(handle.data.size, 1), state="queued", pages="-")
        while not handle.done:
            status = handle.status
            progress.update(
                task,
                completed=status.bytes_consumed,
                state=status.state,
                pages=status.pages_printed if status.pages_printed is not None else "-",
            )
            handle.wait_done(0.1)
    return handle.wait()


def render_report(report: JobReport, console: Console | None = None) -> None:
    console = console or Console(highlight=False, soft_wrap=True)
    console.print(
        f"[{_STYLE[report.outcome]}]Job {report.outcome.upper()}[/]  "
        f"{report.script.path} → {report.device.spec} ({report.device.transport})"
    )
    console.print(f"  device id: {report.device.device_id or '(none)'}")
    console.print(
        f"  writePrintData order: {report.script.write_signature}    "
        f"time: {report.duration_s:.3f} s simulated/host clock, {report.wall_s:.3f} s real"
    )

    figures = Table(show_header=False, box=None, padding=(0, 2))
    figures.add_row("bytes submitted", f"{report.bytes_submitted:,}")
    figures.add_row("bytes consumed by the script", f"{report.bytes_consumed:,}")
    figures.add_row("bytes that reached the device", f"[bold]{report.bytes_to_device:,}[/]")
    figures.add_row(
        "pages printed",
        "not reported by the script" if report.pages_printed is None else str(report.pages_printed),
    )
    console.print(figures)

    render_calls(console, report.calls, report.return_codes)
    render_responses(console, report.responses)
    render_findings(console, report.events, report.errors, report.warnings, report.port_status)


_CODE_NAMES: dict[str, dict[int, str]] = {
    "getSchemas": {0: "Success", 1: "Requery"},
    "setSchema": {0: "Success", 1: "NotReady"},
    "getStatus": {0: "Success", 2: "StopPolling"},
    "requestStatus": {0: "Success", 2: "StopPolling"},
}
_JOB_CODE_NAMES = {0: "Success", 1: "Failure", 2: "Retry", 3: "DeviceBusy", 4: "AbortTheJob"}


def render_calls(console: Console, calls: dict[str, int], return_codes: dict[str, dict[str, int]]) -> None:
    table = Table(title="Entry-point calls", title_justify="left")
    table.add_column("entry point")
    table.add_column("calls", justify="right")
    table.add_column("return codes (code × count)")
    for entry, count in calls.items():
        names = _CODE_NAMES.get(entry, _JOB_CODE_NAMES)
        codes = return_codes.get(entry, {})
        shown = ", ".join(f"{names.get(int(c), 'invalid')} ({c}) × {n}" for c, n in codes.items()) or "—"
        table.add_row(entry, str(count), shown)
    console.print(table)


def render_responses(console: Console, responses: list[BidiResponse], limit: int = 50) -> None:
    if not responses:
        return
    table = Table(title="Bidi responses and events", title_justify="left")
    for column in ("t (s)", "entry point", "schema path", "type", "value"):
        table.add_column(column)
    for r in responses[:limit]:
        shown = "" if r.value is None else escape(str(r.value))
        table.add_row(f"{r.t:.3f}", r.entry, escape(r.path), r.type, shown)
    console.print(table)
    if len(responses) > limit:
        console.print(f"  … {len(responses) - limit} more responses (see --json)")


def render_findings(
    console: Console,
    events: list[JobEvent],
    errors: list[JobError],
    warnings: list[str],
    port_status: Sequence[PortStatusChange] = (),
) -> None:
    for change in port_status:
        console.print(
            f"[cyan]port status[/] {change.status} ({change.severity}) at {change.t:.3f} s: "
            f"{escape(change.keyword)} reported by {change.entry}"
        )
    for event in events:
        shown = f" → message {event.message_id} shown to the user" if event.shows_message else ""
        console.print(f"[cyan]event[/] {escape(event.path)} (from {event.entry}){shown}")
    for error in errors:
        where = f" at {error.location}" if error.location else ""
        console.print(f"[red]error[/] {escape(f'[{error.kind}] in {error.entry}{where}: {error.message}')}")
        if error.stack:
            console.print(error.stack, markup=False, highlight=False)
    for warning in warnings:
        console.print(f"[yellow]warning[/] {escape(warning)}")
