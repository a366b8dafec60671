"""`usbmon-js bidi get|set|watch` and the Bidi parts of `run`, end to end through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from usbmon_js.cli.main import main

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = ROOT / "scripts"
DEVICES = ROOT / "fixtures" / "devices"


def cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, dict, str]:
    code = main([*args, "--json"])
    captured = capsys.readouterr()
    return code, (json.loads(captured.out) if captured.out.strip() else {}), captured.err


def answers(report: dict) -> dict[str, tuple[object, object, object]]:
    return {r["path"]: (r["type"], r["value"], r["error"]) for r in report["results"]}


def test_get_json_follows_the_contract(capsys):
    code, report, _ = cli(
        [
            "bidi",
            "get",
            str(SCRIPTS / "pjl_passthrough.js"),
            "--bidi-xml",
            str(SCRIPTS / "pjl_passthrough.xml"),
            "\\Printer.Status.Summary:State",
        ],
        capsys,
    )
    assert code == 0
    assert {"results", "calls", "errors"} <= report.keys()
    assert set(report["results"][0]) >= {"path", "type", "value", "error"}
    assert answers(report) == {"\\Printer.Status.Summary:State": ("BIDI_STRING", "Idle", None)}
    assert report["calls"] == {"getSchemas": 1}
    assert report["bytes_to_device"] > 0 and report["bytes_from_device"] > 0


def test_manifest_names_script_and_xml_and_paths_may_follow_options(capsys):
    code, report, _ = cli(
        [
            "bidi",
            "get",
            "--manifest",
            str(SCRIPTS / "pjl_passthrough-manifest.ini"),
            "Printer.Extension:JobsSent",
        ],
        capsys,
    )
    assert code == 0
    assert answers(report) == {"\\Printer.Extension:JobsSent": ("BIDI_INT", 0, None)}


def test_an_unanswered_path_exits_3_and_names_the_bidi_error(capsys):
    code, report, _ = cli(
        ["bidi", "get", "--manifest", str(SCRIPTS / "pjl_passthrough-manifest.ini"), "\\Printer.Nowhere:X"],
        capsys,
    )
    assert code == 3
    assert report["results"][0]["error"] == 13005


def test_set_of_a_read_only_value_exits_3_with_13002(capsys):
    code, report, _ = cli(
        [
            "bidi",
            "set",
            "--manifest",
            str(SCRIPTS / "pjl_passthrough-manifest.ini"),
            "\\Printer.Extension:JobsSent",
            "3",
        ],
        capsys,
    )
    assert code == 3
    assert report["results"][0]["error"] == 13002
    assert report["calls"] == {}


def test_human_output_is_a_table(capsys):
    code = main(
        ["bidi", "get", "--manifest", str(SCRIPTS / "pjl_passthrough-manifest.ini"), "\\Printer.Status"]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "\\Printer.Status.Summary:State" in out and "BIDI_STRING" in out and "Idle" in out


@pytest.mark.parametrize(
    ("option", "content", "expected"),
    [
        ("--bidi-xml", "<bidi:Schema xmlns:bidi='urn:wrong'/>", "bad.xml:1:"),
        ("--bidi-xml", "<?xml version='1.0'?>\n<unclosed>", "bad.xml:2:"),
        (
            "--bidi-xml",
            "<bidi:Schema xmlns:bidi='http://schemas.microsoft.com/windows/2010/09/printing/usbbidi'>\n"
            "<Property name='Printer'>\n<Value name='X' type='BIDI_WHAT' accessType='Get'/>\n</Property>\n"
            "</bidi:Schema>",
            "bad.xml:3:",
        ),
        (
            "--event-file",
            "<de:DriverEvents xmlns:de='http://schemas.microsoft.com/windows/2011/08/printing/driverevents' "
            "schemaVersion='4.0'>\n<DriverEvent eventId='not-a-guid'/>\n</de:DriverEvents>",
            "bad.xml:2:",
        ),
        ("--manifest", "[BidiFiles]\nBidiUSBFile=missing.xml\n", "bad.xml:2: BidiUSBFile names"),
    ],
)
@pytest.mark.parametrize("command", [["bidi", "get"], ["run"]])
def test_invalid_driver_files_exit_2_naming_file_line_and_problem(
    tmp_path, capsys, command, option, content, expected
):
    bad = tmp_path / "bad.xml"
    bad.write_text(content)
    args = [*command, str(SCRIPTS / "pjl_passthrough.js"), option, str(bad)]
    if command[0] == "bidi":
        args.append("\\Printer")
    code, report, err = cli(args, capsys)
    assert code == 2 and report == {}
    assert expected in err and "Traceback" not in err


def test_run_reports_driver_events_from_the_manifest_event_file(capsys):
    code, report, _ = cli(["run", "--manifest", str(SCRIPTS / "host_based_duplex-manifest.ini")], capsys)
    assert code == 0
    [event] = report["events"]
    assert event["path"] == "\\Printer.Extension:ManualDuplexEvent"
    assert event["shows_message"] is True and event["message_id"] == 1100
    assert event["entry"] == "endPrintJob"


def test_watch_in_simulated_time_prints_changes_as_json_lines(capsys):
    code = main(
        [
            "bidi",
            "watch",
            "--manifest",
            str(SCRIPTS / "pjl_passthrough-manifest.ini"),
            "\\Printer.Status.Summary:State",
            "--simulated-time",
            "--interval",
            "10",
            "--duration",
            "60",
            "--json",
        ]
    )
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert code == 0
    assert lines[0]["path"] == "\\Printer.Status.Summary:State" and lines[0]["value"] == "Idle"
    assert len(lines) == 1  # the state never changes, so only the first answer is printed


def test_watch_in_simulated_time_needs_a_bound(capsys):
    code = main(
        [
            "bidi",
            "watch",
            "--manifest",
            str(SCRIPTS / "pjl_passthrough-manifest.ini"),
            "\\Printer",
            "--simulated-time",
        ]
    )
    assert code == 2
    assert "--duration or --count" in capsys.readouterr().err


@pytest.mark.parametrize(
    "option", [["--interval", "0"], ["--interval", "-1"], ["--duration", "-5"], ["--count", "0"]]
)
def test_watch_rejects_bounds_that_would_never_end_or_make_no_sense(capsys, option):
    manifest = str(SCRIPTS / "pjl_passthrough-manifest.ini")
    code = main(
        ["bidi", "watch", "--manifest", manifest, "\\Printer", "--simulated-time", "--count", "2", *option]
    )
    assert code == 2
    assert option[0] in capsys.readouterr().err
