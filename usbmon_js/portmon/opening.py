"""Opening a port from its parts: the device (in the right clock) and the PortMonitor on it.

The CLI (in-process) and an isolated port's worker open ports the same way through these two
functions, so both honour the same options (virtual time, quirks, the manifest's status
interface) and build the same PortMonitor.
"""

from __future__ import annotations

from typing import IO, Any

from usbmon_js.clock import Clock, RealClock, VirtualClock
from usbmon_js.devices.model import PrinterModel
from usbmon_js.devices.spec import OpenedDevice, open_device
from usbmon_js.devices.usb.quirks import QuirkTable
from usbmon_js.portmon.isolation.recipe import PortRecipe
from usbmon_js.portmon.port import PortMonitor


def open_recipe_device(recipe: PortRecipe, quirks: QuirkTable) -> tuple[OpenedDevice, Clock]:
    """The recipe's device; simulated ones in virtual time unless real time is asked for."""
    clock: Clock = RealClock()
    device = open_device(recipe.device_spec, clock, quirks)
    if device.simulated and recipe.virtual_time:
        clock = VirtualClock()
        device = open_device(recipe.device_spec, clock, quirks)
    if recipe.status_interface_number is not None and hasattr(device.model, "status_interface_number"):
        device.model.status_interface_number = recipe.status_interface_number  # type: ignore[attr-defined]
    return device, clock


def recipe_port(
    recipe: PortRecipe,
    model: PrinterModel,
    device: OpenedDevice,
    clock: Clock,
    device_out: IO[Any] | None,
    trace_out: IO[Any] | None,
) -> PortMonitor:
    return PortMonitor(
        recipe.script,
        model,
        device.info,
        settings=recipe.settings,
        clock=clock,
        driver_properties=recipe.driver_properties,
        queue_properties=recipe.queue_properties,
        device_out=device_out,
        trace_out=trace_out,
        bidi_schema=recipe.bidi_schema,
        driver_events=recipe.driver_events,
        status_interface=recipe.status_interface,
    )
