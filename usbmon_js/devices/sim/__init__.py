"""Simulated printers: declarative fixtures, the built-in "sim" printer and Python device models."""

from usbmon_js.devices.sim.fixture import (
    DEFAULT_DEVICE_ID,
    BusyPeriod,
    DeviceFixture,
    FixturePrinter,
    PortStatusChange,
    ReplyRule,
    UnsolicitedData,
    default_fixture,
    default_printer,
    fixture_json_schema,
    fixture_json_schema_text,
    load_fixture,
    parse_fixture,
)
from usbmon_js.devices.sim.python_model import load_python_model

__all__ = [
    "DEFAULT_DEVICE_ID",
    "BusyPeriod",
    "DeviceFixture",
    "FixturePrinter",
    "PortStatusChange",
    "ReplyRule",
    "UnsolicitedData",
    "default_fixture",
    "default_printer",
    "fixture_json_schema",
    "fixture_json_schema_text",
    "load_fixture",
    "load_python_model",
    "parse_fixture",
]
