"""`usbmon-js run SCRIPT.js`: print one job through a driver script and report what USBMon did."""

from __future__ import annotations

import argparse
import json
import sys
import threading
from pathlib import Path
from typing import Any

from usbmon_js.cli.port_setup import (
    DriverFiles,
    add_device_options,
    add_driver_options,
    add_sandbox_options,
    load_driver_files,
    open_port,
    output_file,
    port_recipe,
    port_settings,
    schedule,
)
from usbmon_js.cli.render import render_report, wait_with_progress
from usbmon_js.debugging.run_options import (
    add_console_option,
    add_coverage_option,
    coverage_run,
    with_console,
)
from usbmon_js.errors import BadInput
from usbmon_js.portmon.isolation import IsolatedPort
from usbmon_js.portmon.job import JobData
from usbmon_js.portmon.outcome import EXIT_STATUS
from usbmon_js.portmon.report import JobReport
from usbmon_js.portmon.settings import PipelineSettings


def add_parser(commands: Any) -> None:
    p = commands.add_parser("run", help="print one job through a driver script", description=__doc__)
    p.add_argument("script", nargs="?", type=Path, help="the driver script (.js); optional with --manifest")
    add_job_options(p)
    p.add_argument("--json", action="store_true", help="print the job report as one JSON object")
    p.add_argument(
        "--isolate",
        action="store_true",
        help="run the script engine in a worker process: a crash or a wedged call fails the job, "
        "not the host (see README, Process isolation)",
    )
    add_coverage_option(p)


def add_job_options(p: argparse.ArgumentParser) -> None:
    """Everything about the job, the device, the driver's files and the sandbox (run, debug)."""
    p.add_argument("--job", type=Path, help="print data (default: a bundled 6-page PJL/PCL sample job)")
    add_device_options(
        p, real_time_help="wait in real time with simulated devices too (default: simulated time)"
    )
    add_driver_options(p)
    p.add_argument(
        "--write-signature",
        choices=["auto", "sample", "docs"],
        default="auto",
        help="writePrintData parameter order (default auto: docs order if parameter 2 is named *progress*)",
    )
    add_sandbox_options(p)
    add_console_option(p)
    p.add_argument(
        "--buffer-size",
        type=int,
        default=64 * 1024,
        metavar="BYTES",
        help="WritePort buffer size (default 65536)",
    )
    p.add_argument(
        "--write-timeout",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="how long printerStream.Write waits for a busy device (default 10)",
    )
    p.add_argument(
        "--read-timeout",
        type=float,
        default=0.05,
        metavar="SECONDS",
        help="how long printerStream.Read waits for data (default 0.05)",
    )
    p.add_argument(
        "--no-progress-timeout",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="fail a job that consumes nothing for this long (default 60)",
    )
    p.add_argument(
        "--end-retry-limit",
        type=float,
        default=300.0,
        metavar="SECONDS",
        help="give up on endPrintJob Retry after this long (default 300)",
    )
    p.add_argument(
        "--soft-reset-on-cancel",
        action="store_true",
        help="soft-reset the device after a cancel (also set by the manifest flag)",
    )
    p.add_argument(
        "--cancel-after",
        type=float,
        metavar="SECONDS",
        help="cancel the job from the spooler side after this much host-clock time",
    )


def job_settings(args: argparse.Namespace, files: DriverFiles) -> PipelineSettings:
    manifest = files.manifest
    settings = port_settings(
        args,
        buffer_size=args.buffer_size,
        write_signature=args.write_signature,
        no_progress_timeout_s=args.no_progress_timeout,
        end_retry_limit_s=args.end_retry_limit,
        soft_reset_on_cancel=args.soft_reset_on_cancel or bool(manifest and manifest.soft_reset_on_cancel),
        write_timeout_s=args.write_timeout,
        read_timeout_s=args.read_timeout,
    )
    return with_console(settings, args.console)


def main(args: argparse.Namespace) -> int:
    files = load_driver_files(args, args.script)
    job = JobData.from_file(args.job) if args.job else JobData.default()
    settings = job_settings(args, files)
    run_job = run_isolated if args.isolate else run_in_process
    report = run_job(args, files, job, settings)
    if args.json:
        print(json.dumps(report.model_dump(mode="json")))
    else:
        render_report(report)
    return EXIT_STATUS[report.outcome]


def run_in_process(
    args: argparse.Namespace, files: DriverFiles, job: JobData, settings: PipelineSettings
) -> JobReport:
    with (
        coverage_run(args.coverage, files.script),
        open_port(args, files, settings, virtual_time=not args.real_time) as (port, clock),
    ):
        handle = port.submit_job(job)
        if args.cancel_after is not None:
            schedule(clock, args.cancel_after, handle.cancel)
        try:
            report = wait_with_progress(handle, show=not args.json and sys.stderr.isatty())
        except KeyboardInterrupt:  # Ctrl-C cancels the job as the spooler would, then reports it
            handle.cancel()
            report = handle.wait()
    return report


def run_isolated(
    args: argparse.Namespace, files: DriverFiles, job: JobData, settings: PipelineSettings
) -> JobReport:
    """The job on a port whose engine runs in a worker process (IsolatedPort)."""
    for option, given in (("--coverage", args.coverage), ("--record", args.record)):
        if given:
            raise BadInput(f"{option} needs the script engine in this process; not with --isolate")
    for path, option in ((args.device_out, "--device-out"), (args.trace, "--trace")):
        if path is not None:
            with output_file(path, "wb", option):
                pass  # created empty here (and checked writable); the worker appends to it
    recipe = port_recipe(args, files, settings, virtual_time=not args.real_time)
    with IsolatedPort(recipe) as port:
        if args.cancel_after is not None:
            timer = threading.Timer(args.cancel_after, port.cancel)  # real seconds: the clock is the worker's
            timer.daemon = True
            timer.start()
        report = port.print_job(job)  # Ctrl-C ends the run (exit 130); closing the port stops the worker
    report.warnings.extend(files.warnings)
    return report
