"""`usbmon-js run SCRIPT.js`: print one job through a driver script and report what USBMon did."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from pydantic import ValidationError

from usbmon_js.cli.render import render_report, wait_with_progress
from usbmon_js.clock import Clock, RealClock, VirtualClock
from usbmon_js.com.property_bag import PropertyBag
from usbmon_js.devices.spec import SPEC_HELP, open_device
from usbmon_js.engine.limits import SandboxLimits
from usbmon_js.engine.script import DriverScript
from usbmon_js.errors import BadInput
from usbmon_js.formats.bidi_xml import BidiSchema, load_bidi_xml
from usbmon_js.formats.loading import describe_validation_error
from usbmon_js.formats.manifest import DriverManifest, load_manifest
from usbmon_js.formats.property_file import load_property_file
from usbmon_js.portmon.job import JobData
from usbmon_js.portmon.outcome import EXIT_STATUS
from usbmon_js.portmon.port import PortMonitor
from usbmon_js.portmon.report import JobReport
from usbmon_js.portmon.settings import PipelineSettings


def add_parser(commands: Any) -> None:
    p = commands.add_parser("run", help="print one job through a driver script", description=__doc__)
    p.add_argument("script", nargs="?", type=Path, help="the driver script (.js); optional with --manifest")
    p.add_argument("--job", type=Path, help="print data (default: a bundled 6-page PJL/PCL sample job)")
    p.add_argument("--device", default="sim", metavar="SPEC", help=SPEC_HELP + " (default: sim)")
    p.add_argument("--device-out", type=Path, metavar="FILE", help="write every byte the device received")
    p.add_argument(
        "--manifest", type=Path, metavar="FILE.ini", help="v4 driver manifest ([BidiFiles], Flags)"
    )
    p.add_argument("--bidi-xml", type=Path, metavar="FILE", help="USB Bidi extension XML")
    p.add_argument("--driver-props", type=Path, metavar="FILE", help="DriverProperties bag (JSON/YAML)")
    p.add_argument("--queue-props", type=Path, metavar="FILE", help="QueueProperties bag (JSON/YAML)")
    p.add_argument("--json", action="store_true", help="print the job report as one JSON object")
    p.add_argument("--trace", type=Path, metavar="FILE", help="every call and host call as JSON Lines")
    p.add_argument(
        "--write-signature",
        choices=["auto", "sample", "docs"],
        default="auto",
        help="writePrintData parameter order (default auto: docs order if parameter 2 is named *progress*)",
    )
    p.add_argument(
        "--call-timeout",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="deadline of one entry-point call (default 10)",
    )
    p.add_argument(
        "--memory-limit", type=int, default=64, metavar="MIB", help="engine heap limit (default 64)"
    )
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
    p.add_argument(
        "--real-time",
        action="store_true",
        help="wait in real time with simulated devices too (default: simulated time)",
    )


def main(args: argparse.Namespace) -> int:
    manifest = load_manifest(args.manifest) if args.manifest else None
    script_path = args.script or (manifest.script if manifest else None)
    if script_path is None:
        raise BadInput("no driver script: give SCRIPT.js, or --manifest with [BidiFiles] BidiUSBJSFile")
    script = DriverScript.from_file(script_path)
    job = JobData.from_file(args.job) if args.job else JobData.default()
    bidi = _bidi_schema(args, manifest)
    driver_bag = PropertyBag("DriverProperties", _props(args.driver_props, "--driver-props"), writable=False)
    queue_bag = PropertyBag("QueueProperties", _props(args.queue_props, "--queue-props"), writable=True)
    settings = _settings(args, manifest)

    clock: Clock = RealClock()
    device = open_device(args.device, clock)
    if device.simulated and not args.real_time:
        clock = VirtualClock()
        device = open_device(args.device, clock)

    with (
        _output(args.device_out, "wb", "--device-out") as device_out,
        _output(args.trace, "w", "--trace") as trace_out,
        PortMonitor(
            script,
            device.model,
            device.info,
            settings=settings,
            clock=clock,
            driver_properties=driver_bag,
            queue_properties=queue_bag,
            device_out=device_out,
            trace_out=trace_out,
        ) as port,
    ):
        handle = port.submit_job(job)
        if args.cancel_after is not None:
            _schedule_cancel(clock, args.cancel_after, handle.cancel)
        try:
            report = wait_with_progress(handle, show=not args.json and sys.stderr.isatty())
        except KeyboardInterrupt:  # Ctrl-C cancels the job as the spooler would, then reports it
            handle.cancel()
            report = handle.wait()
    _add_warnings(report, manifest, bidi)
    if args.json:
        print(json.dumps(report.model_dump(mode="json")))
    else:
        render_report(report)
    return EXIT_STATUS[report.outcome]


def _bidi_schema(args: argparse.Namespace, manifest: DriverManifest | None) -> BidiSchema | None:
    path = args.bidi_xml or (manifest.bidi_xml if manifest else None)
    return load_bidi_xml(path) if path else None


def _props(path: Path | None, option: str):
    return load_property_file(path, option) if path else {}


def _settings(args: argparse.Namespace, manifest: DriverManifest | None) -> PipelineSettings:
    try:
        return PipelineSettings(
            buffer_size=args.buffer_size,
            write_signature=args.write_signature,
            no_progress_timeout_s=args.no_progress_timeout,
            end_retry_limit_s=args.end_retry_limit,
            soft_reset_on_cancel=args.soft_reset_on_cancel
            or bool(manifest and manifest.soft_reset_on_cancel),
            write_timeout_s=args.write_timeout,
            read_timeout_s=args.read_timeout,
            limits=SandboxLimits(call_timeout_s=args.call_timeout, memory_limit_mib=args.memory_limit),
        )
    except ValidationError as exc:
        raise BadInput(f"invalid option: {describe_validation_error(exc)}") from None


@contextlib.contextmanager
def _output(path: Path | None, mode: str, option: str) -> Iterator[IO[Any] | None]:
    if path is None:
        yield None
        return
    try:
        handle = path.open(mode)
    except OSError as exc:
        raise BadInput(f"{option} {path}: cannot write: {exc.strerror or exc}") from None
    with handle:
        yield handle


def _schedule_cancel(clock: Clock, after: float, cancel: Any) -> None:
    if isinstance(clock, VirtualClock):
        clock.call_at(clock.now() + after, cancel)
    else:
        timer = threading.Timer(after, cancel)
        timer.daemon = True
        timer.start()


def _add_warnings(report: JobReport, manifest: DriverManifest | None, bidi: BidiSchema | None) -> None:
    if manifest:
        report.warnings.extend(manifest.warnings)
    if bidi is None:
        return
    undeclared = sorted({r.path for r in report.responses if not bidi.declares(r.path)})
    for path in undeclared:
        report.warnings.append(f"response to {path}, which {bidi.path.name} does not declare (kept)")
