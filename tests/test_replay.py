"""Record and replay: a recorded job replays byte-exact, and a changed script fails with a diff."""

from __future__ import annotations

import io
import json
import lzma
from pathlib import Path

import pytest

from usbmon_js.clock import VirtualClock
from usbmon_js.devices.model import (
    DeviceGone,
    DeviceInfo,
    PrinterModel,
    model_device_id,
    model_port_status,
    model_status_interface,
)
from usbmon_js.devices.replay import (
    RecordingPrinter,
    ReplayMismatch,
    ReplayPrinter,
    Transcript,
    load_replay,
    load_transcript,
    parse_transcript,
    transcript_json_schema,
    transcript_json_schema_text,
)
from usbmon_js.devices.replay.mismatch import RecordedSpot, content_mismatch
from usbmon_js.devices.replay.transcript import TranscriptHeader, transcript_text
from usbmon_js.devices.replay.transcript_log import TranscriptLog
from usbmon_js.devices.sim.fixture import FixturePrinter, default_printer, load_fixture
from usbmon_js.engine.script import DriverScript
from usbmon_js.errors import BadInput, DeviceError
from usbmon_js.formats.bidi_xml import load_bidi_xml
from usbmon_js.portmon.job import JobData
from usbmon_js.portmon.port import PortMonitor
from usbmon_js.portmon.report import JobReport
from usbmon_js.portmon.settings import PipelineSettings

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = ROOT / "scripts"
DEVICES = ROOT / "fixtures" / "devices"
TRANSCRIPTS = ROOT / "fixtures" / "transcripts"
SMALL_JOB = (ROOT / "fixtures" / "jobs" / "small_job.prn").read_bytes()
BIG_JOB = (ROOT / "fixtures" / "jobs" / "pages_10.prn").read_bytes()
PJL_PASSTHROUGH = (SCRIPTS / "pjl_passthrough.js").read_text(encoding="utf-8")
STATUS_QUERY = b"\x1b%-12345X@PJL\r\n@PJL INFO STATUS\r\n\x1b%-12345X"
STATE = "\\Printer.Status.Summary:State"


class Session:
    """A port on one device model, printing jobs in virtual time and capturing what reached the device."""

    def __init__(
        self,
        source: str,
        model: PrinterModel,
        clock: VirtualClock,
        *,
        bidi_xml: Path | None = None,
        status_interface: bool = False,
    ) -> None:
        self.received = io.BytesIO()
        self.port = PortMonitor(
            DriverScript.from_bytes(Path("driver.js"), source.encode("utf-8")),
            model,
            DeviceInfo("test", "sim", model_device_id(model)),
            clock=clock,
            settings=PipelineSettings(status_interval_s=0.5),
            device_out=self.received,
            bidi_schema=load_bidi_xml(bidi_xml) if bidi_xml else None,
            status_interface=status_interface,
        )

    def print(self, job: bytes) -> JobReport:
        return self.port.print_job(JobData.from_bytes(job))

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.port.close()


def print_job(source: str, model: PrinterModel, job: bytes) -> tuple[JobReport, bytes]:
    with Session(source, model, VirtualClock()) as session:
        report = session.print(job)
    return report, session.received.getvalue()


def record(source: str, fixture: str | None, job: bytes, tmp_path: Path) -> tuple[JobReport, bytes, Path]:
    """Print `job` on a fixture printer through a RecordingPrinter; the transcript goes to a file."""
    clock = VirtualClock()
    printer = FixturePrinter(load_fixture(DEVICES / fixture), clock) if fixture else default_printer(clock)
    path = tmp_path / "recorded.json"
    with (
        RecordingPrinter(printer, clock, path, spec=f"sim:{fixture or ''}") as recorder,
        Session(source, recorder, clock) as session,
    ):
        report = session.print(job)
    return report, session.received.getvalue(), path


