"""Per-printer USB workarounds, layered: bundled < CUPS' quirk files < user file < --quirks < --quirk.

Real printers misbehave in known ways (a broken back channel, a kernel driver that must not be
re-attached, lost data when the pipe closes at once). Vendors can also describe their own
printer, and the CUPS quirk files already on a Linux machine are understood as they are.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from usbmon_js.errors import BadInput
from usbmon_js.formats.loading import describe_validation_error, one_line, parse_document, read_text

CUPS_QUIRK_DIR = Path("/usr/share/cups/usb")
USER_QUIRK_FILE = Path("~/.config/usbmon-js/usb-quirks.yaml")
CUPS_FLAGS = {
    "unidir": ("unidirectional", True),
    "no-reattach": ("no_reattach", True),
    "soft-reset": ("soft_reset_after_job", True),
    "delay-close": ("delay_close_ms", 1000),
    "vendor-class": ("vendor_class", True),
    "blacklist": ("blacklisted", True),
}


@dataclass(frozen=True)
class Quirks:
    """The workarounds in force for one device."""

    unidirectional: bool = False
    no_reattach: bool = False
    soft_reset_after_job: bool = False
    delay_close_ms: int = 0
    send_delay_ms: int = 0
    vendor_class: bool = False
    blacklisted: bool = False

    def merged(self, settings: dict[str, Any]) -> Quirks:
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values.update(settings)
        return Quirks(**values)

    def active(self) -> list[str]:
        return [f.name for f in fields(self) if getattr(self, f.name)]


class QuirkEntry(BaseModel):
    """One entry of a quirk file: which devices, and the workarounds it sets."""

    model_config = ConfigDict(extra="forbid")

    vendor_id: int | None = Field(default=None, ge=0, le=0xFFFF)
    product_id: int | None = Field(default=None, ge=0, le=0xFFFF)
    model: str | None = Field(default=None, description="Regular expression matched against MDL.")
    unidirectional: bool | None = None
    no_reattach: bool | None = None
    soft_reset_after_job: bool | None = None
    delay_close_ms: int | None = Field(default=None, ge=0, le=60000)
    send_delay_ms: int | None = Field(default=None, ge=0, le=60000)
    vendor_class: bool | None = None
    blacklisted: bool | None = None
    note: str | None = None
    source: str = Field(default="", exclude=True)

    @model_validator(mode="after")
    def _names_devices(self) -> QuirkEntry:
        if self.vendor_id is None and self.model is None:
            raise ValueError("an entry needs vendor_id (optionally with product_id) or model")
        if self.product_id is not None and self.vendor_id is None:
            raise ValueError("product_id needs vendor_id")
        if self.model is not None:
            try:
                re.compile(self.model)
            except re.error as exc:
                raise ValueError(f"model is not a valid regular expression: {exc}") from None
        return self

    def matches(self, vendor_id: int, product_id: int, model: str) -> bool:
        if self.vendor_id is not None and self.vendor_id != vendor_id:
            return False
        if self.product_id is not None and self.product_id != product_id:
            return False
        return self.model is None or re.search(self.model, model) is not None

    def settings(self) -> dict[str, Any]:
        names = {f.name for f in fields(Quirks)}
        return {k: v for k, v in self.model_dump(include=names).items() if v is not None}


class QuirkFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    quirks: list[QuirkEntry] = Field(default_factory=list)


def parse_quirk_yaml(text: str, source: str) -> list[QuirkEntry]:
    data = parse_document(text, source, "yaml", "quirk file")
    try:
        entries = QuirkFile.model_validate(data or {}).quirks
    except ValidationError as exc:
        raise BadInput(one_line(f"{source}: invalid quirk file: {describe_validation_error(exc)}")) from None
    return [entry.model_copy(update={"source": source}) for entry in entries]


def parse_cups_quirks(text: str, source: str) -> list[QuirkEntry]:
    """CUPS' format: `0xVVVV [0xPPPP] flag...` per line, `#` comments; unknown flags are ignored."""
    entries = []
    for number, raw in enumerate(text.splitlines(), 1):
        words = raw.split("#", 1)[0].split()
        if not words:
            continue
        bad = BadInput(f"{source}:{number}: expected 0xVVVV [0xPPPP] flags, got {raw.strip()!r}")
        try:
            ids = [int(word, 16) for word in words[:2] if word.lower().startswith("0x")]
        except ValueError:
            raise bad from None
        if not ids:
            raise bad
        settings = dict(CUPS_FLAGS[word] for word in words[len(ids) :] if word in CUPS_FLAGS)
        entry = {"vendor_id": ids[0], "product_id": ids[1] if len(ids) > 1 else None, **settings}
        try:
            parsed = QuirkEntry.model_validate(entry)
        except ValidationError as exc:  # e.g. an ID above 0xFFFF
            raise BadInput(one_line(f"{source}:{number}: {describe_validation_error(exc)}")) from None
        entries.append(parsed.model_copy(update={"source": f"{source}:{number}"}))
    return entries


