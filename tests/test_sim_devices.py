"""Simulated devices: declarative fixtures, the built-in printer and Python device models.

Behaviour that a driver sees goes through `DeviceChannel` (the host's view: write timeouts, byte
accounting); everything runs on a VirtualClock, so a 12 s busy period costs no real time.
"""

from __future__ import annotations

import io
import json
import re
import threading
from pathlib import Path
from typing import Any

import pytest

from usbmon_js.clock import RealClock, VirtualClock
from usbmon_js.devices.channel import DeviceChannel
from usbmon_js.devices.model import DeviceGone, PrinterModel, model_status_interface
from usbmon_js.devices.sim import (
    DeviceFixture,
    FixturePrinter,
    default_printer,
    fixture_json_schema,
    fixture_json_schema_text,
    load_fixture,
    load_python_model,
    parse_fixture,
)
from usbmon_js.errors import BadInput, DeviceError

ROOT = Path(__file__).resolve().parents[1]
DEVICES = ROOT / "fixtures" / "devices"
SCHEMA_FILE = ROOT / "docs" / "schemas" / "device-fixture.schema.json"


def printer(clock: VirtualClock | None = None, **settings: Any) -> FixturePrinter:
    return FixturePrinter(DeviceFixture.model_validate(settings), clock or VirtualClock())


def channel_for(model: PrinterModel, clock: VirtualClock) -> DeviceChannel:
    return DeviceChannel(model=model, clock=clock, sink=io.BytesIO())


def bad_input(text: str, tmp_path: Path, suffix: str = ".yaml") -> str:
    path = tmp_path / f"device{suffix}"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(BadInput) as caught:
        load_fixture(path)
    message = str(caught.value)
    assert str(path) in message
    assert "\n" not in message, "BadInput messages are one paragraph"
    return message


# --- flow control -----------------------------------------------------------------------------------


def test_busy_for_seconds_makes_a_channel_write_come_back_short_after_the_write_timeout() -> None:
    clock = VirtualClock()
    device = FixturePrinter(load_fixture(DEVICES / "busy_printer.yaml"), clock)
    channel = channel_for(device, clock)
    job = bytes(range(256)) * 100  # 25600 bytes

    assert channel.write(job) == 4096  # 4 transfers of 1 KiB, then 12 s busy > 10 s timeout
    assert clock.now() == pytest.approx(10.0, abs=0.02)
    assert device.received == 4096

    # The busy period started at t=0 and lasts 12 s: a retry gets through once it is over.
    assert channel.write(job[4096:20000]) == 20000 - 4096
    assert clock.now() == pytest.approx(12.0, abs=0.02)

    # The second period starts exactly at byte 20000 (1 KiB transfers are cut there).
    assert channel.write(job[20000:]) == 0
    assert device.received == 20000
    assert clock.now() == pytest.approx(22.0, abs=0.02)
    assert channel.write(job[20000:]) == len(job) - 20000
    assert clock.now() == pytest.approx(24.0, abs=0.02)
    assert channel.bytes_to_device == len(job)
    assert channel.sink is not None and channel.sink.getvalue() == job


def test_busy_for_writes_refuses_that_many_calls_and_cuts_the_crossing_write() -> None:
    device = printer(busy=[{"after_bytes": 10, "writes": 3}])
    assert device.write(b"a" * 25) == 10  # cut at the threshold, so busy starts exactly there
    assert device.write(b"b") == 0
    assert device.write(b"") == 0  # an empty write does not use up a busy write
    assert device.write(b"b") == 0
    assert device.write(b"b") == 0
    assert device.write(b"bcd") == 3
    assert device.received == 13


def test_busy_for_writes_through_a_channel_costs_only_a_few_polls() -> None:
    clock = VirtualClock()
    device = printer(clock, busy=[{"after_bytes": 0, "writes": 5}])
    channel = channel_for(device, clock)
    assert channel.write(b"hello") == 5
    assert clock.now() == pytest.approx(0.05)  # five refusals, one 10 ms poll each