def device_errors(report: JobReport) -> list[str]:
    return [error.message for error in report.errors if error.kind == "device"]


def states(report: JobReport) -> list[object]:
    return [response.value for response in report.responses if response.path == STATE]


# --- a recorded job replays byte-exact ------------------------------------------------------------


def test_a_recorded_job_replays_byte_exact_with_its_bidi_exchange(tmp_path: Path) -> None:
    recorded, sent, path = record(PJL_PASSTHROUGH, None, SMALL_JOB, tmp_path)
    assert recorded.outcome == "completed"
    assert sent == STATUS_QUERY + SMALL_JOB

    replay = load_replay(path)
    report, replayed = print_job(PJL_PASSTHROUGH, replay, SMALL_JOB)

    assert report.outcome == "completed", report.errors
    assert replayed == sent
    assert replay.replayed_bytes == replay.expected_bytes == len(sent)
    # startPrintJob's status query was answered from the recording: the same Bidi response
    assert states(report) == states(recorded) == ["Idle"]
    assert model_device_id(replay) == model_device_id(default_printer())


def test_the_transcript_file_is_versioned_json_with_one_transfer_per_line(tmp_path: Path) -> None:
    _, sent, path = record(PJL_PASSTHROUGH, None, SMALL_JOB, tmp_path)
    text = path.read_text(encoding="utf-8")
    document = json.loads(text)
    assert document["format"] == "usbmon-js-transcript"
    assert document["version"] == 1
    assert document["header"]["spec"] == "sim:"
    assert document["header"]["transport"] == "sim"
    assert document["header"]["port_status"] == 0x18
    transfers = document["transfers"]
    lines = text.splitlines()
    assert len(lines) == len(transfers) + 7  # {, format, version, header, "transfers": [, ], }
    assert json.loads(lines[5].rstrip(",")) == transfers[0]
    writes = [t for t in transfers if t["op"] == "write"]
    assert bytes.fromhex("".join(t["data"] for t in writes)) == sent
    assert writes[1]["out_offset"] == len(STATUS_QUERY)
    reply = next(t for t in transfers if t["op"] == "read" and t.get("data"))
    assert bytes.fromhex(reply["data"]).startswith(b"@PJL INFO STATUS\r\nCODE=10001")
    assert reply["out_offset"] == len(STATUS_QUERY)
    assert transfers[-1]["op"] == "end_job"
    assert load_transcript(path).transfers[-1].out_offset == len(sent)


def test_a_transcript_round_trips_through_its_text() -> None:
    log = TranscriptLog()
    log.add(0, "write", offered=4, data=b"\x00\xffAB")
    log.add(0, "read", data=b"ok")
    log.add(1, "write", status="refused", offered=3)
    transcript = Transcript(header=TranscriptHeader(spec="x", transport="sim"), transfers=log.snapshot())
    assert parse_transcript(transcript_text(transcript), "x.json") == transcript


def test_the_json_schema_describes_the_file() -> None:
    schema = transcript_json_schema()
    assert schema["$schema"].startswith("https://json-schema.org/")
    assert {"format", "version", "header", "transfers"} <= set(schema["properties"])
    assert "$schema" in schema["properties"]
    assert schema["$defs"]["Transfer"]["properties"]["data"]["type"] == "string"


# --- a changed script fails the replay with a diff ------------------------------------------------


