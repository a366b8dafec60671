"""The host's fast paths give exactly what the plain rules give (docs/performance.md).

Big byte Arrays going to the host are checked by jsbox and Python, not element by element in
JavaScript, and printData presented again is copied from the shim's own Array of the buffer.
Neither may change what a script sees (decisions.md "Host objects"). A printer stream does not
keep its owner alive, so a finished Bidi request is freed at once, not by the cycle collector.
"""

from __future__ import annotations

import gc
import weakref
from pathlib import Path
from typing import Any

import pytest
from helpers import FakeDevice, run_snippet

from usbmon_js.clock import VirtualClock
from usbmon_js.com.members import HostError
from usbmon_js.com.streams import PrinterStream
from usbmon_js.devices.channel import ChannelTimeouts, DeviceChannel
from usbmon_js.devices.model import DeviceGone, DeviceInfo
from usbmon_js.engine.script import DriverScript
from usbmon_js.portmon.job import JobData
from usbmon_js.portmon.port import PortMonitor
from usbmon_js.portmon.settings import PipelineSettings

CAUGHT = """
function caught(f) {
    try { f(); return null; }
    catch (e) {
        var kind = e instanceof RangeError ? "RangeError" : e instanceof TypeError ? "TypeError" : "Error";
        return [kind, String(e.message)];
    }
}
function bytes(n) { var a = []; for (var i = 0; i < n; i++) a.push((i * 7) & 255); return a; }
"""


def written(body: str) -> tuple[list[Any], bytes]:
    device = FakeDevice()
    channel = DeviceChannel(device, VirtualClock(), ChannelTimeouts(write=0.5))
    values = run_snippet(CAUGHT + body, stream=PrinterStream(channel))
    return values, bytes(device.received)


def pattern(n: int) -> bytes:
    return bytes((i * 7) & 255 for i in range(n))


@pytest.mark.parametrize("n", [127, 128, 4096, 65535, 65536, 65537, 70000, 1 << 18, (1 << 18) + 1])
def test_a_byte_array_of_any_size_is_sent_exactly(n: int) -> None:
    values, sent = written(f"out.Put(stream.Write(bytes({n})));")
    assert values == [n]
    assert sent == pattern(n)


@pytest.mark.parametrize(
    ("bad", "error", "shown"),
    [
        ('"7"', "TypeError", "string"),
        ("true", "TypeError", "boolean"),
        ("false", "TypeError", "boolean"),
        ("7n", "TypeError", "bigint"),
        ("null", "TypeError", "null"),
        ("undefined", "TypeError", "undefined"),
        ("[7]", "TypeError", "an array"),
        ("{valueOf: function () { return 7; }}", "TypeError", "an object"),
        ("new Uint8Array([7])", "TypeError", "an object"),
        ("Symbol('x')", "TypeError", "symbol"),
        ("function () {}", "TypeError", "function"),
        ("new Proxy({}, {})", "TypeError", "an object"),
        ("256", "RangeError", "256"),
        ("-1", "RangeError", "-1"),
        ("1.5", "RangeError", "1.5"),
        ("NaN", "RangeError", "NaN"),
    ],
)
@pytest.mark.parametrize("n", [200, 65536, 70000])
@pytest.mark.parametrize("at", ["first", "last"])
def test_a_bad_element_throws_the_same_error_as_the_element_loop(
    bad: str, error: str, shown: str, n: int, at: str
) -> None:
    index = 0 if at == "first" else n - 1
    values, sent = written(
        f"var a = bytes({n}); a[{index}] = {bad};out.Put(caught(function () {{ stream.Write(a); }}));"
    )
    assert values[0][0] == error
    assert values[0][1].startswith(f"Write: element {index} is ")
    assert shown in values[0][1]
    assert sent == b""


def test_a_hole_is_an_undefined_element() -> None:
    values, sent = written(
        "var a = bytes(300); delete a[150]; out.Put(caught(function () { stream.Write(a); }));"
    )
    assert values == [["TypeError", "Write: element 150 is undefined, not a byte"]]
    assert sent == b""


def test_getters_and_proxy_traps_of_a_written_array_run_once_per_element() -> None:
    values, sent = written(
        """
        var reads = 0;
        var a = bytes(300);
        Object.defineProperty(a, 5, {get: function () { reads++; return 9; }});
        out.Put(stream.Write(a));
        out.Put(reads);
        var gets = [];
        var p = new Proxy(bytes(200), {get: function (t, k) { gets.push(String(k)); return t[k]; }});
        out.Put(stream.Write(p));
        out.Put(gets.filter(function (k) { return k !== "length"; }).length);
        """
    )
    assert values == [300, 1, 200, 200]
    expected = bytearray(pattern(300))
    expected[5] = 9
    assert sent == bytes(expected) + pattern(200)


def test_written_arrays_are_left_as_they_were() -> None:
    values, _ = written(
        "var a = bytes(70000); stream.Write(a); out.Put([a.length, a[0], a[69999], Array.isArray(a)]);"
    )
    assert values == [[70000, 0, (69999 * 7) & 255, True]]


def test_the_rest_presented_again_is_fresh_whatever_the_script_did_to_the_last_one() -> None:
    source = """
    var firsts = [], kept = null;
    function writePrintData(ctx, data, stream, progress) {
      firsts.push(data[0]);
      if (kept !== null && kept.length !== 5) throw new Error("a kept printData changed: " + kept.length);
      var n = stream.Write(data.slice(0, 1000));
      data.reverse(); data.length = 5; data[0] = 999;  // vandalise it: the host must not care
      kept = data;
      progress.ProcessedByteCount = n;
      ctx.JobPropertyBag.SetString("firsts", firsts.join(","));
      return 0;
    }
    """
    job = bytes(range(256)) * 40  # 10,240 bytes in 4,096-byte buffers
    printer = FakeDevice()
    script = DriverScript.from_bytes(Path("rest.js"), source.encode())
    info = DeviceInfo(spec="test", transport="sim", device_id="")
    with PortMonitor(
        script, printer, info, clock=VirtualClock(), settings=PipelineSettings(buffer_size=4096)
    ) as port:
        report = port.print_job(JobData.from_bytes(job))
    assert report.outcome == "completed", report.errors
    assert bytes(printer.received) == job
    assert report.calls["writePrintData"] == 5 + 5 + 3  # 1000 at a time: 4096, 4096, 2048 bytes


class Owner:
    """Owns a printer stream and is told of its device faults, as a Bidi request or a job is."""

    def __init__(self, channel: DeviceChannel) -> None:
        self.faults: list[tuple[str, bool]] = []
        self.stream = PrinterStream(channel, on_device_fault=self.fault)

    def fault(self, reason: str, gone: bool) -> None:
        self.faults.append((reason, gone))


class Vanished(FakeDevice):
    def write(self, data: bytes) -> int:
        raise DeviceGone("unplugged")


def test_a_stream_tells_its_owner_of_faults_without_keeping_it_alive() -> None:
    owner = Owner(DeviceChannel(Vanished(), VirtualClock(), ChannelTimeouts(write=0.5)))
    with pytest.raises(HostError, match="the device is gone"):
        owner.stream.write(b"x")
    assert owner.faults == [("Write: the device is gone (unplugged)", True)]
    gc.disable()
    try:
        alive = weakref.ref(owner)
        del owner
        assert alive() is None  # freed by its reference count: no cycle through the stream
    finally:
        gc.enable()