def test_busy_periods_fire_once_each_in_order() -> None:
    clock = VirtualClock()
    device = printer(
        clock,
        busy=[
            {"after_bytes": 4, "seconds": 1.0},
            {"after_bytes": 4, "writes": 1},
            {"after_bytes": 2, "writes": 1},
        ],
    )
    assert device.write(b"abcdef") == 2
    assert device.write(b"cdef") == 0  # after 2 bytes: one refused write
    assert device.write(b"cdef") == 2
    assert device.write(b"ef") == 0  # after 4 bytes: 1 s ...
    clock.advance(0.99)
    assert device.write(b"ef") == 0
    clock.advance(0.01)
    assert device.write(b"ef") == 0  # ... then one refused write
    assert device.write(b"ef") == 2
    assert device.write(b"gh") == 2  # nothing fires twice


def test_max_write_gives_partial_writes_that_the_channel_completes() -> None:
    clock = VirtualClock()
    device = printer(clock, max_write=7)
    assert device.write(b"x" * 20) == 7
    channel = channel_for(device, clock)
    data = bytes(range(100))
    assert channel.write(data) == 100
    assert device.received == 107
    assert clock.now() == 0.0  # partial writes are not refusals: no waiting


def test_throughput_fills_the_buffer_and_drains_it_in_clock_time() -> None:
    clock = VirtualClock()
    device = printer(clock, bytes_per_second=1000, buffer_bytes=100)
    assert device.write(b"x" * 250) == 100
    assert device.write(b"x") == 0  # full
    assert device.buffered == 100
    clock.advance(0.05)
    assert device.buffered == 50
    assert device.write(b"x" * 80) == 50
    clock.advance(0.0015)  # 1.5 bytes' time: one whole byte drains, the half is carried over
    assert device.write(b"x" * 80) == 1
    clock.advance(0.0005)
    assert device.write(b"x" * 80) == 1
    clock.advance(10)
    assert device.buffered == 0
    assert device.write(b"x" * 80) == 80
    assert device.received == 232


def test_throughput_makes_channel_writes_take_simulated_time() -> None:
    def run() -> tuple[int, float, int, float]:
        clock = VirtualClock()
        device = printer(clock, bytes_per_second=10_000, buffer_bytes=1000)
        channel = channel_for(device, clock)
        first = channel.write(b"j" * 5000)
        after_first = clock.now()
        second = channel.write(b"j" * 200_000)  # 20 s of work: longer than the 10 s write timeout
        return first, after_first, second, clock.now()

    first, after_first, second, end = run()
    assert first == 5000
    assert after_first == pytest.approx(0.4, abs=0.011)  # 4000 bytes beyond the buffer at 10 kB/s
    assert second == pytest.approx(100_000, abs=200)  # 10 s worth, then the write comes back short
    assert end == pytest.approx(10.4, abs=0.02)
    assert run() == (first, after_first, second, end)  # deterministic


def test_throughput_combines_with_max_write_and_busy() -> None:
    clock = VirtualClock()
    device = printer(
        clock, bytes_per_second=100, buffer_bytes=50, max_write=20, busy=[{"after_bytes": 30, "writes": 1}]
    )
    assert device.write(b"x" * 100) == 20
    assert device.write(b"x" * 100) == 10  # cut at the busy threshold
    assert device.write(b"x" * 100) == 0  # busy
    assert device.write(b"x" * 100) == 20
    assert device.write(b"x" * 100) == 0  # buffer full (50 bytes), no time has passed
    clock.advance(0.1)
    assert device.write(b"x" * 100) == 10
    assert printer().buffered == 0  # no rate: nothing is ever buffered


# --- replies and unsolicited data ---------------------------------------------------------------


def test_replies_match_across_write_boundaries() -> None:
    device = printer(replies=[{"match": "PING", "reply": "PONG\r\n"}])
    for piece in (b"xxPI", b"NGyyP", b"I", b"NG"):
        device.write(piece)
    assert device.read(100) == b"PONG\r\nPONG\r\n"
    assert device.read(100) == b""


def test_a_received_byte_belongs_to_one_match_only() -> None:
    device = printer(replies=[{"match": "aa", "reply": "!"}])
    device.write(b"aaa")
    assert device.read(10) == b"!"  # not two overlapping matches
    device.write(b"a")  # the third 'a' and this one make the next match
    assert device.read(10) == b"!"