def test_a_script_that_changes_a_byte_fails_with_a_diff_naming_the_offset(tmp_path: Path) -> None:
    _, sent, path = record(PJL_PASSTHROUGH, None, SMALL_JOB, tmp_path)
    changed = PJL_PASSTHROUGH.replace(
        "written = printerStream.Write(printData);",
        "printData[5] = 0x21;\n    written = printerStream.Write(printData);",
    )
    assert changed != PJL_PASSTHROUGH

    report, replayed = print_job(changed, load_replay(path), SMALL_JOB)

    assert report.outcome == "failed"
    offset = len(STATUS_QUERY) + 5
    diff = next(message for message in device_errors(report) if "replay mismatch" in message)
    assert f"replay mismatch on the print interface (0) at OUT byte {offset}:" in diff
    assert f"the script sent 0x21 where the recording has 0x{sent[offset]:02x}" in diff
    assert "recorded transfers[" in diff
    expected_line, actual_line, marker = diff.splitlines()[1:4]
    start = offset - 8
    assert expected_line.startswith(f"  expected @{start}: ")
    assert actual_line.startswith(f"  actual   @{start}: ")
    assert sent[start:offset].hex(" ") in expected_line and sent[start:offset].hex(" ") in actual_line
    assert marker.index("^^") == actual_line.index(": ") + 2 + 3 * 8
    assert replayed == STATUS_QUERY  # nothing of the diverging write reached the device
    # endPrintJob's end-of-job check points back at the first difference
    assert any("already diverged" in message and str(offset) in message for message in device_errors(report))


def test_a_script_that_sends_fewer_bytes_fails_at_the_end_of_the_job(tmp_path: Path) -> None:
    _, sent, path = record(PJL_PASSTHROUGH, None, SMALL_JOB, tmp_path)
    short = PJL_PASSTHROUGH.replace(
        "written = printerStream.Write(printData);",
        "printerStream.Write(printData.slice(0, printData.length - 10));\n    written = printData.length;",
    )

    report, replayed = print_job(short, load_replay(path), SMALL_JOB)

    assert report.outcome == "failed"
    assert replayed == sent[:-10]
    [error] = [error for error in report.errors if error.kind == "device"]
    assert error.entry == "endPrintJob"
    assert f"the job ended after sending {len(sent) - 10} bytes, but the recorded job sent {len(sent)}" in (
        error.message
    )
    assert "(10 bytes never sent)" in error.message
    assert f"expected @{len(sent) - 10}: {sent[-10:].hex(' ')}" in error.message


def test_a_script_that_sends_more_than_recorded_fails_saying_so(tmp_path: Path) -> None:
    _, sent, path = record(PJL_PASSTHROUGH, None, SMALL_JOB, tmp_path)
    longer = PJL_PASSTHROUGH.replace(
        "jobsSent++;", "jobsSent++;\n    printerStream.Write([0x1B, 0x45, 0x0C]);"
    )

    report, _ = print_job(longer, load_replay(path), SMALL_JOB)

    assert report.outcome == "failed"
    message = device_errors(report)[0]
    assert "the script sent more than was recorded" in message
    assert f"the recording ends at OUT byte {len(sent)}" in message
    assert f"extra    @{len(sent)}: 1b 45 0c" in message


# --- flow control, disconnects, status interface ---------------------------------------------------


def write_pattern(transcript: Transcript) -> list[tuple[str, int | None, int]]:
    return [(t.status, t.offered, len(t.data)) for t in transcript.transfers if t.op == "write"]


def test_recorded_busy_periods_and_partial_writes_are_reproduced(tmp_path: Path) -> None:
    source = (SCRIPTS / "busy_retry.js").read_text(encoding="utf-8")
    job = BIG_JOB[:30000]
    recorded, sent, path = record(source, "busy_printer.yaml", job, tmp_path)
    original = load_transcript(path)
    pattern = write_pattern(original)
    assert any(status == "refused" for status, _, _ in pattern)
    assert any(0 < accepted < (offered or 0) for _, offered, accepted in pattern)

    # replay through a second recorder, to see exactly what the replay accepted and refused
    clock = VirtualClock()
    replay = load_replay(path)
    again = RecordingPrinter(replay, clock, io.StringIO(), spec="replay")
    with Session(source, again, clock) as session:
        report = session.print(job)

    assert report.outcome == "completed", report.errors
    assert session.received.getvalue() == sent
    assert write_pattern(again.transcript()) == pattern
    assert report.return_codes == recorded.return_codes
    assert report.responses[0].value == recorded.responses[0].value  # the BusyEpisodes count


