"""`usbmon-js conform SCRIPT.js`: run the conformance suite and report every check.

Each check has a stable id (LOAD-001, RC-002, JOB-020, …) and becomes one JUnit testcase.
Exit status: 0 when no mandatory check fails, 3 when one does, 2 on bad input (a missing file,
an invalid Bidi XML, manifest, fixture or scenario file, two reports on stdout).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from usbmon_js.cli.port_setup import add_driver_options, add_sandbox_options, load_driver_files, port_settings
from usbmon_js.clock import VirtualClock
from usbmon_js.conformance import ConformanceOptions, ConformanceReport, DriverUnderTest, run_conformance
from usbmon_js.conformance.report import write_text
from usbmon_js.conformance.scenario_files import load_scenarios
from usbmon_js.conformance.scenarios import CONFORMANCE_BUFFER_SIZE
from usbmon_js.conformance.timeline import html_report
from usbmon_js.debugging.run_options import add_coverage_option, coverage_run, decoded_script
from usbmon_js.devices.spec import open_device
from usbmon_js.engine.script import DriverScript
from usbmon_js.errors import BadInput
from usbmon_js.formats.loading import read_bytes
from usbmon_js.formats.manifest import load_manifest

EXIT_OK = 0
EXIT_NOT_CONFORMANT = 3
# option → (what it writes, how)
REPORTS: dict[str, tuple[str, Callable[[ConformanceReport], str]]] = {
    "--junit": ("a JUnit XML report (one testcase per check)", ConformanceReport.to_junit),
    "--json": ("the JSON report", ConformanceReport.to_json),
    "--html": ("a self-contained HTML report with a timeline per scenario", html_report),
}
_STATUS = {
    ("passed", "mandatory"): "[green]passed[/]",
    ("passed", "advisory"): "[green]passed[/]",
    ("failed", "mandatory"): "[bold red]FAILED[/]",
    ("failed", "advisory"): "[yellow]failed[/]",
    ("skipped", "mandatory"): "[dim]skipped[/]",
    ("skipped", "advisory"): "[dim]skipped[/]",
}


def add_parser(commands: Any) -> None:
    p = commands.add_parser(
        "conform",
        help="run the conformance suite on a driver script",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("script", nargs="?", type=Path, help="the driver script (.js); optional with --manifest")
    add_driver_options(p)
    p.add_argument(
        "--device",
        default="sim",
        metavar="SPEC",
        help="sim | sim:FILE.yaml | sim:FILE.json | sim:FILE.py:Class: the vendor's printer for the baseline "
        "job and the Bidi requests; the device matrix is built from it when it is a fixture (default: sim)",
    )
    p.add_argument(
        "--job",
        type=Path,
        metavar="FILE",
        help="print data (default: a built-in 6-page PJL/PCL job, ~12 KiB)",
    )
    p.add_argument(
        "--scenarios",
        type=Path,
        nargs="+",
        action="extend",
        default=[],
        metavar="FILE",
        help="vendor scenario files (YAML/JSON); each scenario becomes the check SCEN-<name>",
    )
    for option, (what, _) in REPORTS.items():
        p.add_argument(
            option, type=Path, metavar="FILE", help=f"write {what} ('-': stdout, instead of the table)"
        )
    p.add_argument(
        "--write-signature",
        choices=["auto", "sample", "docs"],
        default="auto",
        help="writePrintData parameter order (default auto)",
    )
    add_sandbox_options(p)
    p.add_argument(
        "--buffer-size",
        type=int,
        default=CONFORMANCE_BUFFER_SIZE,
        metavar="BYTES",
        help=f"WritePort buffer size (default {CONFORMANCE_BUFFER_SIZE}: pages straddle buffers; "
        "ROB-005 also tries 65536 and 100)",
    )
    add_coverage_option(p)


def main(args: argparse.Namespace) -> int:
    outputs = {option: getattr(args, option.removeprefix("--")) for option in REPORTS}
    to_stdout = [option for option, path in outputs.items() if path is not None and str(path) == "-"]
    if len(to_stdout) > 1:
        raise BadInput(
            f"{', '.join(to_stdout)} are all '-': only one report can go to stdout; name files for the others"
        )
    for option, path in outputs.items():
        _check_writable(path, option)
    target = load_target(args)
    _check_simulated(args.device)
    open_device(args.device, VirtualClock())  # a bad --device is bad input before anything runs
    options = ConformanceOptions(
        device=args.device,
        job=read_bytes(args.job, "job file") if args.job else None,
        settings=port_settings(args, buffer_size=args.buffer_size, write_signature=args.write_signature),
        scenarios=load_scenarios(args.scenarios),
    )
    status_console = Console(stderr=True)
    with coverage_run(args.coverage, decoded_script(target.script_path, target.raw)):
        if status_console.is_terminal:
            with status_console.status("conformance suite") as status:
                options.progress = lambda message: status.update(f"conformance suite: {escape(message)}")
                report = run_conformance(target, options)
        else:
            report = run_conformance(target, options)
    for option, path in outputs.items():
        if path is not None:
            _write(path, option, REPORTS[option][1](report))
    if not to_stdout:  # a report on stdout is all there is on stdout
        console = Console(highlight=False)
        if not console.is_terminal:
            console.width = max(console.width, 160)  # logs and CI: keep one check per line where possible
        render(report, console)
    return EXIT_OK if report.ok else EXIT_NOT_CONFORMANT


def load_target(args: argparse.Namespace) -> DriverUnderTest:
    """The driver's files; a script that cannot be decoded is a finding (LOAD-002), not bad input."""
    manifest = load_manifest(args.manifest) if args.manifest else None
    script_path = args.script or (manifest.script if manifest else None)
    if script_path is None:
        raise BadInput("no driver script: give SCRIPT.js, or --manifest with [BidiFiles] BidiUSBJSFile")
    raw = read_bytes(script_path, "driver script")
    try:
        DriverScript.from_bytes(script_path, raw)
    except BadInput:
        return DriverUnderTest(script_path, raw, manifest=manifest)
    files = load_driver_files(args, script_path)
    return DriverUnderTest(
        script_path,
        raw,
        manifest=files.manifest,
        bidi=files.bidi,
        events=files.events,
        driver_props=dict(files.driver_bag.properties),
        queue_props=dict(files.queue_bag.properties),
    )