def test_reply_times_limits_answers() -> None:
    device = printer(
        replies=[
            {"match": "Q", "reply": "1", "times": 2},
            {"match": "Q", "reply": "x", "times": 0},
            {"match": "Q", "reply": "*"},
        ]
    )
    device.write(b"QQQ")
    device.write(b"Q")
    assert device.read(100) == b"1*1***"


def test_reply_then_answers_in_sequence_and_repeats_the_last() -> None:
    device = printer(replies=[{"match": "Q", "reply": "busy;", "then": ["one;", "two;"]}])
    device.write(b"Q")
    assert device.read(100) == b"busy;"
    device.write(b"QQQ")
    assert device.read(100) == b"one;two;two;"


def test_reply_then_follows_matches_across_writes_and_times_bounds_the_total() -> None:
    device = printer(
        replies=[{"match": {"hex": "0d 0a 01"}, "reply": {"hex": "15"}, "then": [{"hex": "06"}], "times": 3}]
    )
    for piece in (b"\r", b"\n\x01\r\n", b"\x01", b"\r\n\x01\r\n\x01"):
        device.write(piece)
    assert device.read(100) == b"\x15\x06\x06"  # NAK once, then ACK; the 4th match gets nothing


def test_reply_then_sequences_are_per_rule() -> None:
    device = printer(
        replies=[
            {"match": "SET", "reply": "retry;", "then": ["ok;"]},
            {"match": "GET", "reply": "v1;", "then": ["v2;"]},
        ]
    )
    device.write(b"GET SET SET GET GET")
    assert device.read(100) == b"v1;retry;ok;v2;v2;"


def test_replies_come_out_in_stream_order() -> None:
    device = printer(
        replies=[{"match": "second", "reply": "2"}, {"match": "first", "reply": "1"}],
        unsolicited=[{"after_bytes": 8, "data": "u"}],
    )
    device.write(b"first second first")  # 'first' ends at 5, unsolicited at 8, 'second' at 12
    assert device.read(100) == b"1u21"


def test_reply_matching_keeps_only_a_short_tail_on_long_jobs() -> None:
    device = printer(replies=[{"match": {"hex": "1b 45 ff"}, "reply": {"hex": "06"}}])
    for _ in range(64):
        device.write(b"\x00" * 65536)
    assert device.read(1) == b""
    matcher = device._matchers[0]
    assert len(matcher.tail) <= 2
    device.write(b"\x1b\x45")
    device.write(b"\xff")
    assert device.read(4) == b"\x06"


def test_hex_text_and_latin1_bytes() -> None:
    fixture = parse_fixture(
        'replies:\n  - match: {hex: "0d 0D\\n 02"}\n    reply: "caf\\u00e9\\r\\n\\f"\n', "inline.yaml"
    )
    assert fixture.replies[0].match == b"\r\r\x02"
    assert fixture.replies[0].reply == b"caf\xe9\r\n\x0c"


def test_unsolicited_data_waits_for_its_byte_count() -> None:
    device = printer(unsolicited=[{"after_bytes": 0, "data": "hello"}, {"after_bytes": 5, "data": "five"}])
    assert device.read(3) == b"hel"
    device.write(b"1234")
    assert device.read(100) == b"lo"
    device.write(b"56")
    assert device.read(100) == b"five"
    device.write(b"7" * 100)
    assert device.read(100) == b""


def test_pjl_status_chatter_fixture_through_a_channel() -> None:
    clock = VirtualClock()
    device = FixturePrinter(load_fixture(DEVICES / "pjl_status_chatter.yaml"), clock)
    channel = channel_for(device, clock)
    assert channel.read(64) == b""
    channel.write(b"\x1b%-12345X@PJL INFO STATUS\r\n")
    assert channel.read(256) == b'@PJL INFO STATUS\r\nCODE=10001\r\nDISPLAY="Ready"\r\nONLINE=TRUE\r\n\f'
    channel.write(b"\x00" * 999)
    assert channel.read(256) == b"@PJL USTATUS DEVICE\r\nCODE=10023\r\n\f"


# --- status, reset, disconnect ----------------------------------------------------------------------