def test_a_recorded_disconnect_replays_as_device_gone_at_the_same_byte_count(tmp_path: Path) -> None:
    recorded, sent, path = record(PJL_PASSTHROUGH, "disconnecting_printer.yaml", BIG_JOB, tmp_path)
    assert recorded.outcome == "failed"
    assert recorded.bytes_to_device == len(sent) == 3000

    report, replayed = print_job(PJL_PASSTHROUGH, load_replay(path), BIG_JOB)

    assert report.outcome == "failed"
    assert report.bytes_to_device == 3000
    assert replayed == sent
    assert any("the device is gone" in message and "3000" in message for message in device_errors(report))

    replay = load_replay(path)
    assert replay.write(STATUS_QUERY) == len(STATUS_QUERY)
    assert replay.write(sent[len(STATUS_QUERY) :]) == 3000 - len(STATUS_QUERY)
    with pytest.raises(DeviceGone, match="disconnected after receiving 3000 bytes"):
        replay.write(b"more")
    with pytest.raises(DeviceGone):
        replay.read(16)


def test_bidi_requery_and_request_status_on_the_status_interface_replay(tmp_path: Path) -> None:
    source = (SCRIPTS / "binary_bidi.js").read_text(encoding="utf-8")
    xml = SCRIPTS / "binary_bidi.xml"
    job = JobData.default().open().read()
    consumables = ["\\Printer.Consumables"]

    def session_run(model: PrinterModel, clock: VirtualClock) -> tuple[object, JobReport, bytes]:
        with Session(source, model, clock, bidi_xml=xml, status_interface=True) as session:
            bidi = session.port.bidi_get(consumables)
            report = session.print(job)
        return bidi, report, session.received.getvalue()

    clock = VirtualClock()
    printer = FixturePrinter(load_fixture(DEVICES / "binary_bidi_printer.yaml"), clock)
    path = tmp_path / "bidi.json"
    with RecordingPrinter(printer, clock, path, spec="sim:binary_bidi_printer.yaml") as recorder:
        bidi, recorded, sent = session_run(recorder, clock)
    transcript = load_transcript(path)
    assert transcript.header.status_interface
    assert any(t.interface == 1 and t.op == "read" and t.data for t in transcript.transfers)

    replay = load_replay(path)
    replay_bidi, report, replayed = session_run(replay, VirtualClock())

    assert report.outcome == recorded.outcome == "completed", report.errors
    assert replayed == sent
    assert replay_bidi.results == bidi.results  # type: ignore[attr-defined]
    assert bidi.calls["getSchemas"] == 2  # type: ignore[attr-defined]  # "warming up", then a requery
    status = [(r.path, r.value) for r in report.responses if r.entry == "requestStatus"]
    assert status
    assert status == [(r.path, r.value) for r in recorded.responses if r.entry == "requestStatus"]


def test_each_recorded_job_is_checked_at_its_own_end(tmp_path: Path) -> None:
    clock = VirtualClock()
    path = tmp_path / "two.json"
    with (
        RecordingPrinter(default_printer(clock), clock, path) as recorder,
        Session(PJL_PASSTHROUGH, recorder, clock) as session,
    ):
        assert session.print(SMALL_JOB).outcome == "completed"
        assert session.print(SMALL_JOB[:100]).outcome == "completed"

    with Session(PJL_PASSTHROUGH, load_replay(path), VirtualClock()) as session:
        assert session.print(SMALL_JOB).outcome == "completed"
        assert session.print(SMALL_JOB[:100]).outcome == "completed"

    with Session(PJL_PASSTHROUGH, load_replay(path), VirtualClock()) as session:
        first = session.print(SMALL_JOB[:1000])
    assert first.outcome == "failed"
    assert any("the recorded job sent" in message for message in device_errors(first))


