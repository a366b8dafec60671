"""`usbmon-js run` end to end: samples and vendor-style scripts, bytes at the device, exit statuses."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from usbmon_js.cli.main import main

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = ROOT / "scripts"
VENDOR = ROOT / "tests" / "scripts"
DEVICES = ROOT / "fixtures" / "devices"
JOBS = ROOT / "fixtures" / "jobs"
DEFAULT_JOB = (ROOT / "usbmon_js" / "data" / "default_job.prn").read_bytes()
PJL_STATUS_QUERY = b"\x1b%-12345X@PJL\r\n@PJL INFO STATUS\r\n\x1b%-12345X"
REPORT_KEYS = {
    "outcome",
    "script",
    "device",
    "bytes_submitted",
    "bytes_consumed",
    "bytes_to_device",
    "pages_printed",
    "calls",
    "return_codes",
    "responses",
    "events",
    "errors",
    "duration_s",
}


def run(args: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict, bytes]:
    out = tmp_path / "device.bin"
    code = main(["run", *args, "--json", "--device-out", str(out)])
    captured = capsys.readouterr()
    report = json.loads(captured.out) if captured.out.strip() else {}
    return code, report, out.read_bytes() if out.exists() else b""


def pages(job: bytes) -> tuple[list[bytes], bytes]:
    """Pages end with a form feed (inclusive); what follows the last one is the trailer."""
    parts = job.split(b"\x0c")
    return [p + b"\x0c" for p in parts[:-1]], parts[-1]


def test_pjl_passthrough_sends_the_status_query_then_exactly_the_job(tmp_path, capsys) -> None:
    code, report, device = run([str(SCRIPTS / "pjl_passthrough.js")], tmp_path, capsys)
    assert code == 0
    assert report.keys() >= REPORT_KEYS
    assert report["outcome"] == "completed"
    assert device == PJL_STATUS_QUERY + DEFAULT_JOB
    assert report["bytes_to_device"] == len(device)
    assert report["bytes_submitted"] == report["bytes_consumed"] == len(DEFAULT_JOB)
    assert {"path": "\\Printer.Status.Summary:State", "value": "Idle"}.items() <= report["responses"][
        0
    ].items()
    assert report["device"] == {"spec": "sim", "transport": "sim", "device_id": report["device"]["device_id"]}
    assert report["device"]["device_id"].startswith("MFG:usbmon-js;")


def test_host_based_manual_duplex_sends_odd_pages_then_even_pages_after_the_flip(tmp_path, capsys) -> None:
    code, report, device = run([str(SCRIPTS / "host_based_duplex.js")], tmp_path, capsys)
    page_list, trailer = pages(DEFAULT_JOB)
    assert len(page_list) == 6
    expected = (
        b"\x0d\x0d\x02\xca\xfe"
        + b"".join(page_list[0::2])
        + b"\x58\x85"
        + b"".join(page_list[1::2])
        + trailer
    )
    assert code == 0
    assert device == expected
    assert report["pages_printed"] == 6
    assert [e["path"] for e in report["events"]] == ["\\Printer.Extension:ManualDuplexEvent"]
    assert report["return_codes"]["endPrintJob"].get("2", 0) >= 3  # event, polling, page per call
    assert report["bytes_to_device"] == len(expected)


def test_busy_retry_rides_out_a_stalling_printer(tmp_path, capsys) -> None:
    args = [
        str(SCRIPTS / "busy_retry.js"),
        "--device",
        f"sim:{DEVICES / 'busy_printer.yaml'}",
        "--job",
        str(JOBS / "pages_10.prn"),
    ]
    code, report, device = run(args, tmp_path, capsys)
    job = (JOBS / "pages_10.prn").read_bytes()
    assert code == 0
    assert device == job
    assert report["bytes_to_device"] == len(job)
    codes = report["return_codes"]["writePrintData"]
    assert int(codes.get("3", 0)) + int(codes.get("2", 0)) >= 2  # the two stalls were seen by the script
    assert report["duration_s"] >= 24  # two 12 s stalls, in simulated time
    busy = [r for r in report["responses"] if r["path"] == "\\Printer.Extension:BusyEpisodes"]
    assert busy and busy[0]["value"] >= 1


@pytest.mark.parametrize(
    "script",
    [
        "undeclared_globals.js",
        "docs_order.js",
        "partial_consume.js",
        "retry_nothing.js",
        "utf16_crlf.js",
        "temp_streams_fifo.js",
    ],
)
def test_vendor_styles_deliver_exactly_the_job(script: str, tmp_path, capsys) -> None:
    code, report, device = run([str(VENDOR / script)], tmp_path, capsys)
    assert (code, report["outcome"]) == (0, "completed")
    assert device == DEFAULT_JOB
    assert report["bytes_to_device"] == len(DEFAULT_JOB)
    assert report["errors"] == []


def test_docs_order_is_detected_and_reported(tmp_path, capsys) -> None:
    _, report, _ = run([str(VENDOR / "docs_order.js")], tmp_path, capsys)
    assert report["script"]["write_signature"] == "docs"
    code, forced, device = run(
        [str(VENDOR / "docs_order.js"), "--write-signature", "sample"], tmp_path, capsys
    )
    assert (code, forced["outcome"], device) == (3, "failed", b"")


def test_utf16_script_is_reported_with_its_encoding(tmp_path, capsys) -> None:
    raw = (VENDOR / "utf16_crlf.js").read_bytes()
    assert raw[:2] == b"\xff\xfe" and b"\r\x00\n\x00" in raw
    _, report, _ = run([str(VENDOR / "utf16_crlf.js")], tmp_path, capsys)
    assert report["script"]["encoding"] == "utf-16-le"


def test_abort_the_job(tmp_path, capsys) -> None:
    code, report, device = run([str(VENDOR / "abort_after.js")], tmp_path, capsys)
    assert (code, report["outcome"]) == (4, "aborted")
    assert device == DEFAULT_JOB[:3000]
    assert report["bytes_to_device"] == 3000
    assert report["calls"]["endPrintJob"] == 1


def test_throwing_script_names_file_line_and_column(tmp_path, capsys) -> None:
    code, report, device = run([str(VENDOR / "throws.js")], tmp_path, capsys)
    header = (VENDOR / "throws.js").read_text()
    assert (code, report["outcome"], device) == (3, "failed", b"")
    error = report["errors"][0]
    assert error["kind"] == "exception" and error["entry"] == "writePrintData"
    assert error["location"] and error["location"] in header  # the header states the exact position
    assert error["message"].startswith("TypeError:")
    assert "writePrintData (throws.js:" in error["stack"]


@pytest.mark.parametrize(
    ("script", "kind", "extra"),
    [
        ("infinite_loop.js", "timeout", ["--call-timeout", "0.5"]),
        ("host_call_loop.js", "timeout", ["--call-timeout", "2"]),
        ("memory_bomb.js", "memory", ["--memory-limit", "16"]),
        ("bad_return.js", "invalid_return", []),
    ],
)
def test_runaway_and_broken_scripts_fail_the_job_not_the_host(script, kind, extra, tmp_path, capsys) -> None:
    code, report, device = run([str(VENDOR / script), *extra], tmp_path, capsys)
    assert (code, report["outcome"], device) == (3, "failed", b"")
    assert report["errors"][0]["kind"] == kind
    assert report["errors"][0]["entry"] == "writePrintData"
    assert report["calls"]["endPrintJob"] == 1  # the engine survived and EndDocPort ran


def test_cancel_during_end_print_job_retries(tmp_path, capsys) -> None:
    args = [str(VENDOR / "end_retry_forever.js"), "--cancel-after", "5"]
    code, report, device = run(args, tmp_path, capsys)
    assert (code, report["outcome"]) == (5, "cancelled")
    assert device == DEFAULT_JOB  # the job itself went through; nothing after the cancel
    assert 5.0 <= report["duration_s"] <= 5.1


def test_trace_records_calls_and_host_calls(tmp_path, capsys) -> None:
    trace = tmp_path / "trace.jsonl"
    run(
        [str(SCRIPTS / "pjl_passthrough.js"), "--trace", str(trace), "--job", str(JOBS / "small_job.prn")],
        tmp_path,
        capsys,
    )
    records = [json.loads(line) for line in trace.read_text().splitlines()]
    writes = [r for r in records if r["event"] == "host" and r["member"] == "Write"]
    assert writes and writes[-1]["args"][0]["bytes"] > 0 and "head" in writes[-1]["args"][0]
    assert [r["entry"] for r in records if r["event"] == "call"][:2] == ["startPrintJob", "writePrintData"]


def test_manifest_names_the_script_and_bidi_xml_warns_on_undeclared_paths(tmp_path, capsys) -> None:
    code, report, _ = run(["--manifest", str(SCRIPTS / "pjl_passthrough-manifest.ini")], tmp_path, capsys)
    assert code == 0
    assert report["script"]["path"].endswith("pjl_passthrough.js")
    xml = tmp_path / "tiny.xml"
    xml.write_text(
        '<bidi:Schema xmlns:bidi="http://schemas.microsoft.com/windows/2010/09/printing/usbbidi">'
        '<Property name="Printer"><Property name="Status"><Property name="Summary">'
        '<Value name="State" type="BIDI_STRING" accessType="Get"/></Property></Property></Property>'
        "</bidi:Schema>"
    )
    _, report, _ = run([str(SCRIPTS / "pjl_passthrough.js"), "--bidi-xml", str(xml)], tmp_path, capsys)
    assert any("JobsSent" in w for w in report["warnings"])
    assert not any("Summary:State" in w for w in report["warnings"])


def test_property_bag_files_are_loaded_and_validated(tmp_path, capsys) -> None:
    props = tmp_path / "queue.yaml"
    props.write_text("Name: Office\nCopies: 3\nDuplex: true\nBlob: {type: Bytes, value: '0a0b'}\n")
    script = str(SCRIPTS / "pjl_passthrough.js")
    code, _, _ = run([script, "--queue-props", str(props), "--driver-props", str(props)], tmp_path, capsys)
    assert code == 0
    bad = tmp_path / "bad.yaml"
    bad.write_text("Blob: {type: Bytes, value: 'zz'}\n")
    assert main(["run", script, "--queue-props", str(bad)]) == 2
    assert "property 'Blob'" in capsys.readouterr().err
    wrong = tmp_path / "wrong.json"
    wrong.write_text('{"Copies": {"type": "Int32", "value": "three"}}')
    assert main(["run", script, "--driver-props", str(wrong)]) == 2
    assert "Copies" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.js"], "does not exist"),
        ([str(VENDOR / "syntax_error.js")], "syntax_error.js:"),
        ([str(SCRIPTS / "pjl_passthrough.js"), "--job", "nope.prn"], "nope.prn"),
        (
            [str(SCRIPTS / "pjl_passthrough.js"), "--device", f"sim:{DEVICES / 'invalid_busy.yaml'}"],
            "busy.0.writes",
        ),
        ([str(SCRIPTS / "pjl_passthrough.js"), "--device", "sim:nope.yaml"], "nope.yaml"),
        (
            [
                str(SCRIPTS / "pjl_passthrough.js"),
                "--device",
                f"sim:{DEVICES / 'slow_models.py'}:BrokenPrinter",
            ],
            "printer firmware not loaded",
        ),
        ([str(SCRIPTS / "pjl_passthrough.js"), "--device", "bogus"], "unknown device spec"),
        ([str(SCRIPTS / "pjl_passthrough.js"), "--buffer-size", "0"], "buffer_size"),
        ([str(SCRIPTS / "pjl_passthrough.js"), "--manifest", "nope.ini"], "nope.ini"),
        ([str(SCRIPTS / "pjl_passthrough.js"), "--bidi-xml", str(JOBS / "small_job.prn")], "invalid Bidi"),
        ([str(SCRIPTS / "pjl_passthrough.js"), "--device-out", "/nonexistent/dir/out.bin"], "cannot write"),
    ],
)
def test_bad_input_exits_2_with_a_message(args: list[str], message: str, capsys) -> None:
    assert main(["run", *args]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err


def test_syntax_error_through_the_real_process_has_no_traceback() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "usbmon_js", "run", str(VENDOR / "syntax_error.js")],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    header = (VENDOR / "syntax_error.js").read_text()
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    location = proc.stderr.split("syntax_error.js:")[1].split(":")[:2]
    assert (
        f"line {location[0]}, column {location[1]}" in header.lower().replace("  ", " ")
        or f"{location[0]}:{location[1]}" in header
    )


def test_human_output_summarises_the_job(capsys) -> None:
    assert main(["run", str(SCRIPTS / "host_based_duplex.js")]) == 0
    out = capsys.readouterr().out
    assert "Job COMPLETED" in out
    assert "bytes that reached the device" in out
    assert "ManualDuplexEvent" in out
    assert "endPrintJob" in out


def test_a_reader_that_stops_early_ends_the_run_quietly() -> None:
    proc = subprocess.run(
        # head exits at once, so the report is written into a closed pipe
        [
            "bash",
            "-c",
            f'set -o pipefail; "{sys.executable}" -m usbmon_js run scripts/pjl_passthrough.js --json'
            " | head -c 0",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert proc.stdout == ""
    assert proc.returncode == 141
    assert "internal error" not in proc.stderr and "Traceback" not in proc.stderr
