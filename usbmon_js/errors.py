"""Errors the CLI turns into exit statuses and one-paragraph messages."""

from __future__ import annotations


class UsbmonError(Exception):
    """Base of every error this package reports to a user."""


class BadInput(UsbmonError):
    """A file, option or fixture the user gave cannot be used (exit status 2).

    The message is complete on its own: it names the file and, where known, line, column or
    the offending field, so the CLI prints it as is with no traceback.
    """


class DeviceError(UsbmonError):
    """The printer could not be opened or stopped answering."""


class DeviceUnavailable(BadInput):
    """The `--device` cannot be opened (absent, busy, no permission): nothing ran (exit status 2)."""