# --- the recorder is transparent ------------------------------------------------------------------


class BareModel:
    def __init__(self) -> None:
        self.received = bytearray()

    def write(self, data: bytes) -> int:
        if len(self.received) >= 4:
            raise DeviceGone("unplugged")
        self.received += data[:3]
        return min(len(data), 3)

    def read(self, size: int) -> bytes:
        raise DeviceError("pipe error")


class StatusModel(BareModel):
    def __init__(self) -> None:
        super().__init__()
        self.status = BareModel()

    def device_id(self) -> str:
        return "MFG:A;MDL:B;"

    def status_interface(self) -> BareModel:
        return self.status


def test_the_recorder_offers_only_the_optional_methods_the_model_has() -> None:
    bare = RecordingPrinter(BareModel(), VirtualClock(), io.StringIO())
    assert model_device_id(bare) == ""
    assert model_port_status(bare) == 0x18
    assert not hasattr(bare, "device_id")
    assert not hasattr(bare, "soft_reset")
    assert model_status_interface(bare) is None
    assert bare.transcript().header.device_id is None

    rich = RecordingPrinter(StatusModel(), VirtualClock(), io.StringIO())
    assert model_device_id(rich) == "MFG:A;MDL:B;"
    assert not hasattr(rich, "port_status")
    status = model_status_interface(rich)
    assert status is not None and model_status_interface(rich) is status
    assert status.write(b"abcd") == 3
    assert rich.transcript().header.status_interface


def test_the_recorder_records_failures_and_re_raises_them() -> None:
    clock = VirtualClock()
    sink = io.StringIO()
    recorder = RecordingPrinter(BareModel(), clock, sink, spec="py")
    assert recorder.write(b"hello") == 3
    clock.advance(0.5)
    assert recorder.write(b"lo") == 2
    with pytest.raises(DeviceGone, match="unplugged"):
        recorder.write(b"x")
    with pytest.raises(DeviceError, match="pipe error"):
        recorder.read(8)
    recorder.close()
    recorder.close()  # once only

    transfers = parse_transcript(sink.getvalue(), "sink").transfers
    assert [(t.op, t.status, t.offered, t.data, t.out_offset, t.t) for t in transfers] == [
        ("write", "ok", 5, b"hel", 0, 0.0),
        ("write", "ok", 2, b"lo", 3, 0.5),
        ("write", "gone", 1, b"", 5, 0.5),
        ("read", "error", None, b"", 5, 0.5),
    ]
    assert transfers[2].message == "unplugged"


# --- the player on its own ------------------------------------------------------------------------


def replay_of(
    *transfers: tuple[int, str, dict[str, object]], status_interface: bool = False
) -> ReplayPrinter:
    log = TranscriptLog()
    for interface, op, fields in transfers:
        log.add(interface, op, **fields)  # type: ignore[arg-type]
    header = TranscriptHeader(spec="test", transport="sim", status_interface=status_interface)
    return ReplayPrinter(Transcript(header=header, transfers=log.snapshot()))


def test_refusals_and_partial_acceptances_follow_the_recording_whatever_the_script_offers() -> None:
    replay = replay_of(
        (0, "write", {"offered": 10, "data": b"abcd"}),
        (0, "write", {"offered": 6, "status": "refused"}),
        (0, "write", {"offered": 6, "data": b"efghij"}),
    )
    assert replay.write(b"abcdefghij") == 4
    assert replay.write(b"efghij") == 0
    assert replay.write(b"ef") == 2  # smaller offers are fine: acceptance never crosses a recorded write
    assert replay.write(b"ghij!") == 4
    replay.end_job()
    with pytest.raises(ReplayMismatch, match="sent more than was recorded"):
        replay.write(b"!")


