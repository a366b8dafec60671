"""usbmon-js: run Windows USBMon JavaScript printer-driver scripts outside Windows."""

from usbmon_js.clock import RealClock, VirtualClock
from usbmon_js.portmon.job import JobData, JobHandle
from usbmon_js.portmon.port import PortMonitor
from usbmon_js.portmon.report import JobReport
from usbmon_js.portmon.settings import PipelineSettings

__version__ = "0.1.0"
__all__ = [
    "JobData",
    "JobHandle",
    "JobReport",
    "PipelineSettings",
    "PortMonitor",
    "RealClock",
    "VirtualClock",
]