def test_port_status_changes_with_received_bytes() -> None:
    device = printer(
        port_status=0x10,
        port_status_changes=[{"after_bytes": 100, "value": 0x08}, {"after_bytes": 50, "value": 0x38}],
    )
    assert device.port_status() == 0x10
    device.write(b"x" * 50)
    assert device.port_status() == 0x38
    device.write(b"x" * 49)
    assert device.port_status() == 0x38
    device.write(b"x")
    assert device.port_status() == 0x08
    assert printer().port_status() == 0x18


def test_soft_reset_drops_pending_in_data_unless_told_not_to() -> None:
    clock = VirtualClock()
    device = printer(clock, unsolicited=[{"after_bytes": 0, "data": "stale"}])
    channel_for(device, clock).soft_reset()
    assert device.read(10) == b""

    keeping = printer(soft_reset_clears_input=False, unsolicited=[{"after_bytes": 0, "data": "kept"}])
    keeping.soft_reset()
    assert keeping.read(10) == b"kept"


def test_disconnect_accepts_exactly_up_to_the_limit_then_everything_fails() -> None:
    clock = VirtualClock()
    device = FixturePrinter(load_fixture(DEVICES / "disconnecting_printer.yaml"), clock)
    channel = channel_for(device, clock)
    assert channel.write(b"a" * 2000) == 2000
    with pytest.raises(DeviceGone):
        channel.write(b"b" * 2000)
    assert device.received == 3000
    assert channel.bytes_to_device == 3000
    assert channel.sink is not None and channel.sink.getvalue() == b"a" * 2000 + b"b" * 1000
    with pytest.raises(DeviceGone):
        channel.read(64)
    with pytest.raises(DeviceGone):
        device.write(b"")


def test_device_id_and_default_clock() -> None:
    device = FixturePrinter(DeviceFixture())
    assert isinstance(device.clock, RealClock)
    assert device.device_id().startswith("MFG:")
    assert "CLS:PRINTER;" in device.device_id()
    assert isinstance(device, PrinterModel)


def test_concurrent_writers_and_readers_keep_exact_counts() -> None:
    device = printer(replies=[{"match": "X", "reply": "y"}])
    got: list[bytes] = []

    def writer() -> None:
        for _ in range(500):
            device.write(b"X")

    def reader() -> None:
        for _ in range(2000):
            got.append(device.read(7))

    threads = [threading.Thread(target=writer) for _ in range(4)] + [threading.Thread(target=reader)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    rest = device.read(10_000)
    assert device.received == 2000
    assert len(b"".join(got) + rest) == 2000


def test_status_interface_has_its_own_pipes() -> None:
    device = printer(
        replies=[{"match": "ST", "reply": "main;"}],
        status_interface={
            "replies": [{"match": "ST", "reply": "ok;", "then": ["off;"]}],
            "unsolicited": [{"after_bytes": 0, "data": "hello;"}, {"after_bytes": 4, "data": "four;"}],
        },
    )
    status = device.status_interface()
    assert status is not None and status is device.status_interface()
    assert model_status_interface(device) is status
    assert status.read(100) == b"hello;"
    assert status.write(b"ST") == 2
    assert status.read(100) == b"ok;"
    assert device.read(100) == b""  # nothing crosses over to the print interface
    assert device.received == 0 and status.received == 2
    device.write(b"ST")
    assert device.read(100) == b"main;"
    status.write(b"STST")
    assert status.read(100) == b"off;four;off;"
    assert status.device_id() == device.device_id()
    assert printer().status_interface() is None
    assert model_status_interface(printer()) is None


def test_status_interface_through_a_channel_and_gone_with_its_printer() -> None:
    clock = VirtualClock()
    device = printer(
        clock,
        disconnect_after_bytes=10,
        status_interface={"max_write": 2, "replies": [{"match": "STATUS", "reply": "idle"}]},
    )
    interface = model_status_interface(device)
    assert interface is not None
    channel = channel_for(interface, clock)
    assert channel.write(b"STATUS") == 6  # three 2-byte transfers
    assert channel.read(64) == b"idle"
    device.write(b"x" * 10)
    with pytest.raises(DeviceGone):
        channel.read(64)
    with pytest.raises(DeviceGone):
        interface.write(b"STATUS")


def test_bidi_sample_fixture_status_interface() -> None:
    device = FixturePrinter(load_fixture(DEVICES / "binary_bidi_printer.yaml"), VirtualClock())
    interface = device.status_interface()
    assert interface is not None
    request = bytes.fromhex("1B 51 40 01 01 AE")
    answers = []
    for _ in range(4):
        interface.write(request)
        answers.append(interface.read(64)[3])  # the reply's status byte
    assert answers == [0, 0, 3, 3]


# --- the built-in simulated printer -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "answer"),
    [
        (b"@PJL INFO STATUS\r\n", b'@PJL INFO STATUS\r\nCODE=10001\r\nDISPLAY="Ready"\r\nONLINE=TRUE\r\n\f'),
        (b"@PJL INFO PAGECOUNT\r\n", b"@PJL INFO PAGECOUNT\r\nPAGECOUNT=1234\r\n\f"),
        (b"@PJL INFO ID\r\n", b'@PJL INFO ID\r\n"Simulated Printer"\r\n\f'),
        (b"\x0d\x0d\x02\xca\xfe", b"\x00"),
        (b"\x0d\x0d\x02\xab\xcd", b"\x00\x01\x00\x00"),
        (b"\x58\x85", b"\x1c\x02"),
    ],
)
def test_default_printer_answers(query: bytes, answer: bytes) -> None:
    clock = VirtualClock()
    channel = channel_for(default_printer(clock), clock)
    assert channel.write(query) == len(query)
    assert channel.read(4096) == answer


