"""The v4 driver manifest (`*-manifest.ini`): which script and XML USBMon loads, and its flags."""

from __future__ import annotations

import configparser
import re
from dataclasses import dataclass, field
from pathlib import Path

from usbmon_js.engine.script import decode_script
from usbmon_js.errors import BadInput
from usbmon_js.formats.loading import read_bytes

KNOWN_FLAGS = {
    "hostbaseddevice": "HostBasedDevice",
    "softresetonjobcancellation": "SoftResetOnJobCancellation",
}


@dataclass(frozen=True)
class DriverManifest:
    path: Path
    script: Path | None = None
    bidi_xml: Path | None = None
    event_file: Path | None = None
    flags: frozenset[str] = frozenset()
    status_interfaces: tuple[str, ...] = ()
    warnings: list[str] = field(default_factory=list)

    @property
    def host_based(self) -> bool:
        return "HostBasedDevice" in self.flags

    @property
    def soft_reset_on_cancel(self) -> bool:
        return "SoftResetOnJobCancellation" in self.flags

    @property
    def status_interface_numbers(self) -> tuple[int, ...]:
        """The `MI_xx` interface numbers (hex, as Windows writes them) in BidiUSBStatusInterface IDs."""
        found = (re.search(r"&MI_([0-9A-Fa-f]{2})\b", text) for text in self.status_interfaces)
        return tuple(int(match.group(1), 16) for match in found if match)


def load_manifest(path: Path) -> DriverManifest:
    text, _ = decode_script(path, read_bytes(path, "manifest"))
    parser = configparser.ConfigParser(
        strict=False, interpolation=None, comment_prefixes=(";", "#"), inline_comment_prefixes=(";",)
    )
    parser.optionxform = str.lower  # type: ignore[assignment,method-assign]
    try:
        parser.read_string(text, source=str(path))
    except configparser.Error as exc:
        line = getattr(exc, "lineno", None)
        where = f"{path}:{line}" if line else str(path)
        raise BadInput(f"{where}: invalid manifest: {exc.message.splitlines()[0]}") from None

    def value(section: str, key: str) -> str | None:
        for name in parser.sections():
            if name.lower() == section.lower() and parser.has_option(name, key):
                return parser.get(name, key).strip().strip('"').strip()
        return None

    def relative(key: str, section: str) -> Path | None:
        found = value(section, key)
        return (path.parent / found) if found else None

    warnings: list[str] = []
    flags: set[str] = set()
    for flag in (value("DriverConfig", "flags") or "").replace("|", ",").split(","):
        flag = flag.strip()
        if not flag:
            continue
        known = KNOWN_FLAGS.get(flag.lower())
        if known is None:
            warnings.append(f"{path}: unknown Flags value '{flag}' (ignored)")
        else:
            flags.add(known)
    interfaces = tuple(
        part.strip().strip('"')
        for part in (value("DriverConfig", "bidiusbstatusinterface") or "").split(",")
        if part.strip()
    )
    manifest = DriverManifest(
        path=path,
        script=relative("bidiusbjsfile", "BidiFiles"),
        bidi_xml=relative("bidiusbfile", "BidiFiles"),
        event_file=relative("eventfile", "DriverConfig"),
        flags=frozenset(flags),
        status_interfaces=interfaces,
        warnings=warnings,
    )
    for label, target in (
        ("BidiUSBJSFile", manifest.script),
        ("BidiUSBFile", manifest.bidi_xml),
        ("EventFile", manifest.event_file),
    ):
        if target is None:
            continue
        try:
            exists = target.is_file()
        except OSError as exc:  # e.g. a name too long for the file system
            raise BadInput(
                f"{path}:{_line_of(text, label)}: {label} names a file that cannot be looked up: "
                f"{exc.strerror or exc}"
            ) from None
        if not exists:
            raise BadInput(f"{path}:{_line_of(text, label)}: {label} names {target}, which does not exist")
    return manifest


def _line_of(text: str, key: str) -> int:
    """The line that sets `key` (configparser keeps no positions), for messages."""
    wanted = key.lower()
    for number, line in enumerate(text.splitlines(), start=1):
        name, sep, _ = line.partition("=")
        if sep and name.strip().lower() == wanted:
            return number
    return 1