def test_reads_wait_for_the_out_stream_to_reach_their_offset() -> None:
    replay = replay_of(
        (0, "read", {"data": b"hello"}),
        (0, "write", {"offered": 3, "data": b"ask"}),
        (0, "read", {"status": "timeout"}),
        (0, "read", {"data": b"answer"}),
        (0, "port_status", {"data": b"\x08"}),
    )
    assert replay.port_status() == 0x18
    assert replay.read(2) == b"he"
    assert replay.read(64) == b"llo"
    assert replay.read(64) == b""  # "answer" was recorded after "ask" went out
    assert replay.write(b"ask") == 3
    assert replay.read(64) == b"answer"
    assert replay.port_status() == 0x08


def test_the_status_interface_may_be_polled_less_or_more_than_recorded() -> None:
    replay = replay_of(
        (1, "write", {"offered": 2, "data": b"S?"}),
        (1, "read", {"data": b"OK"}),
        (0, "write", {"offered": 4, "data": b"data"}),
    )
    status = replay.status_interface()
    assert status is not None and replay.status_interface() is status
    assert status.write(b"S?") == 2
    assert status.read(8) == b"OK"
    with pytest.raises(ReplayMismatch, match=r"status interface \(1\): the script sent more"):
        status.write(b"S?")
    assert replay.write(b"data") == 4
    replay.end_job()  # polling more often than when recording does not fail the job

    changed = replay_of(
        (1, "write", {"offered": 2, "data": b"S?"}), (0, "write", {"offered": 1, "data": b"x"})
    )
    with pytest.raises(ReplayMismatch, match=r"status interface \(1\) at OUT byte 1"):
        changed.status_interface().write(b"SX")  # type: ignore[union-attr]
    assert changed.write(b"x") == 1
    with pytest.raises(ReplayMismatch, match="already diverged"):
        changed.end_job()


def test_a_device_without_status_transfers_has_no_status_interface() -> None:
    assert replay_of((0, "write", {"offered": 1, "data": b"x"})).status_interface() is None


def test_the_diff_shows_hex_and_ascii_around_the_first_difference() -> None:
    stream = b"0123456789ABCDEFGHIJ"
    mismatch = content_mismatch(0, stream, b"89ABxDEF", 8, RecordedSpot(3, 1.25))
    lines = str(mismatch).splitlines()
    assert mismatch.offset == 12 and mismatch.interface == 0
    assert lines[0].endswith("(recorded transfers[3], t=1.25 s)")
    assert lines[1] == "  expected @4: " + stream[4:20].hex(" ") + "  |456789ABCDEFGHIJ|"
    assert lines[2] == "  actual   @4: " + b"456789ABxDEF".hex(" ").ljust(47) + "  |456789ABxDEF|"
    assert lines[3] == " " * (len("  actual   @4: ") + 3 * 8) + "^^"


# --- umockdev .ioctl recordings ---------------------------------------------------------------------

UEL = b"\x1b%-12345X"
IOCTL_JOB = (
    UEL + b'@PJL JOB NAME="replay"\r\nHello from a umockdev recording\x0c' + UEL + b"@PJL EOJ\r\n" + UEL
)


def test_an_ioctl_recording_replays_with_its_identity_and_bidi_answers() -> None:
    replay = load_replay(TRANSCRIPTS / "pjl_status_job.ioctl")
    header = replay.transcript.header
    assert header.spec == "umockdev:/dev/bus/usb/001/002"
    assert header.transport == "pyusb"
    assert model_device_id(replay) == "MFG:Acme;MDL:LaserJet 9000;CMD:PJL,PCL;CLS:PRINTER;"
    assert model_port_status(replay) == 0x18
    assert [(t.op, t.interface) for t in replay.transcript.transfers] == [
        ("device_id", 0),
        ("port_status", 0),
        ("write", 0),
        ("read", 0),
        ("write", 0),
    ]

    report, sent = print_job(PJL_PASSTHROUGH, replay, IOCTL_JOB)

    assert report.outcome == "completed", report.errors
    assert sent == STATUS_QUERY + IOCTL_JOB
    assert states(report) == ["Idle"]


