"""What `run`, `bidi` and `conform` share: the driver's files, the device and the port they open.

Every file is loaded and validated before anything talks to the device, so bad input is always
exit 2 with a message naming the file, and never a half-run job.
"""

from __future__ import annotations

import argparse
import contextlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from pydantic import ValidationError

from usbmon_js.clock import Clock, VirtualClock
from usbmon_js.com.property_bag import Property, PropertyBag
from usbmon_js.devices.replay import RecordingPrinter
from usbmon_js.devices.spec import SPEC_HELP
from usbmon_js.devices.usb.quirks import QuirkTable
from usbmon_js.engine.limits import SandboxLimits
from usbmon_js.engine.script import DriverScript
from usbmon_js.errors import BadInput
from usbmon_js.formats.bidi_xml import BidiSchema, load_bidi_xml
from usbmon_js.formats.driver_events import DriverEvents, check_events_against_schema, load_driver_events
from usbmon_js.formats.loading import describe_validation_error
from usbmon_js.formats.manifest import DriverManifest, load_manifest
from usbmon_js.formats.property_file import load_property_file
from usbmon_js.portmon.isolation.recipe import PortRecipe
from usbmon_js.portmon.opening import open_recipe_device, recipe_port
from usbmon_js.portmon.port import PortMonitor
from usbmon_js.portmon.settings import PipelineSettings


def add_driver_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--manifest", type=Path, metavar="FILE.ini", help="v4 driver manifest ([BidiFiles], Flags, EventFile)"
    )
    p.add_argument("--bidi-xml", type=Path, metavar="FILE", help="USB Bidi extension XML")
    p.add_argument(
        "--event-file", type=Path, metavar="FILE", help="DriverEvents XML (default: the manifest's)"
    )
    p.add_argument("--driver-props", type=Path, metavar="FILE", help="DriverProperties bag (JSON/YAML)")
    p.add_argument("--queue-props", type=Path, metavar="FILE", help="QueueProperties bag (JSON/YAML)")


def add_device_options(p: argparse.ArgumentParser, *, real_time_help: str) -> None:
    p.add_argument("--device", default="sim", metavar="SPEC", help=SPEC_HELP + " (default: sim)")
    p.add_argument("--device-out", type=Path, metavar="FILE", help="write every byte the device received")
    p.add_argument("--trace", type=Path, metavar="FILE", help="every call and host call as JSON Lines")
    p.add_argument("--real-time", action="store_true", help=real_time_help)
    p.add_argument(
        "--record",
        type=Path,
        metavar="FILE",
        help="write a transcript of every device transfer (replay it with --device replay:FILE)",
    )
    add_quirk_options(p)


def add_quirk_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--quirks",
        type=Path,
        action="append",
        default=[],
        metavar="FILE",
        help="extra USB quirk file (usbmon-js YAML, or CUPS' usb-quirks format); repeatable",
    )
    p.add_argument(
        "--quirk",
        action="append",
        default=[],
        metavar="NAME[=VALUE]",
        help="force a USB quirk: unidirectional, no_reattach, soft_reset_after_job, delay_close_ms=N, "
        "send_delay_ms=N, vendor_class, blacklisted (=false to turn one off); repeatable",
    )


def quirk_table(args: argparse.Namespace) -> QuirkTable:
    return QuirkTable.load(getattr(args, "quirks", []), getattr(args, "quirk", []))


def add_sandbox_options(p: argparse.ArgumentParser) -> None:
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


@dataclass
class DriverFiles:
    """A driver's script, Bidi XML, events file and property bags, loaded and cross-checked."""

    script: DriverScript
    manifest: DriverManifest | None = None
    bidi: BidiSchema | None = None
    events: DriverEvents | None = None
    driver_bag: PropertyBag = field(default_factory=lambda: PropertyBag("DriverProperties", writable=False))
    queue_bag: PropertyBag = field(default_factory=lambda: PropertyBag("QueueProperties", writable=True))
    warnings: list[str] = field(default_factory=list)

    @property
    def status_interface(self) -> bool:
        return bool(self.manifest and self.manifest.status_interfaces)


