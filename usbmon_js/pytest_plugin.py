"""pytest fixtures for vendors testing their own USBMon JavaScript driver: registered on install.

A test asks for a fixture and gets a ready host in simulated time, a printer, a one-line job
runner, and results whose `assert_*` methods say what went wrong in USBMon's terms::

    def test_job_reaches_the_printer(usbmon_job):
        result = usbmon_job("scripts/pjl_passthrough.js", job=b"%!PS\\n")
        result.assert_completed()
        assert result.device_bytes.endswith(b"%!PS\\n")

    def test_toner_level(usbmon_host, usbmon_printer):
        printer = usbmon_printer("fixtures/devices/binary_bidi_printer.yaml")
        host = usbmon_host("scripts/binary_bidi.js", bidi_xml="scripts/binary_bidi.xml", printer=printer)
        host.bidi_get("\\\\Printer.Consumables").assert_value("\\\\Printer.Consumables.BlackToner:Level", 85)

`pytest --usbmon-coverage DIR` writes line and branch coverage of every script the fixtures ran
(DIR/<script name>/lcov.info, coverage.xml, index.html).
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from usbmon_js.clock import VirtualClock
from usbmon_js.com.property_bag import PropertyBag
from usbmon_js.debugging.probe import Probe
from usbmon_js.debugging.run_options import coverage_run
from usbmon_js.devices.model import DeviceInfo, PrinterModel, model_device_id
from usbmon_js.devices.sim import FixturePrinter, default_printer, load_fixture
from usbmon_js.devices.sim.fixture import DeviceFixture
from usbmon_js.engine.script import DriverScript
from usbmon_js.formats.bidi_xml import load_bidi_xml
from usbmon_js.formats.property_file import load_property_file
from usbmon_js.portmon.bidi.results import BidiReport
from usbmon_js.portmon.job import JobData
from usbmon_js.portmon.port import PortMonitor
from usbmon_js.portmon.report import JobReport
from usbmon_js.portmon.settings import PipelineSettings

PathLike = str | Path


# -- results and their assertions ------------------------------------------------------------
@dataclass
class JobResult:
    """A printed job: USBMon's report and every byte the printer received."""

    report: JobReport
    device_bytes: bytes

    @property
    def outcome(self) -> str:
        return self.report.outcome

    def response(self, path: str) -> Any:
        """The last value the script reported for `path` during the job (None: never reported)."""
        wanted = _schema_path(path)
        values = [r.value for r in self.report.responses if r.path == wanted]
        return values[-1] if values else None

    def assert_outcome(self, expected: str) -> JobResult:
        assert self.report.outcome == expected, (
            f"job {self.report.outcome}, expected {expected}{_problems(self.report)}"
        )
        return self

    def assert_completed(self) -> JobResult:
        return self.assert_outcome("completed")

    def assert_no_errors(self) -> JobResult:
        assert not self.report.errors, f"the script failed{_problems(self.report)}"
        return self

    def assert_sent(self, expected: bytes) -> JobResult:
        """The printer received exactly `expected`."""
        assert self.device_bytes == expected, _byte_difference(self.device_bytes, expected)
        return self

    def assert_calls(self, entry: str, count: int) -> JobResult:
        calls = self.report.calls.get(entry, 0)
        assert calls == count, f"{entry} was called {calls} times, expected {count}"
        return self


@dataclass
class BidiResult:
    """A Bidi Get or Set: the value, type and error of every path, and what the script did."""

    report: BidiReport

    def value(self, path: str) -> Any:
        return self._result(path).value

    def assert_value(self, path: str, expected: Any) -> BidiResult:
        result = self._result(path)
        assert result.error is None, (
            f"{result.path}: Bidi error {result.error} {result.error_name}: {result.message}"
        )
        assert result.value == expected, (
            f"{result.path} = {result.value!r} ({result.type}), expected {expected!r}"
        )
        return self

    def assert_error(self, path: str, code: int) -> BidiResult:
        result = self._result(path)
        assert result.error == code, f"{result.path}: error {result.error}, expected {code}"
        return self

    def assert_ok(self) -> BidiResult:
        failed = [f"{r.path}: {r.error} {r.error_name}" for r in self.report.results if r.error]
        assert not failed, "Bidi errors: " + "; ".join(failed) + _problems(self.report)
        return self

    def _result(self, path: str) -> Any:
        wanted = _schema_path(path)
        for result in self.report.results:
            if result.path == wanted:
                return result
        answered = ", ".join(r.path for r in self.report.results) or "nothing"
        raise AssertionError(f"{wanted} was not answered (answered: {answered})")


def _schema_path(path: str) -> str:
    """`\\Printer.X:Y` however many backslashes (or none) it was written with."""
    return "\\" + path.lstrip("\\")


def _problems(report: JobReport | BidiReport) -> str:
    lines = [f"\n  error [{e.kind}] in {e.entry} at {e.location}: {e.message}" for e in report.errors]
    return "".join(lines)


def _byte_difference(got: bytes, expected: bytes) -> str:
    at = next((i for i, (a, b) in enumerate(zip(got, expected, strict=False)) if a != b), None)
    at = min(len(got), len(expected)) if at is None else at
    shown, wanted = got[at : at + 16].hex(" ") or "nothing", expected[at : at + 16].hex(" ") or "nothing"
    return (
        f"the printer received {len(got)} bytes, expected {len(expected)}; first difference at byte {at}: "
        f"got {shown}, expected {wanted}"
    )