def test_an_ioctl_recording_catches_a_different_job() -> None:
    report, _ = print_job(
        PJL_PASSTHROUGH, load_replay(TRANSCRIPTS / "pjl_status_job.ioctl"), IOCTL_JOB[:-1] + b"Y"
    )
    assert report.outcome == "failed"
    assert any(f"at OUT byte {len(STATUS_QUERY) + len(IOCTL_JOB) - 1}" in m for m in device_errors(report))


def test_ioctl_urb_outcomes_become_transfers(tmp_path: Path) -> None:
    path = tmp_path / "urbs.ioctl.xz"
    text = "\n".join(
        [
            "# hand-written",
            "USBDEVFS_REAPURBNDELAY 0 3 1 0 0 4 4 0 41424344",
            " USBDEVFS_REAPURBNDELAY 0 3 130 0 0 64 2 0 6869",
            "  USBDEVFS_REAPURBNDELAY 0 3 130 -2 0 64 0 0 ",  # a read that timed out: nothing
            "USBDEVFS_REAPURBNDELAY 0 3 1 -2 0 4 1 0 45464748",  # timed out after 1 byte
            "USBDEVFS_REAPURBNDELAY 0 3 3 0 0 2 2 0 5351",  # a second OUT endpoint: status interface
            " USBDEVFS_REAPURBNDELAY 0 3 132 0 0 64 2 0 4F4B",
            "USBDEVFS_REAPURBNDELAY 0 2 0 0 0 8 0 0 2102000000000000",  # SOFT_RESET
            "USBDEVFS_REAPURBNDELAY 0 3 1 -19 0 4 0 0 46474849",  # ENODEV: gone
        ]
    )
    path.write_bytes(lzma.compress(text.encode()))
    transfers = load_replay(path).transcript.transfers
    assert [(t.interface, t.op, t.status, t.data, t.out_offset) for t in transfers] == [
        (0, "write", "ok", b"ABCD", 0),
        (0, "read", "ok", b"hi", 4),
        (0, "write", "timeout", b"E", 4),
        (1, "write", "ok", b"SQ", 0),
        (1, "read", "ok", b"OK", 2),
        (0, "soft_reset", "ok", b"", 5),
        (0, "write", "gone", b"", 5),
    ]
    assert transfers[-1].message == "URB status -19 (ENODEV)"


# --- bad files are BadInput with the file, the line and the problem --------------------------------


def bad(path: Path) -> str:
    with pytest.raises(BadInput) as caught:
        load_replay(path)
    return str(caught.value)