def load_driver_files(args: argparse.Namespace, script_path: Path | None) -> DriverFiles:
    manifest = load_manifest(args.manifest) if args.manifest else None
    script_path = script_path or (manifest.script if manifest else None)
    if script_path is None:
        raise BadInput("no driver script: give SCRIPT.js, or --manifest with [BidiFiles] BidiUSBJSFile")
    files = DriverFiles(script=DriverScript.from_file(script_path), manifest=manifest)
    xml_path = args.bidi_xml or (manifest.bidi_xml if manifest else None)
    files.bidi = load_bidi_xml(xml_path) if xml_path else None
    events_path = args.event_file or (manifest.event_file if manifest else None)
    files.events = load_driver_events(events_path) if events_path else None
    files.driver_bag = PropertyBag(
        "DriverProperties", _props(args.driver_props, "--driver-props"), writable=False
    )
    files.queue_bag = PropertyBag("QueueProperties", _props(args.queue_props, "--queue-props"), writable=True)
    if manifest:
        files.warnings.extend(manifest.warnings)
    if files.bidi:
        files.warnings.extend(files.bidi.warnings)
    if files.events:
        files.warnings.extend(files.events.warnings)
        if files.bidi:
            files.warnings.extend(check_events_against_schema(files.events, files.bidi))
    return files


def _props(path: Path | None, option: str) -> dict[str, Property]:
    return load_property_file(path, option) if path else {}


def port_settings(args: argparse.Namespace, **fields: Any) -> PipelineSettings:
    """Settings from the common options plus command-specific fields; a bad value is bad input."""
    try:
        return PipelineSettings(
            limits=SandboxLimits(call_timeout_s=args.call_timeout, memory_limit_mib=args.memory_limit),
            **fields,
        )
    except ValidationError as exc:
        raise BadInput(f"invalid option: {describe_validation_error(exc)}") from None


@contextlib.contextmanager
def open_port(
    args: argparse.Namespace, files: DriverFiles, settings: PipelineSettings, *, virtual_time: bool
) -> Iterator[tuple[PortMonitor, Clock]]:
    """Open `--device` and a port on it; simulated devices run in virtual time when asked to."""
    recipe = port_recipe(args, files, settings, virtual_time=virtual_time)
    device, clock = open_recipe_device(recipe, quirk_table(args))
    model = device.model
    recorder = None
    if getattr(args, "record", None) is not None:
        recorder = RecordingPrinter(
            model, clock, args.record, spec=device.info.spec, transport=device.info.transport
        )
        model = recorder
    with (
        contextlib.closing(device),
        contextlib.closing(recorder) if recorder else contextlib.nullcontext(),
        output_file(args.device_out, "wb", "--device-out") as device_out,
        output_file(args.trace, "w", "--trace") as trace_out,
        recipe_port(recipe, model, device, clock, device_out, trace_out) as port,
    ):
        port.warnings.extend(files.warnings)
        yield port, clock


def port_recipe(
    args: argparse.Namespace, files: DriverFiles, settings: PipelineSettings, *, virtual_time: bool
) -> PortRecipe:
    """Everything needed to open the port the options describe (in this process or a worker)."""
    numbers = files.manifest.status_interface_numbers if files.manifest else ()
    return PortRecipe(
        files.script,
        device_spec=args.device,
        settings=settings,
        virtual_time=virtual_time,
        quirk_files=tuple(getattr(args, "quirks", [])),
        quirk_options=tuple(getattr(args, "quirk", [])),
        driver_properties=files.driver_bag,
        queue_properties=files.queue_bag,
        bidi_schema=files.bidi,
        driver_events=files.events,
        status_interface=files.status_interface,
        status_interface_number=numbers[0] if numbers else None,
        device_out=getattr(args, "device_out", None),
        trace=getattr(args, "trace", None),
    )


@contextlib.contextmanager
def output_file(path: Path | None, mode: str, option: str) -> Iterator[IO[Any] | None]:
    if path is None:
        yield None
        return
    try:
        handle = path.open(mode)
    except OSError as exc:
        raise BadInput(f"{option} {path}: cannot write: {exc.strerror or exc}") from None
    with handle:
        yield handle


def schedule(clock: Clock, after: float, action: Any) -> None:
    """Run `action` after `after` seconds of this clock (virtual or real)."""
    if isinstance(clock, VirtualClock):
        clock.call_at(clock.now() + after, action)
    else:
        timer = threading.Timer(after, action)
        timer.daemon = True
        timer.start()
