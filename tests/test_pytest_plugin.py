"""The pytest plugin vendors get on install: fixtures, assertion messages, `--usbmon-coverage`."""

from __future__ import annotations

from importlib.metadata import entry_points
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = ROOT / "scripts"
THROWS = ROOT / "tests" / "scripts" / "throws.js"


def test_the_plugin_is_registered_as_a_pytest11_entry_point() -> None:
    registered = {e.name: e.value for e in entry_points(group="pytest11")}
    assert registered.get("usbmon_js") == "usbmon_js.pytest_plugin"


def test_vendor_tests_use_the_fixtures_and_coverage_without_imports(
    pytester: pytest.Pytester, tmp_path: Path
) -> None:
    pytester.makepyfile(
        test_driver=f"""
        SCRIPT = {str(SCRIPTS / "pjl_passthrough.js")!r}

        def test_bytes(usbmon_job):
            result = usbmon_job(SCRIPT, job=b"%!PS\\n")
            result.assert_completed().assert_calls("writePrintData", 1)
            assert result.device_bytes.endswith(b"%!PS\\n")

        def test_two_jobs_on_one_host(usbmon_host):
            host = usbmon_host(SCRIPT)
            first, second = host.print(b"one"), host.print(b"two")
            assert first.device_bytes.endswith(b"one") and second.device_bytes.endswith(b"two")
            assert second.response("\\\\Printer.Extension:JobsSent") == 2  # globals lived on

        def test_another_script(usbmon_job):
            usbmon_job({str(SCRIPTS / "busy_retry.js")!r}, job=b"data").assert_completed()
        """
    )
    out = tmp_path / "cov"
    pytester.runpytest("-p", "no:cacheprovider", "--usbmon-coverage", str(out)).assert_outcomes(passed=3)
    assert sorted(p.name for p in out.iterdir()) == ["busy_retry", "pjl_passthrough"]
    lcov = (out / "pjl_passthrough" / "lcov.info").read_text()
    assert "FNDA:3,writePrintData" in lcov and "FNDA:3,startPrintJob" in lcov  # three jobs


def test_failures_say_what_went_wrong_in_usbmon_terms(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_driver=f"""
        def test_failing_job(usbmon_job):
            usbmon_job({str(THROWS)!r}, job=b"x").assert_completed()

        def test_wrong_bidi_value(usbmon_host, usbmon_printer):
            printer = usbmon_printer({str(ROOT / "fixtures" / "devices" / "binary_bidi_printer.yaml")!r})
            host = usbmon_host({str(SCRIPTS / "binary_bidi.js")!r},
                               bidi_xml={str(SCRIPTS / "binary_bidi.xml")!r}, printer=printer)
            host.bidi_get("Printer.Configuration.Memory:Size").assert_value(
                "Printer.Configuration.Memory:Size", 1024)

        def test_wrong_bytes(usbmon_job, usbmon_printer):
            quiet = usbmon_printer({{"replies": []}})
            usbmon_job({str(SCRIPTS / "busy_retry.js")!r}, job=b"abcd", printer=quiet).assert_sent(b"abXd")
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(failed=3)
    result.stdout.fnmatch_lines(
        [
            "*AssertionError: job failed, expected completed",
            "*error [[]exception[]] in writePrintData at throws.js:29:19: TypeError: checkHeader*",
            "*\\Printer.Configuration.Memory:Size = 524288 (BIDI_INT), expected 1024",
            "*received 4 bytes, expected 4; first difference at byte 2: got 63 64, expected 58 64",
        ]
    )
