"""`--device SPEC`: which printer a run talks to, and opening it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from usbmon_js.clock import Clock
from usbmon_js.devices.model import DeviceInfo, PrinterModel, model_device_id
from usbmon_js.devices.sim import FixturePrinter, default_printer, load_fixture, load_python_model
from usbmon_js.errors import BadInput

SPEC_HELP = (
    "sim | sim:FILE.yaml | sim:FILE.json | sim:FILE.py:Class | emu:<sim spec> | usb | usb:VVVV:PPPP[:SERIAL] "
    "| replay:FILE"
)


@dataclass(frozen=True)
class OpenedDevice:
    model: PrinterModel
    info: DeviceInfo

    @property
    def simulated(self) -> bool:
        return self.info.transport == "sim"


def open_device(spec: str, clock: Clock) -> OpenedDevice:
    kind, _, rest = spec.partition(":")
    if kind == "sim":
        model = _open_sim(rest, clock)
        return OpenedDevice(model, DeviceInfo(spec=spec, transport="sim", device_id=model_device_id(model)))
    if kind in ("emu", "usb", "replay"):
        raise BadInput(
            f"--device {spec}: the '{kind}' transport is not available in this version yet "
            "(pyusb/umockdev transports are planned); use a simulated device: " + SPEC_HELP
        )
    raise BadInput(f"--device {spec}: unknown device spec; expected one of: {SPEC_HELP}")


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