def test_default_printer_identity_and_config() -> None:
    device = default_printer(VirtualClock())
    assert device.device_id() == (
        "MFG:usbmon-js;MDL:Simulated Printer;CMD:PJL,PCL,PCLXL;CLS:PRINTER;"
        "DES:usbmon-js built-in simulated printer;"
    )
    assert device.port_status() == 0x18
    assert device.write(b"\x00" * 1_000_000) == 1_000_000  # accepts everything at once
    device.write(b"@PJL INFO CONFIG\r\n")
    config = device.read(4096)
    assert config.startswith(b"@PJL INFO CONFIG\r\n") and config.endswith(b"\f")
    assert b"MEMORY=65536\r\n" in config and b"DUPLEX=FALSE\r\n" in config
    assert default_printer().received == 0  # every call is a fresh device


# --- invalid fixtures -------------------------------------------------------------------------------


def test_invalid_busy_fixture_names_the_field() -> None:
    with pytest.raises(BadInput) as caught:
        load_fixture(DEVICES / "invalid_busy.yaml")
    message = str(caught.value)
    assert "invalid_busy.yaml" in message
    assert "busy.0.writes: Input should be a valid integer (got 'five')" in message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("max_writes: 10\n", "max_writes: unknown field"),
        ("busy:\n  - {after_bytes: 1, writess: 2}\n", "busy.0.writess: unknown field"),
        ("busy:\n  - {after_bytes: 1}\n", "busy.0: a busy period needs exactly one of 'writes' or 'seconds'"),
        ("busy:\n  - {after_bytes: 1, writes: 1, seconds: 2}\n", "busy.0: a busy period needs exactly one"),
        ("busy:\n  - {after_bytes: 1, seconds: -2}\n", "busy.0.seconds: Input should be greater than 0"),
        ("busy:\n  - {writes: 1}\n", "busy.0.after_bytes: Field required"),
        ("port_status: 300\n", "port_status: Input should be less than or equal to 255 (got 300)"),
        ("port_status: '0x18'\n", "port_status: Input should be a valid integer"),
        ("max_write: 0\n", "max_write: Input should be greater than or equal to 1"),
        ("soft_reset_clears_input: 1\n", "soft_reset_clears_input: Input should be a valid boolean"),
        (
            "replies:\n  - {match: {hex: '0d0g'}, reply: x}\n",
            "replies.0.match: hex '0d0g' has 'g', not a hex digit",
        ),
        (
            "replies:\n  - {match: {hex: '0d0'}, reply: x}\n",
            "replies.0.match: hex '0d0' has an odd number of digits",
        ),
        (
            "replies:\n  - {match: x, reply: {hx: '00'}}\n",
            "replies.0.reply: a byte mapping takes exactly one key",
        ),
        ("replies:\n  - {match: '', reply: x}\n", "replies.0.match: match must not be empty"),
        (
            "replies:\n  - {match: '€', reply: x}\n",
            "replies.0.match: text may only use characters U+0000-U+00FF",
        ),
        ("unsolicited:\n  - {after_bytes: 0, data: 5}\n", "unsolicited.0.data: expected text or a mapping"),
        ("device_id: 'MFG:€;'\n", "device_id: the device ID is sent as latin-1 bytes"),
        ("replies:\n  - {match: a, reply: b, then: [5]}\n", "replies.0.then.0: expected text or a mapping"),
        ("replies:\n  - {match: a, reply: b, then: x}\n", "replies.0.then: Input should be a valid list"),
        (
            "replies:\n  - {match: a, reply: b, then: [c, d], times: 2}\n",
            "replies.0.times: times is 2 but the rule has 3 replies (reply and then)",
        ),
        ("bytes_per_second: 0\n", "bytes_per_second: Input should be greater than 0"),
        ("bytes_per_second: .inf\n", "bytes_per_second: Input should be a finite number"),
        ("bytes_per_second: fast\n", "bytes_per_second: Input should be a valid number"),
        (
            "bytes_per_second: 10\nbuffer_bytes: 0\n",
            "buffer_bytes: Input should be greater than or equal to 1",
        ),
        ("buffer_bytes: 4096\n", "buffer_bytes: buffer_bytes only matters with bytes_per_second"),
        ("status_interface: {device_id: x}\n", "status_interface.device_id: unknown field"),
        ("status_interface: []\n", "status_interface: Input should be a valid dictionary"),
        (
            "status_interface:\n  replies:\n    - {match: '', reply: x}\n",
            "status_interface.replies.0.match: match must not be empty",
        ),
        (
            "status_interface: {max_write: 0}\n",
            "status_interface.max_write: Input should be greater than or equal to 1",
        ),
        (
            "disconnect_after_bytes: -1\n",
            "disconnect_after_bytes: Input should be greater than or equal to 0",
        ),
    ],
)
def test_invalid_fields_are_named(text: str, expected: str, tmp_path: Path) -> None:
    assert expected in bad_input(text, tmp_path)


