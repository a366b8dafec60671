"""`--device SPEC`: which printer a run talks to, and opening it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from usbmon_js.clock import Clock, RealClock
from usbmon_js.devices.device_id import parse_device_id
from usbmon_js.devices.emu import EmulatedPrinter, publish
from usbmon_js.devices.model import DeviceInfo, PrinterModel, Transport, model_device_id
from usbmon_js.devices.replay import load_replay
from usbmon_js.devices.sim import FixturePrinter, default_printer, load_fixture, load_python_model
from usbmon_js.devices.usb import QuirkTable, UsbPrinter, open_usb_printer, refuse_blacklisted
from usbmon_js.errors import BadInput

SPEC_HELP = (
    "sim | sim:FILE.yaml | sim:FILE.json | sim:FILE.py:Class | emu:<sim spec> | usb | usb:VVVV:PPPP[:SERIAL] "
    "| replay:FILE"
)


@dataclass(frozen=True)
class OpenedDevice:
    model: PrinterModel
    info: DeviceInfo
    close: Callable[[], None] = field(default=lambda: None)
    emulated: EmulatedPrinter | None = None  # the device side of an emu: printer, for inspection

    @property
    def simulated(self) -> bool:
        """Simulated and replayed devices run in virtual time; USB ones in real time."""
        return self.info.transport in ("sim", "replay")


def open_device(spec: str, clock: Clock, quirks: QuirkTable | None = None) -> OpenedDevice:
    """Open `spec`; usb and emu devices are claimed until `close()` is called."""
    kind, _, rest = spec.partition(":")
    if kind == "sim":
        return _plain_device(spec, "sim", _open_sim(rest, clock))
    if kind == "usb":
        table = quirks or QuirkTable.load()
        return _usb_device(spec, open_usb_printer(spec, table), table)
    if kind == "emu":
        return _open_emulated(spec, rest, quirks or QuirkTable.load())
    if kind == "replay":
        if not rest:
            raise BadInput(f"--device {spec}: replay: needs a transcript file, e.g. replay:job.json")
        return _plain_device(spec, "replay", load_replay(rest))
    raise BadInput(f"--device {spec}: unknown device spec; expected one of: {SPEC_HELP}")


def _plain_device(spec: str, transport: Transport, model: PrinterModel) -> OpenedDevice:
    return OpenedDevice(model, DeviceInfo(spec=spec, transport=transport, device_id=model_device_id(model)))


def _usb_device(
    spec: str, printer: UsbPrinter, table: QuirkTable, emulated: EmulatedPrinter | None = None
) -> OpenedDevice:
    """Read the device ID, then apply the quirks that match its model name too."""

    def close() -> None:
        printer.close()
        if emulated is not None:
            emulated.unplug()

    try:
        device_id = printer.device_id()
        model = parse_device_id(device_id).model or ""
        quirks, _ = table.for_device(printer.device.idVendor, printer.device.idProduct, model)
        refuse_blacklisted(printer.label, quirks)
        printer.apply_quirks(quirks)
    except Exception:
        close()
        raise
    info = DeviceInfo(spec=spec, transport="pyusb", device_id=device_id)
    return OpenedDevice(printer, info, close, emulated)


def _open_emulated(spec: str, rest: str, quirks: QuirkTable) -> OpenedDevice:
    """Publish the sim model `rest` names on the emulated bus, then open it like real hardware."""
    if rest.startswith(("emu:", "usb", "replay:")):
        raise BadInput(f"--device {spec}: emu: takes a simulated device spec (sim, sim:FILE…)")
    model = open_sim_model(rest)
    emulated = publish(model)
    device = emulated.usb_device()
    vendor, product = device.idVendor, device.idProduct
    table_quirks, _ = quirks.for_device(vendor, product)
    label = f"emulated USB printer {vendor:04x}:{product:04x} on bus 1 address {emulated.address}"
    try:
        refuse_blacklisted(label, table_quirks)
        printer = UsbPrinter(device, table_quirks, label)
    except Exception:
        emulated.unplug()
        raise
    return _usb_device(spec, printer, quirks, emulated)


def open_sim_model(spec: str, clock: Clock | None = None) -> PrinterModel:
    """The model a `sim` spec (`sim`, `sim:FILE…`, or just `FILE…`) names, in real time by default."""
    rest = "" if spec == "sim" else spec.removeprefix("sim:")
    return _open_sim(rest, clock or RealClock())


def _open_sim(rest: str, clock: Clock) -> PrinterModel:
    if not rest:
        return default_printer(clock)
    if ".py:" in rest or rest.endswith(".py"):
        if ".py:" not in rest:
            raise BadInput(f"sim:{rest}: a Python device model needs a class: sim:FILE.py:ClassName")
        return load_python_model(rest)
    path = Path(rest)
    if path.suffix.lower() not in (".yaml", ".yml", ".json"):
        raise BadInput(f"sim:{rest}: a device fixture must be a .yaml, .yml or .json file (or FILE.py:Class)")
    return FixturePrinter(load_fixture(path), clock)