def load_quirk_file(path: Path) -> list[QuirkEntry]:
    text = read_text(path, "--quirks file")
    if path.suffix.lower() in (".yaml", ".yml", ".json"):
        return parse_quirk_yaml(text, str(path))
    return parse_cups_quirks(text, str(path))


def bundled_quirks() -> list[QuirkEntry]:
    text = resources.files("usbmon_js.data").joinpath("usb_quirks.yaml").read_text(encoding="utf-8")
    return parse_quirk_yaml(text, "bundled usb_quirks.yaml")


def system_quirks() -> list[QuirkEntry]:
    """CUPS' installed quirk files and the user's own file, when present."""
    entries: list[QuirkEntry] = []
    if CUPS_QUIRK_DIR.is_dir():
        for path in sorted(CUPS_QUIRK_DIR.glob("*usb-quirks")):
            entries += load_quirk_file(path)
    user = USER_QUIRK_FILE.expanduser()
    if user.is_file():
        entries += load_quirk_file(user)
    return entries


def parse_quirk_option(text: str) -> dict[str, Any]:
    """`--quirk NAME[=VALUE]`: `unidirectional`, `no_reattach=false`, `send_delay_ms=20` (or CUPS names)."""
    name, _, value = text.partition("=")
    name = name.strip().replace("-", "_")
    cups = CUPS_FLAGS.get(name.replace("_", "-"))
    if cups is not None and name not in {f.name for f in fields(Quirks)}:
        name = cups[0]
    kinds = {f.name: f.type for f in fields(Quirks)}
    if name not in kinds:
        raise BadInput(f"--quirk {text}: unknown quirk; known: {', '.join(kinds)}")
    default = Quirks()
    if isinstance(getattr(default, name), bool):
        if value.lower() in ("", "1", "true", "yes", "on"):
            return {name: True}
        if value.lower() in ("0", "false", "no", "off"):
            return {name: False}
        raise BadInput(f"--quirk {text}: {name} takes true or false")
    try:
        number = int(value)
    except ValueError:
        raise BadInput(f"--quirk {text}: {name} takes a number of milliseconds") from None
    if not 0 <= number <= 60000:
        raise BadInput(f"--quirk {text}: {name} must be between 0 and 60000 ms")
    return {name: number}


@dataclass(frozen=True)
class QuirkTable:
    entries: tuple[QuirkEntry, ...]
    overrides: tuple[dict[str, Any], ...] = ()

    @classmethod
    def load(cls, extra_files: list[Path] | None = None, options: list[str] | None = None) -> QuirkTable:
        entries = bundled_quirks() + system_quirks()
        for path in extra_files or []:
            entries += load_quirk_file(path)
        return cls(tuple(entries), tuple(parse_quirk_option(text) for text in options or []))

    def for_device(self, vendor_id: int, product_id: int, model: str = "") -> tuple[Quirks, list[str]]:
        """The quirks in force and where each came from (later layers win)."""
        quirks, sources = Quirks(), []
        for entry in self.entries:
            if entry.matches(vendor_id, product_id, model):
                quirks = quirks.merged(entry.settings())
                sources.append(entry.source)
        for override in self.overrides:
            quirks = quirks.merged(override)
            sources.append("--quirk")
        return quirks, sources