def test_several_problems_are_all_reported(tmp_path: Path) -> None:
    message = bad_input("max_write: x\nport_status: -1\n", tmp_path)
    assert "(2 problems)" in message and "max_write:" in message and "port_status:" in message


@pytest.mark.parametrize(
    ("text", "suffix", "expected"),
    [
        ("name: [unclosed\n", ".yaml", "is not valid YAML"),
        ("name: a\nbusy: [\n  {after_bytes: 1 writes: 2}\n", ".yml", "line 3"),
        ("name: a\nname: b\n", ".yaml", "found duplicate key 'name' at line 2"),
        ('{"name": "a",\n "busy": [}\n', ".json", "is not valid JSON: Expecting value at line 2, column 11"),
        ('{"name": "a", "name": "b"}', ".json", "duplicate key 'name'"),
        ("", ".yaml", "is empty"),
        ("- a\n- b\n", ".yaml", "must be a mapping at the top level, not a list"),
        ('"text"', ".json", "not a str"),
    ],
)
def test_syntax_and_shape_errors(text: str, suffix: str, expected: str, tmp_path: Path) -> None:
    assert expected in bad_input(text, tmp_path, suffix)


def test_file_errors(tmp_path: Path) -> None:
    with pytest.raises(BadInput, match=r"nowhere\.yaml does not exist"):
        load_fixture(tmp_path / "nowhere.yaml")
    with pytest.raises(BadInput, match=r"unknown file type \.toml"):
        load_fixture(tmp_path / "device.toml")
    (tmp_path / "dir.yaml").mkdir()
    with pytest.raises(BadInput, match="is a directory"):
        load_fixture(tmp_path / "dir.yaml")
    (tmp_path / "latin.yaml").write_bytes(b"name: caf\xe9\n")
    with pytest.raises(BadInput, match="is not UTF-8 text"):
        load_fixture(tmp_path / "latin.yaml")


