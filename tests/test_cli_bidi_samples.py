"""The three Bidi sample drivers in scripts/ against their simulated printers, through the CLI.

Each covers one protocol family vendors use over the print channel: a binary framed protocol
(binary_bidi), PJL `@PJL INFO`/`INQUIRE`/`DEFAULT` (pjl_info_bidi), and HTTP-style requests and
replies (http_bidi).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from usbmon_js.cli.main import main

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = ROOT / "scripts"
DEVICES = ROOT / "fixtures" / "devices"


def bidi(sample: str, *args: str, device: str | None = None, capsys) -> tuple[int, dict]:
    fixture = device or f"{sample}_printer.yaml"
    code = main(
        [
            "bidi",
            args[0],
            "--manifest",
            str(SCRIPTS / f"{sample}-manifest.ini"),
            "--device",
            f"sim:{DEVICES / fixture}",
            *args[1:],
            "--json",
        ]
    )
    return code, json.loads(capsys.readouterr().out)


def answers(report: dict) -> dict[str, tuple[object, object, object]]:
    return {r["path"]: (r["type"], r["value"], r["error"]) for r in report["results"]}


# -- binary protocol -----------------------------------------------------------------------------
def test_binary_consumables_need_a_requery_round(capsys):
    code, report = bidi("binary_bidi", "get", "\\Printer.Consumables", capsys=capsys)
    assert code == 0
    assert answers(report) == {
        "\\Printer.Consumables.BlackToner:Level": ("BIDI_INT", 85, None),
        "\\Printer.Consumables.CyanToner:Level": ("BIDI_INT", 40, None),
        "\\Printer.Consumables.MagentaToner:Level": ("BIDI_INT", 5, None),
        "\\Printer.Consumables.YellowToner:Level": ("BIDI_INT", -1, None),
    }
    assert report["return_codes"] == {"getSchemas": {"0": 1, "1": 1}}


def test_binary_whole_tree_get_answers_every_type(capsys):
    code, report = bidi("binary_bidi", "get", "\\Printer", capsys=capsys)
    values = answers(report)
    assert code == 0
    assert values["\\Printer.Configuration.DuplexUnit:Installed"] == ("BIDI_BOOL", True, None)
    assert values["\\Printer.Configuration.Memory:Size"] == ("BIDI_INT", 524288, None)
    assert values["\\Printer.Extension.Engine:FuserTemperature"] == ("BIDI_FLOAT", 182.5, None)
    assert values["\\Printer.Extension.Engine:CounterBlock"] == ("BIDI_BLOB", "00003039000001f40007", None)
    assert values["\\Printer.DeviceInfo:ModelName"] == ("BIDI_STRING", "Binary Bidi Color Laser", None)
    assert report["results"][-1]["source"] == "builtin"


def test_binary_garbage_from_the_printer_is_a_script_exception_13004(capsys):
    code, report = bidi(
        "binary_bidi", "get", "\\Printer.Configuration", device="binary_bidi_garbage.yaml", capsys=capsys
    )
    assert code == 3
    assert {r["error"] for r in report["results"]} == {13004}
    [error] = report["errors"]
    assert error["entry"] == "getSchemas" and error["kind"] == "exception"
    assert error["location"].startswith("binary_bidi.js:")


# -- PJL -----------------------------------------------------------------------------------------
def test_pjl_const_comes_from_the_xml_without_a_device_exchange(capsys):
    code, report = bidi("pjl_info_bidi", "get", "\\Printer.DeviceInfo:Category", capsys=capsys)
    assert code == 0
    assert answers(report) == {"\\Printer.DeviceInfo:Category": ("BIDI_STRING", "Printer", None)}
    assert report["calls"] == {} and report["bytes_to_device"] == 0


def test_pjl_info_values(capsys):
    code, report = bidi(
        "pjl_info_bidi", "get", "\\Printer.Configuration", "\\Printer.Extension:PageCount", capsys=capsys
    )
    assert code == 0
    assert answers(report)["\\Printer.Configuration.Memory:Size"] == ("BIDI_INT", 131072, None)
    assert answers(report)["\\Printer.Extension:PageCount"] == ("BIDI_INT", 4711, None)


def test_pjl_set_is_retried_once_the_printer_was_not_ready(capsys):
    code, report = bidi("pjl_info_bidi", "set", "\\Printer.Extension:EconoMode", "ON", capsys=capsys)
    assert code == 0
    assert answers(report) == {"\\Printer.Extension:EconoMode": ("BIDI_ENUM", "ON", None)}
    assert report["return_codes"] == {"setSchema": {"0": 1, "1": 1}}
    assert report["bytes_to_device"] > 0


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (("\\Printer.Extension:PageCount", "5"), 13002),  # read-only
        (("\\Printer.Extension:EconoMode", "ON", "--type", "BIDI_STRING"), 13006),  # type mismatch
        (("\\Printer.Extension:Undeclared", "1"), 13005),
    ],
)
def test_pjl_set_refusals(capsys, args, code):
    exit_code, report = bidi("pjl_info_bidi", "set", *args, capsys=capsys)
    assert exit_code == 3
    assert report["results"][0]["error"] == code
    assert report["calls"] == {}


def test_pjl_get_of_an_undeclared_path(capsys):
    code, report = bidi("pjl_info_bidi", "get", "\\Printer.Extension:NoSuchValue", capsys=capsys)
    assert code == 3 and report["results"][0]["error"] == 13005


def test_pjl_status_arrives_while_write_print_data_runs_and_stops_on_2(tmp_path, capsys):
    trace = tmp_path / "trace.jsonl"
    code = main(
        [
            "run",
            "--manifest",
            str(SCRIPTS / "pjl_info_bidi-manifest.ini"),
            "--device",
            f"sim:{DEVICES / 'pjl_info_bidi_printer.yaml'}",
            "--job",
            str(ROOT / "fixtures" / "jobs" / "pages_10.prn"),
            "--buffer-size",
            "8192",
            "--trace",
            str(trace),
            "--json",
        ]
    )
    report = json.loads(capsys.readouterr().out)
    assert code == 0 and report["bytes_to_device"] >= report["bytes_submitted"]
    assert report["return_codes"]["getStatus"]["2"] == 1
    states = [r["value"] for r in report["responses"] if r["path"] == "\\Printer.Status.Summary:State"]
    assert states[:3] == ["Processing", "Stopped", "Processing"]
    [door] = report["port_status"]  # <PortStatus> maps the DoorOpen reason to the spooler's port status
    assert (door["keyword"], door["status"], door["severity"]) == (
        "DoorOpen",
        "PORT_STATUS_DOOR_OPEN",
        "error",
    )
    calls = [json.loads(line) for line in trace.read_text().splitlines()]
    calls = [(c["entry"], c["t"]) for c in calls if c["event"] == "call"]
    writes = [t for entry, t in calls if entry == "writePrintData"]
    status = [t for entry, t in calls if entry == "getStatus"]
    assert sum(writes[0] < t < writes[-1] for t in status) >= 3  # interleaved with the job's writes
    assert status[-1] < writes[-1]  # returned 2 before the job ended: no more polls


# -- HTTP-style ----------------------------------------------------------------------------------
def test_http_values(capsys):
    code, report = bidi(
        "http_bidi", "get", "\\Printer.Extension", "\\Printer.DeviceInfo:FirmwareVersion", capsys=capsys
    )
    values = answers(report)
    assert code == 0
    assert values["\\Printer.DeviceInfo:FirmwareVersion"][0] == "BIDI_STRING"
    assert values["\\Printer.Extension.Counters:PageCount"][0] == "BIDI_INT"
    assert values["\\Printer.Extension.Info:Description"][0] == "BIDI_TEXT"
    assert values["\\Printer.Extension.Settings:SleepMinutes"][0] == "BIDI_INT"


def test_http_set_retries_after_503(capsys):
    code, report = bidi("http_bidi", "set", "\\Printer.Extension.Settings:SleepMinutes", "15", capsys=capsys)
    assert code == 0
    assert report["return_codes"] == {"setSchema": {"0": 1, "1": 1}}


def test_http_set_with_a_value_of_the_wrong_type(capsys):
    code, report = bidi(
        "http_bidi", "set", "\\Printer.Extension.Settings:SleepMinutes", "soon", capsys=capsys
    )
    assert code == 3 and report["results"][0]["error"] == 13006


def test_http_watch_shows_changes_and_the_alert_event_of_the_second_poll(capsys):
    code = main(
        [
            "bidi",
            "watch",
            "--manifest",
            str(SCRIPTS / "http_bidi-manifest.ini"),
            "--device",
            f"sim:{DEVICES / 'http_bidi_printer.yaml'}",
            "\\Printer.Status.Summary:StateReason",
            "\\Printer.Extension:AlertEvent",
            "--simulated-time",
            "--interval",
            "30",
            "--count",
            "1",
            "--json",
        ]
    )
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert code == 0
    reasons = [(line["t"], line["value"]) for line in lines if line.get("path", "").endswith(":StateReason")]
    assert [value for _, value in reasons] == ["None", "MarkerSupplyLow"]
    assert reasons[1][0] == 30.0
    [event] = [line["event"] for line in lines if "event" in line]
    assert event["path"] == "\\Printer.Extension:AlertEvent" and event["declared"] is True
