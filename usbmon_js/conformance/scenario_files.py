"""Vendor scenario files (`conform --scenarios FILE...`): the vendor's own printers and expectations.

The built-in matrix knows nothing about a vendor's protocol; a scenario file adds the cases only
the vendor knows ("this printer jams after page 2: the job must abort", "this job must reach the
printer byte for byte as this file"). Each scenario becomes the check `SCEN-<name>`.

```yaml
scenarios:
  - name: jam-after-page-2
    description: the printer reports a jam; the driver aborts the job
    device: ../devices/jamming_printer.yaml      # a fixture file, "sim", or an inline mapping
    job: ../jobs/pages_10.prn                   # a file, or {text: "..."} / {hex: "..."}
    outcome: aborted                            # completed (default) | failed | aborted | cancelled
    device_bytes: {sha256: 3f2a...}             # or a file path, or {file: path}
    cancel_after: 1.5                           # cancel the job after this much (virtual) time
```

A file may also hold a single scenario at the top level. Relative paths are relative to the
scenario file. Every problem is bad input (exit 2) naming the file, the scenario and the field.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from usbmon_js.devices.sim.fixture import DeviceFixture, default_fixture, load_fixture
from usbmon_js.errors import BadInput
from usbmon_js.formats.loading import read_bytes, read_mapping, validate

WHAT = "scenario file"
Outcome = Literal["completed", "failed", "aborted", "cancelled"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class InlineJob(_Strict):
    """Job bytes written into the scenario: UTF-8 `text` or `hex` digits (whitespace allowed)."""

    text: str | None = None
    hex: str | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> InlineJob:
        if (self.text is None) == (self.hex is None):
            raise ValueError("an inline job needs exactly one of 'text' or 'hex'")
        if self.hex is not None:
            try:
                bytes.fromhex("".join(self.hex.split()))
            except ValueError as exc:
                raise ValueError(f"hex is not a string of hex digit pairs: {exc}") from None
        return self

    def data(self) -> bytes:
        if self.text is not None:
            return self.text.encode("utf-8")
        return bytes.fromhex("".join((self.hex or "").split()))


class ExpectedBytes(_Strict):
    """What the printer must receive: exactly the bytes of `file`, or bytes with this `sha256`."""

    file: str | None = None
    sha256: str | None = Field(None, pattern=r"^[0-9a-fA-F]{64}$")

    @model_validator(mode="after")
    def _exactly_one(self) -> ExpectedBytes:
        if (self.file is None) == (self.sha256 is None):
            raise ValueError("device_bytes needs exactly one of 'file' or 'sha256'")
        return self


class ScenarioEntry(_Strict):
    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=64)
    description: str | None = None
    device: str | dict[str, Any] = Field("sim", description="fixture file, 'sim', or an inline fixture")
    job: str | InlineJob | None = Field(None, description="job file or inline job; default: the conform job")
    outcome: Outcome = "completed"
    device_bytes: str | ExpectedBytes | None = None
    cancel_after: float | None = Field(None, gt=0, allow_inf_nan=False)

    @field_validator("job", mode="before")
    @classmethod
    def _job_shape(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return InlineJob.model_validate(value)
        return value

    @field_validator("device_bytes", mode="before")
    @classmethod
    def _bytes_shape(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return ExpectedBytes.model_validate(value)
        return value


class ScenarioFile(_Strict):
    scenarios: list[ScenarioEntry] = Field(min_length=1)


@dataclass(frozen=True)
class VendorScenario:
    name: str
    description: str
    source: str
    fixture: DeviceFixture
    job: bytes | None  # None: the conformance job
    outcome: Outcome
    expected_bytes: bytes | None = None
    expected_sha256: str | None = None
    cancel_after: float | None = None

    @property
    def check_id(self) -> str:
        return f"SCEN-{self.name}"


def load_scenarios(paths: list[Path]) -> list[VendorScenario]:
    """Every scenario of every file, validated and with its files read; names must be unique."""
    loaded: list[VendorScenario] = []
    seen: dict[str, str] = {}
    for path in paths:
        for scenario in load_scenario_file(path):
            if scenario.name in seen:
                raise BadInput(
                    f"{WHAT} {path}: scenario name '{scenario.name}' is already used in "
                    f"{seen[scenario.name]}; "
                    "names become check ids (SCEN-<name>) and must be unique"
                )
            seen[scenario.name] = str(path)
            loaded.append(scenario)
    return loaded


def load_scenario_file(path: Path) -> list[VendorScenario]:
    data = read_mapping(path, WHAT)
    source = str(path)
    entries = (
        validate(ScenarioFile, data, source, WHAT).scenarios
        if "scenarios" in data
        else [validate(ScenarioEntry, data, source, WHAT)]
    )
    return [_resolve(entry, path) for entry in entries]


def _resolve(entry: ScenarioEntry, path: Path) -> VendorScenario:
    base = path.parent
    where = f"{WHAT} {path}, scenario '{entry.name}'"
    fixture = _fixture(entry.device, base, where)
    job = None
    if isinstance(entry.job, InlineJob):
        job = entry.job.data()
    elif isinstance(entry.job, str):
        job = _read(base / entry.job, f"{where}, field job:", "job file")
    expected_bytes, expected_sha = None, None
    if isinstance(entry.device_bytes, str):
        expected_bytes = _read(
            base / entry.device_bytes, f"{where}, field device_bytes:", "expected bytes file"
        )
    elif isinstance(entry.device_bytes, ExpectedBytes):
        if entry.device_bytes.file is not None:
            expected_bytes = _read(
                base / entry.device_bytes.file, f"{where}, field device_bytes.file:", "expected bytes file"
            )
        else:
            expected_sha = (entry.device_bytes.sha256 or "").lower()
    return VendorScenario(
        name=entry.name,
        description=entry.description or f"vendor scenario {entry.name}",
        source=str(path),
        fixture=fixture,
        job=job,
        outcome=entry.outcome,
        expected_bytes=expected_bytes,
        expected_sha256=expected_sha,
        cancel_after=entry.cancel_after,
    )


def _fixture(device: str | dict[str, Any], base: Path, where: str) -> DeviceFixture:
    """An inline fixture, "sim" (the built-in printer), or a fixture file (with or without "sim:")."""
    if device == "sim":
        return default_fixture()
    try:
        if isinstance(device, dict):
            return validate(DeviceFixture, device, "(inline)", "device fixture")
        if not device.removeprefix("sim:").strip():
            raise BadInput("give 'sim', a fixture file (.yaml, .yml, .json) or an inline fixture mapping")
        return load_fixture(base / device.removeprefix("sim:"))
    except BadInput as exc:
        raise BadInput(f"{where}, field device: {exc}") from None


def _read(path: Path, where: str, what: str) -> bytes:
    try:
        return read_bytes(path, what)
    except BadInput as exc:
        raise BadInput(f"{where} {exc}") from None


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