def test_json_fixture_with_schema_key(tmp_path: Path) -> None:
    path = tmp_path / "device.JSON"
    path.write_text(
        json.dumps(
            {
                "$schema": "../../docs/schemas/device-fixture.schema.json",
                "max_write": 3,
                "replies": [{"match": {"hex": "0102"}, "reply": "ok", "times": 1}],
            }
        ),
        encoding="utf-8",
    )
    device = FixturePrinter(load_fixture(path), VirtualClock())
    assert device.write(b"\x01\x02\x01\x02") == 3
    assert device.read(10) == b"ok"


# --- Python device models ---------------------------------------------------------------------------


def test_half_speed_printer_through_a_channel() -> None:
    clock = VirtualClock()
    model = load_python_model(f"{DEVICES / 'slow_models.py'}:HalfSpeedPrinter")
    assert model.write(b"12345") == 3
    channel = channel_for(model, clock)
    assert channel.write(b"PI") == 2
    assert channel.write(b"NG and more") == 11
    assert channel.read(64) == b"OK\r\n"
    assert channel.device_id().startswith("MFG:usbmon-js;MDL:Half Speed Printer;")


def test_each_load_gets_its_own_module() -> None:
    spec = f"{DEVICES / 'slow_models.py'}:HalfSpeedPrinter"
    first, second = load_python_model(spec), load_python_model(spec)
    assert type(first) is not type(second)
    assert type(first).__module__ != type(second).__module__


def test_broken_constructor_is_bad_input_with_its_message() -> None:
    with pytest.raises(BadInput) as caught:
        load_python_model(f"{DEVICES / 'slow_models.py'}:BrokenPrinter")
    message = str(caught.value)
    assert "slow_models.py" in message and "BrokenPrinter" in message
    assert "RuntimeError: printer firmware not loaded" in message
    assert "line " in message and "Traceback" not in message and "\n" not in message


def _model_file(tmp_path: Path, source: str) -> Path:
    path = tmp_path / "model.py"
    path.write_text(source, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("source", "class_name", "expected"),
    [
        ("class A:\n    def write(self, d)\n        return 0\n", "A", "has a syntax error at line 2"),
        (
            "import no_such_module_for_usbmon\n",
            "A",
            "ModuleNotFoundError: No module named 'no_such_module_for_usbmon'",
        ),
        ("x = 1\nraise ValueError('bad\\nconfig')\n", "A", "failed (line 2): ValueError: bad config"),
        ("class Other:\n    pass\n", "Printer", "has no class Printer; it defines Other"),
        ("Printer = 5\n", "Printer", "is not a class (it is of type int)"),
        (
            "class Printer:\n    def read(self, n):\n        return b''\n",
            "Printer",
            "has no callable write()",
        ),
        ("class Printer:\n    pass\n", "Printer", "has no callable write() or read()"),
        (
            "class Printer:\n    port_status = 24\n    def write(self, d):\n        return len(d)\n"
            "    def read(self, n):\n        return b''\n",
            "Printer",
            "Printer.port_status must be a method",
        ),
        ("class Printer:\n    def __init__(self, x):\n        pass\n", "Printer", "TypeError"),
        ("import sys\nsys.exit(3)\n", "A", "SystemExit: 3"),
    ],
)
def test_python_model_errors(source: str, class_name: str, expected: str, tmp_path: Path) -> None:
    path = _model_file(tmp_path, source)
    with pytest.raises(BadInput) as caught:
        load_python_model(f"{path}:{class_name}")
    message = str(caught.value)
    assert expected in message
    assert str(path) in message and class_name in message
    assert "\n" not in message and "Traceback" not in message


def test_python_model_spec_and_file_errors(tmp_path: Path) -> None:
    with pytest.raises(BadInput, match=r"must be given as FILE\.py:Class"):
        load_python_model(str(DEVICES / "slow_models.py"))
    with pytest.raises(BadInput, match=r"is not a \.py file"):
        load_python_model(f"{DEVICES / 'busy_printer.yaml'}:Printer")
    with pytest.raises(BadInput, match=r"missing\.py does not exist"):
        load_python_model(f"{tmp_path / 'missing.py'}:Printer")