def write_transcript(tmp_path: Path, document: dict[str, object], name: str = "t.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def valid_document() -> dict[str, object]:
    log = TranscriptLog()
    log.add(0, "write", offered=2, data=b"hi")
    log.add(0, "read", data=b"ok")
    transcript = Transcript(header=TranscriptHeader(spec="x", transport="sim"), transfers=log.snapshot())
    return json.loads(transcript_text(transcript))


def test_a_missing_transcript_is_bad_input(tmp_path: Path) -> None:
    assert "does not exist" in bad(tmp_path / "nope.json")
    assert "does not exist" in bad(tmp_path / "nope.ioctl")


def test_a_transcript_that_is_not_json_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{\n  "format": "usbmon-js-transcript",\n  oops\n}\n', encoding="utf-8")
    message = bad(path)
    assert str(path) in message and "not valid JSON" in message and "line 3" in message


def test_a_file_that_is_no_transcript_or_another_version_says_so(tmp_path: Path) -> None:
    fixture = tmp_path / "fixture.json"
    fixture.write_text('{"device_id": "MFG:A;"}', encoding="utf-8")
    assert 'not a usbmon-js transcript: it has no "format" field' in bad(fixture)

    document = valid_document() | {"version": 2}
    message = bad(write_transcript(tmp_path, document))
    assert "is transcript version 2" in message and "reads version 1 only" in message


def test_bad_hex_in_a_transcript_names_the_line_and_the_digit(tmp_path: Path) -> None:
    path = tmp_path / "hex.json"
    text = transcript_text(parse_transcript(json.dumps(valid_document()), "x")).replace('"6869"', '"68zz"')
    path.write_text(text, encoding="utf-8")
    line = next(n for n, row in enumerate(text.splitlines(), start=1) if "68zz" in row)
    message = bad(path)
    assert message.startswith(f"{path}:{line}: invalid transcript (1 problem): transfers.0.data:")
    assert "'z' (hex digit 3) is not a hex digit" in message


def test_inconsistent_offsets_and_fields_are_reported(tmp_path: Path) -> None:
    document = valid_document()
    document["transfers"][1]["out_offset"] = 7  # type: ignore[index]
    message = bad(write_transcript(tmp_path, document))
    assert (
        "transfers[1] has out_offset 7, but the writes before it on interface 0 accepted 2 bytes" in message
    )

    document = valid_document()
    del document["transfers"][0]["offered"]  # type: ignore[index]
    assert "a write needs 'offered'" in bad(write_transcript(tmp_path, document))


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("USBDEVFS_REAPURBNDELAY 0 3 x 0 0 4 4 0 41424344", "ENDPOINT is 'x', not a number"),
        ("USBDEVFS_REAPURBNDELAY 0 3 1 0 0 4 4 0 4142434G", "'G' (hex digit 8) is not a hex digit"),
        ("USBDEVFS_REAPURBNDELAY 0 3 1 0", "has 4 of its 8 numbers"),
        ("USBDEVFS_REAPURBNDELAY 0 3 1 0 0 4 4 0 4142", "HEX holds only 2 bytes"),
        ("USBDEVFS_REAPURBNDELAY 0 3 1 0 0 4 9 0 4142", "ACTUAL_LENGTH 9 is outside 0..BUFFER_LENGTH (4)"),
        ("EVIOCGBIT(0) 0 FF", "'EVIOCGBIT(0)' is not a usbdevfs ioctl"),
    ],
)
def test_a_bad_ioctl_line_names_file_and_line(tmp_path: Path, line: str, problem: str) -> None:
    path = tmp_path / "bad.ioctl"
    path.write_text(f"@DEV /dev/bus/usb/001/002\nUSBDEVFS_REAPURBNDELAY 0 3 1 0 0 1 1 0 41\n{line}\n")
    message = bad(path)
    assert message.startswith(f"{path}:3: ")
    assert problem in message


def test_an_ioctl_recording_without_printer_transfers_is_bad_input(tmp_path: Path) -> None:
    path = tmp_path / "empty.ioctl"
    path.write_text("@DEV /dev/bus/usb/001/002\nUSBDEVFS_CONNECTINFO 0 0200000000000000\n")
    assert "holds no bulk or printer-class transfers" in bad(path)


def test_the_diff_window_is_right_when_the_difference_is_deep_inside_one_write() -> None:
    stream = b"0123456789ABCDEFGHIJ"
    lines = str(content_mismatch(0, stream, b"0123456789ABxDEF", 0, RecordedSpot(0, 0.0))).splitlines()
    assert lines[1] == "  expected @4: " + stream[4:20].hex(" ") + "  |456789ABCDEFGHIJ|"
    assert lines[2] == "  actual   @4: " + b"456789ABxDEF".hex(" ").ljust(47) + "  |456789ABxDEF|"


def test_the_published_transcript_schema_is_current() -> None:
    published = Path(__file__).resolve().parent.parent / "docs" / "schemas" / "device-transcript.schema.json"
    assert published.read_text(encoding="utf-8") == transcript_json_schema_text(), (
        "docs/schemas/device-transcript.schema.json is stale; regenerate it with "
        "transcript_json_schema_text() from usbmon_js.devices.replay"
    )
