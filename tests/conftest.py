"""Test-session setup: the whole suite runs under umockdev's preload.

The `emu:` tests drive emulated printers through real libusb, which only finds them when
umockdev's preload library is loaded before libusb starts; so the session re-executes itself
under `umockdev-wrapper` (as the CLI does for `--device emu:`). Without a testbed the preload
passes every call through, so the other tests are unaffected.
"""

from __future__ import annotations

import sys

import pytest

from usbmon_js.devices.emu.testbed import ensure_mock_environment, in_mock_environment
from usbmon_js.errors import BadInput


def pytest_configure(config: pytest.Config) -> None:
    if in_mock_environment():
        return
    capture = config.pluginmanager.getplugin("capturemanager")
    if capture is not None:
        capture.stop_global_capturing()  # give the re-executed session the real stdout/stderr
    try:
        ensure_mock_environment(sys.orig_argv[1:])
    except BadInput as exc:
        pytest.exit(f"cannot run the emulated-USB tests: {exc}", returncode=2)