# -- printers and hosts ------------------------------------------------------------------------
@dataclass
class SimulatedPrinter:
    """A simulated printer on its own virtual clock (the host it is given to uses that clock)."""

    model: PrinterModel
    clock: VirtualClock
    spec: str = "sim"

    @property
    def info(self) -> DeviceInfo:
        return DeviceInfo(spec=self.spec, transport="sim", device_id=model_device_id(self.model))


@dataclass
class Host:
    """A USBMon port running the script on a printer: print jobs, ask Bidi questions."""

    port: PortMonitor
    printer: SimulatedPrinter
    sink: io.BytesIO = field(default_factory=io.BytesIO)

    @property
    def device_bytes(self) -> bytes:
        """Everything the printer received since the host was made."""
        return self.sink.getvalue()

    def print(self, job: bytes | PathLike | None = None) -> JobResult:
        start = len(self.sink.getvalue())
        report = self.port.print_job(_job(job))
        return JobResult(report, self.sink.getvalue()[start:])

    def bidi_get(self, *paths: str) -> BidiResult:
        return BidiResult(self.port.bidi_get([_schema_path(p) for p in paths]))

    def bidi_set(self, path: str, value: Any, type_name: str | None = None) -> BidiResult:
        return BidiResult(self.port.bidi_set(_schema_path(path), value, type_name))


def _job(job: bytes | PathLike | None) -> JobData:
    if job is None:
        return JobData.default()
    if isinstance(job, bytes):
        return JobData.from_bytes(job)
    return JobData.from_file(Path(job))


class _Coverage:
    """`--usbmon-coverage DIR`: one counting probe per script, reported when the session ends."""

    def __init__(self, directory: Path | None) -> None:
        self.directory = directory
        self._stack = contextlib.ExitStack()
        self._watched: set[str] = set()

    def watch(self, script: DriverScript) -> None:
        if self.directory is None or script.sha256 in self._watched:
            return
        self._watched.add(script.sha256)
        probe = Probe(script, "coverage")
        self._stack.enter_context(coverage_run(self.directory / script.path.stem, script, probe))
        self._stack.enter_context(probe.watching())

    def close(self) -> None:
        self._stack.close()


# -- the plugin ------------------------------------------------------------------------------------
def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("usbmon-js")
    group.addoption(
        "--usbmon-coverage",
        metavar="DIR",
        default=None,
        help="line and branch coverage of every driver script the usbmon fixtures run, per script in DIR",
    )


@pytest.fixture(scope="session")
def _usbmon_coverage(request: pytest.FixtureRequest) -> Iterator[_Coverage]:
    option = request.config.getoption("--usbmon-coverage")
    coverage = _Coverage(Path(option) if option else None)
    yield coverage
    coverage.close()


@pytest.fixture
def usbmon_printer() -> Callable[..., SimulatedPrinter]:
    """`usbmon_printer()` the built-in printer; `usbmon_printer("dev.yaml")`, or a fixture dict."""

    def make(fixture: PathLike | dict[str, Any] | None = None) -> SimulatedPrinter:
        clock = VirtualClock()
        if fixture is None:
            return SimulatedPrinter(default_printer(clock), clock)
        if isinstance(fixture, dict):
            return SimulatedPrinter(FixturePrinter(DeviceFixture.model_validate(fixture), clock), clock)
        return SimulatedPrinter(FixturePrinter(load_fixture(Path(fixture)), clock), clock, f"sim:{fixture}")

    return make


@pytest.fixture
def usbmon_host(
    usbmon_printer: Callable[..., SimulatedPrinter], _usbmon_coverage: _Coverage
) -> Iterator[Callable[..., Host]]:
    """`usbmon_host(script, printer=…, bidi_xml=…, driver_props=…, queue_props=…, **settings)`.

    Keyword settings are `PipelineSettings` fields (e.g. `buffer_size=4096`). Hosts close when
    the test ends.
    """
    hosts: list[Host] = []

    def make(
        script: PathLike,
        *,
        printer: SimulatedPrinter | None = None,
        bidi_xml: PathLike | None = None,
        driver_props: PathLike | None = None,
        queue_props: PathLike | None = None,
        **settings: Any,
    ) -> Host:
        driver = DriverScript.from_file(Path(script))
        _usbmon_coverage.watch(driver)
        printer = printer or usbmon_printer()
        sink = io.BytesIO()
        port = PortMonitor(
            driver,
            printer.model,
            printer.info,
            clock=printer.clock,
            settings=PipelineSettings(**settings),
            bidi_schema=load_bidi_xml(Path(bidi_xml)) if bidi_xml else None,
            driver_properties=_bag("DriverProperties", driver_props, writable=False),
            queue_properties=_bag("QueueProperties", queue_props, writable=True),
            device_out=sink,
        )
        host = Host(port, printer, sink)
        hosts.append(host)
        return host

    yield make
    for host in hosts:
        host.port.close()


def _bag(name: str, path: PathLike | None, *, writable: bool) -> PropertyBag:
    properties = load_property_file(Path(path), name) if path else {}
    return PropertyBag(name, properties, writable=writable)


@pytest.fixture
def usbmon_job(usbmon_host: Callable[..., Host]) -> Callable[..., JobResult]:
    """`usbmon_job(script, job=bytes | path | None, **host options)`: print one job, get the result."""

    def run(script: PathLike, job: bytes | PathLike | None = None, **options: Any) -> JobResult:
        return usbmon_host(script, **options).print(job)

    return run
