"""How a vendor tests their own driver script with usbmon-js's pytest fixtures.

Copy this file next to your script and run `pytest`; the fixtures come with usbmon-js (no
imports needed). Everything runs in simulated time against simulated printers, so a printer
that stalls for 12 s costs nothing. `pytest --usbmon-coverage cov/` adds line and branch
coverage of the scripts these tests ran.
"""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).parent
FIXTURES = HERE.parent / "fixtures" / "devices"
STATUS_QUERY = b"\x1b%-12345X@PJL\r\n@PJL INFO STATUS\r\n\x1b%-12345X"


def test_the_job_reaches_the_printer_unchanged(usbmon_job):
    job = b"\x1b%-12345X@PJL ENTER LANGUAGE=PCL\r\n\x1bE hello \x0c"
    result = usbmon_job(HERE / "pjl_passthrough.js", job=job)
    result.assert_completed().assert_no_errors()
    result.assert_sent(STATUS_QUERY + job)  # the status query first, then the job as it was


def test_a_printer_that_stalls_makes_the_script_report_busy(usbmon_job, usbmon_printer):
    # 1 KiB per transfer, then nothing at all for 12 s: longer than Write's 10 s timeout
    stalling = usbmon_printer({"max_write": 1024, "busy": [{"after_bytes": 4096, "seconds": 12}]})
    result = usbmon_job(HERE / "busy_retry.js", job=bytes(30000), printer=stalling)
    result.assert_completed()
    assert result.report.return_codes["writePrintData"].get("3") == 1  # DeviceBusy, once
    assert result.response("\\Printer.Extension:BusyEpisodes") == 1
    assert len(result.device_bytes) == 30000


def test_toner_levels_come_from_the_printer(usbmon_host, usbmon_printer):
    printer = usbmon_printer(FIXTURES / "binary_bidi_printer.yaml")
    host = usbmon_host(HERE / "binary_bidi.js", bidi_xml=HERE / "binary_bidi.xml", printer=printer)
    answer = host.bidi_get("\\Printer.Consumables")
    answer.assert_ok()
    answer.assert_value("\\Printer.Consumables.BlackToner:Level", 85)
    answer.assert_value("\\Printer.Consumables.YellowToner:Level", -1)  # FF: level unknown


def test_a_garbled_reply_is_reported_as_offline(usbmon_host, usbmon_printer):
    printer = usbmon_printer(FIXTURES / "binary_bidi_garbage.yaml")
    host = usbmon_host(HERE / "binary_bidi.js", bidi_xml=HERE / "binary_bidi.xml", printer=printer)
    host.bidi_get("\\Printer.Configuration.Memory:Size").assert_error(
        "\\Printer.Configuration.Memory:Size", 13004
    )
