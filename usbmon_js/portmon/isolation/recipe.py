"""Everything a worker process needs to open its port: picklable, so it crosses the process boundary.

The device is opened inside the worker from its spec (a model object cannot be sent across),
and `--device-out`/`--trace` are paths the worker opens itself, unbuffered, so whatever reached
the device is on disk even if the worker dies a moment later.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from usbmon_js.com.property_bag import PropertyBag
from usbmon_js.engine.script import DriverScript
from usbmon_js.formats.bidi_xml import BidiSchema
from usbmon_js.formats.driver_events import DriverEvents
from usbmon_js.portmon.settings import PipelineSettings


@dataclass(frozen=True)
class PortRecipe:
    script: DriverScript
    device_spec: str = "sim"
    settings: PipelineSettings = field(default_factory=PipelineSettings)
    virtual_time: bool = True
    quirk_files: tuple[Path, ...] = ()
    quirk_options: tuple[str, ...] = ()
    driver_properties: PropertyBag | None = None
    queue_properties: PropertyBag | None = None
    bidi_schema: BidiSchema | None = None
    driver_events: DriverEvents | None = None
    status_interface: bool = False
    status_interface_number: int | None = None  # the manifest's &MI_xx
    device_out: Path | None = None
    trace: Path | None = None
    grace_s: float = 5.0  # past a call's deadline, how long the worker gets before a hard kill