def render(report: ConformanceReport, console: Console | None = None) -> None:
    console = console or Console(highlight=False, soft_wrap=True)
    table = Table(title=f"usbmon-js conform {escape(report.script['path'])}", title_justify="left")
    for column, kwargs in (
        ("id", {"no_wrap": True}),
        ("status", {"no_wrap": True}),
        ("severity", {"no_wrap": True}),
        ("check", {}),
        ("evidence", {"overflow": "fold"}),
    ):
        table.add_column(column, **kwargs)
    for result in report.checks:
        table.add_row(
            result.id,
            _STATUS[(result.status, result.severity)],
            result.severity,
            escape(result.title),
            escape(_shorten(result.summary, 140)),
        )
    console.print(table)
    failed = report.failed()
    if failed:
        console.print()
        console.print("[bold]Failed checks[/]")
        for result in failed:
            console.print(f"[bold]{result.id}[/] ({result.severity}) {escape(result.title)}")
            for evidence in result.evidence[:5]:
                console.print("  " + escape(evidence.text()).replace("\n", "\n  "))
            if len(result.evidence) > 5:
                console.print(f"  … {len(result.evidence) - 5} more")
    for note in report.notes:
        console.print(f"[dim]note: {escape(note)}[/]")
    summary = report.summary
    verdict = "[bold green]CONFORMANT[/]" if report.ok else "[bold red]NOT CONFORMANT[/]"
    console.print(
        f"\n{verdict}: {summary.total} checks, {summary.passed} passed, {summary.failed} failed "
        f"({summary.mandatory_failed} mandatory, {summary.advisory_failed} advisory), "
        f"{summary.skipped} skipped  [dim]({report.wall_s:.1f} s)[/]"
    )


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _check_simulated(spec: str) -> None:
    """The suite replays dozens of scenarios in simulated time; only simulated printers can do that."""
    if spec.partition(":")[0] != "sim":
        raise BadInput(
            f"--device {spec}: conform runs its scenarios on simulated printers (sim, sim:FILE.yaml, "
            "sim:FILE.py:Class), in simulated time. To check the script against a USB, emulated or "
            "recorded printer, use `usbmon-js run` or `usbmon-js bidi` with that --device"
        )


def _check_writable(path: Path | None, option: str) -> None:
    if path is None or str(path) == "-":
        return
    if path.is_dir():
        raise BadInput(f"{option} {path}: is a directory, expected a file name")
    if not path.parent.exists():
        raise BadInput(f"{option} {path}: the directory {path.parent} does not exist")


def _write(path: Path | None, option: str, text: str) -> None:
    if path is None:
        return
    try:
        write_text(path, text)
    except OSError as exc:
        raise BadInput(f"{option} {path}: cannot write: {exc.strerror or exc}") from None
    if str(path) != "-":
        print(f"usbmon-js: wrote {path}", file=sys.stderr)
