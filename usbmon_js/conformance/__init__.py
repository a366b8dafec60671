"""`usbmon-js conform`: the conformance suite for USBMon JavaScript driver scripts.

`run_conformance` runs a script through the checks (checks.py registry, one module per
category) on a matrix of simulated printers (scenarios.py) and returns a `ConformanceReport`
(report.py: JSON and JUnit XML).
"""

from usbmon_js.conformance.report import ConformanceReport
from usbmon_js.conformance.runner import ConformanceOptions, DriverUnderTest, run_conformance

__all__ = ["ConformanceOptions", "ConformanceReport", "DriverUnderTest", "run_conformance"]
