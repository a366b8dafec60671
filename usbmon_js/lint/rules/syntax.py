"""Scripts that do not parse at all, even as ES2017."""

from __future__ import annotations

from usbmon_js.lint.findings import error

SYNTAX = error(
    "SYNTAX",
    "USBMon cannot load a script with a syntax error: no entry point of it ever runs (spec §6)",
)
RULES = [SYNTAX]
