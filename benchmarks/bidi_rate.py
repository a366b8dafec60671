"""Bidi: round trips through a real Bidi script to a simulated printer, plain and instrumented."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from usbmon_js.clock import VirtualClock
from usbmon_js.com.contexts import ScriptContext
from usbmon_js.com.property_bag import PropertyBag
from usbmon_js.debugging.probe import Probe
from usbmon_js.debugging.session import DebugSession
from usbmon_js.devices.channel import DeviceChannel
from usbmon_js.devices.spec import open_device
from usbmon_js.engine.limits import SandboxLimits
from usbmon_js.engine.quickjs import ScriptEngine
from usbmon_js.engine.script import DriverScript
from usbmon_js.formats.bidi_xml import load_bidi_xml
from usbmon_js.portmon.bidi.events import EventEvaluator
from usbmon_js.portmon.bidi.service import BidiService
from usbmon_js.portmon.bidi.supported import SupportedSchema
from usbmon_js.portmon.port import PortMonitor
from usbmon_js.portmon.settings import PipelineSettings

ROOT = Path(__file__).resolve().parent.parent
BIDI_SCRIPT = ROOT / "scripts" / "binary_bidi.js"
BIDI_PRINTER = f"sim:{ROOT / 'fixtures' / 'devices' / 'binary_bidi_printer.yaml'}"
ONE_VALUE = "\\Printer.Status.Summary:State"  # one query key: one status frame out, one reply in
STATUS_QUERY = bytes([0x1B, 0x51, 0x40, 0x01, 0x01, (0x1B + 0x51 + 0x40 + 0x01 + 0x01) & 0xFF])


def bidi_get_seconds(path: str, queries: int, probe: Probe | None = None, rounds: int = 3) -> float:
    """Seconds per Bidi Get of `path` (each asks the script again), best of `rounds`."""
    script = DriverScript.from_file(BIDI_SCRIPT)
    schema = load_bidi_xml(BIDI_SCRIPT.with_suffix(".xml"))
    clock = VirtualClock()
    device = open_device(BIDI_PRINTER, clock)
    watching = probe.watching() if probe is not None else contextlib.nullcontext()
    best = float("inf")
    with watching, PortMonitor(script, device.model, device.info, clock=clock, bidi_schema=schema) as port:
        for _ in range(rounds):
            start = time.perf_counter()
            for _ in range(queries):
                report = port.bidi_get([path])
                clock.advance(3600)  # past every refreshInterval: the next Get asks the script again
            best = min(best, (time.perf_counter() - start) / queries)
            assert report.ok and report.calls.get("getSchemas"), report.errors
    return best


def concurrent_get_seconds(path: str, clients: int, queries: int, rounds: int = 3) -> float:
    """Seconds per Get when `clients` threads ask one port at once: its throughput, not one client's latency.

    While one Get runs on the port's worker the others wait in its queue, so the worker goes
    from one to the next without sleeping; the thread hand-off is paid in parallel.
    """
    script = DriverScript.from_file(BIDI_SCRIPT)
    schema = load_bidi_xml(BIDI_SCRIPT.with_suffix(".xml"))
    clock = VirtualClock()
    device = open_device(BIDI_PRINTER, clock)
    per_client = max(queries // clients, 1)
    failures: list[str] = []

    def client(port: PortMonitor) -> None:
        for _ in range(per_client):
            report = port.bidi_get([path])
            clock.advance(3600)  # past every refreshInterval: the next Get asks the script again
            if not report.ok:
                failures.append(str(report.errors))

    best = float("inf")
    with (
        PortMonitor(script, device.model, device.info, clock=clock, bidi_schema=schema) as port,
        ThreadPoolExecutor(max_workers=clients) as pool,
    ):
        for _ in range(rounds):
            start = time.perf_counter()
            for future in [pool.submit(client, port) for _ in range(clients)]:
                future.result()
            best = min(best, (time.perf_counter() - start) / (per_client * clients))
    assert not failures, failures[0]
    return best


def service_on_this_thread() -> tuple[BidiService, VirtualClock, Callable[[], None]]:
    """A port's Bidi service built on this thread (engine, channel, Bidi service), and its closer.

    The same wiring as a port's worker, without the worker: what one port can serve, no client hop.
    """
    clock = VirtualClock()
    device = open_device(BIDI_PRINTER, clock)
    schema = SupportedSchema(load_bidi_xml(BIDI_SCRIPT.with_suffix(".xml")), device.info.device_id)
    engine = ScriptEngine(DriverScript.from_file(BIDI_SCRIPT), SandboxLimits(), clock)
    bags = PropertyBag("DriverProperties", writable=False), PropertyBag("QueueProperties", writable=True)
    service = BidiService(
        engine,
        DeviceChannel(device.model, clock),
        clock,
        schema,
        EventEvaluator(schema, None),
        ScriptContext(*bags),
        PipelineSettings(),
    )
    return service, clock, engine.close


def service_get_seconds(path: str, queries: int, rounds: int = 3) -> float:
    """Seconds per Get answered on the engine's own thread (`service_on_this_thread`)."""
    service, clock, close = service_on_this_thread()
    best = float("inf")
    try:
        for _ in range(rounds):
            start = time.perf_counter()
            for _ in range(queries):
                report = service.get([path])
                clock.advance(3600)
            best = min(best, (time.perf_counter() - start) / queries)
            assert report.ok and report.calls.get("getSchemas"), report.errors
    finally:
        close()
    return best


def thread_hop_seconds(hops: int, rounds: int = 3) -> float:
    """Seconds for a client thread to hand a no-op to a port-style worker and get its answer."""
    with ThreadPoolExecutor(max_workers=1) as worker:
        worker.submit(int).result()
        best = float("inf")
        for _ in range(rounds):
            start = time.perf_counter()
            for _ in range(hops):
                worker.submit(int).result()
            best = min(best, (time.perf_counter() - start) / hops)
    return best


def status_channel() -> tuple[DeviceChannel, VirtualClock]:
    """A channel to the Bidi sim printer, for the status query done by Python alone."""
    clock = VirtualClock()
    return DeviceChannel(open_device(BIDI_PRINTER, clock).model, clock), clock


def device_exchange_seconds(exchanges: int, rounds: int = 3) -> float:
    """Seconds per status query and reply done by Python alone on the same printer: the baseline."""
    channel, _ = status_channel()
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(exchanges):
            channel.write(STATUS_QUERY)
            reply = channel.read(6)
            reply += channel.read(4096)
        best = min(best, (time.perf_counter() - start) / exchanges)
        assert reply[:2] == b"\x1b\x52", reply
    return best


def instrumented_ratios(queries: int) -> tuple[float, dict[str, float]]:
    """Seconds per `\\Printer` Get, and the debugger's and coverage's cost as multiples of it."""
    plain = bidi_get_seconds("\\Printer", queries)
    script = DriverScript.from_file(BIDI_SCRIPT)
    debug = Probe(script, "debug")
    debug.listener = DebugSession(debug.map)  # attached, no breakpoints: what `debug` costs to run
    ratios = {
        name: bidi_get_seconds("\\Printer", queries, probe) / plain
        for name, probe in (("under the debugger", debug), ("with coverage", Probe(script, "coverage")))
    }
    return plain, ratios