def test_working_python_model_is_returned(tmp_path: Path) -> None:
    path = _model_file(
        tmp_path,
        "from dataclasses import dataclass, field\n\n"
        "@dataclass\nclass Printer:\n    got: bytearray = field(default_factory=bytearray)\n"
        "    def write(self, data):\n        self.got += data\n        return len(data)\n"
        "    def read(self, size):\n        return b''\n",
    )
    model = load_python_model(f"{path}:Printer")
    assert model.write(b"abc") == 3
    assert model.got == bytearray(b"abc")  # type: ignore[attr-defined]


_STATUS_MODEL = """
class Status:
    def __init__(self):
        self.asked = 0
    def write(self, data):
        self.asked += 1
        return len(data)
    def read(self, size):
        return b"ok" if self.asked else b""

class Printer:
    def __init__(self):
        self.status = Status()
    def write(self, data):
        return len(data)
    def read(self, size):
        return b""
    def status_interface(self):
        return self.status
"""


def test_python_model_status_interface(tmp_path: Path) -> None:
    model = load_python_model(f"{_model_file(tmp_path, _STATUS_MODEL)}:Printer")
    interface = model_status_interface(model)
    assert interface is not None and interface is model_status_interface(model)
    clock = VirtualClock()
    channel = channel_for(interface, clock)
    assert channel.write(b"?") == 1
    assert channel.read(10) == b"ok"


@pytest.mark.parametrize(
    ("method", "expected"),
    [
        ("return None", None),
        ("return 5", "status_interface() returned 'int', which has no write() or read()"),
        ("return self", None),  # a model may be its own status interface
        ("raise OSError('no such interface')", "device model failed in status_interface: OSError"),
    ],
)
def test_python_model_status_interface_results(method: str, expected: str | None, tmp_path: Path) -> None:
    source = (
        "class Printer:\n    def write(self, d):\n        return len(d)\n"
        "    def read(self, n):\n        return b''\n"
        f"    def status_interface(self):\n        {method}\n"
    )
    model = load_python_model(f"{_model_file(tmp_path, source)}:Printer")
    if expected is None:
        interface = model_status_interface(model)
        assert interface is None or interface is model
        return
    with pytest.raises(DeviceError, match=re.escape(expected)):
        model_status_interface(model)


def test_python_model_status_interface_must_be_a_method(tmp_path: Path) -> None:
    source = (
        "class Printer:\n    status_interface = None\n    def write(self, d):\n        return len(d)\n"
        "    def read(self, n):\n        return b''\n"
    )
    with pytest.raises(BadInput, match=r"Printer\.status_interface must be a method"):
        load_python_model(f"{_model_file(tmp_path, source)}:Printer")


def test_model_without_status_interface_method() -> None:
    assert model_status_interface(object()) is None


# --- the published schema ---------------------------------------------------------------------------


def test_schema_file_matches_the_model() -> None:
    committed = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    assert committed == fixture_json_schema(), (
        "docs/schemas/device-fixture.schema.json is stale; regenerate it with "
        "fixture_json_schema_text() from usbmon_js.devices.sim"
    )
    assert SCHEMA_FILE.read_text(encoding="utf-8") == fixture_json_schema_text()


def test_bundled_fixtures_are_valid() -> None:
    for path in sorted(DEVICES.glob("*.y*ml")):
        if path.name.startswith("invalid_"):
            continue
        assert isinstance(load_fixture(path), DeviceFixture)


def test_a_cancel_stops_a_write_between_partial_acceptances() -> None:
    """A slow device taking a large Write piece by piece must not keep receiving after a cancel."""

    class Trickle:
        def __init__(self, channel_gate: threading.Event) -> None:
            self.received = 0
            self.gate = channel_gate

        def write(self, data: bytes) -> int:
            self.received += min(len(data), 100)
            if self.received >= 300:
                self.gate.set()  # the spooler cancels while the third piece is being accepted
            return min(len(data), 100)

        def read(self, size: int) -> bytes:
            return b""

    channel = channel_for(None, VirtualClock())  # type: ignore[arg-type]
    model = Trickle(channel.closed_gate)
    channel.model = model
    assert channel.write(bytes(10_000)) == 300
    assert channel.bytes_to_device == model.received == 300
