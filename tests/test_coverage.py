"""`--coverage DIR`: line, branch and function coverage, checked by hand on a small script."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from usbmon_js.cli.main import main

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = ROOT / "scripts"

# A 10-byte job in 8-byte buffers: writePrintData is called with 8 bytes, then with 2.
SAMPLE = """\
var calls = 0;
function classify(n) {
  if (n > 100) {
    return "big";
  }
  return n > 0 && n < 5 ? "small" : "other";
}
function unused() {
  return 1;
}
function startPrintJob(ctx, stream, responses) {
  return 0;
}
function writePrintData(ctx, data, stream, progress) {
  calls++;
  var kind = classify(data.length);
  progress.ProcessedByteCount = stream.Write(data);
  switch (kind) {
    case "small": return 0;
    case "big": return 1;
    default: return 0;
  }
}
"""

# Worked out by hand from the script above and the two calls classify(8) and classify(2):
# - the top level runs once (line 1); startPrintJob once; writePrintData and classify twice;
# - line 3's if is false both times, so line 4 never runs; unused() is never called;
# - line 6: n > 0 is true both times, so && evaluates its right side twice and never
#   short-circuits; the ?: test is false for 8 ("other") and true for 2 ("small");
# - line 18's switch enters case "small" once (2 bytes) and default once (8 bytes).
EXPECTED_LCOV = """\
TN:
SF:{path}
FN:2,classify
FN:8,unused
FN:11,startPrintJob
FN:14,writePrintData
FNDA:2,classify
FNDA:0,unused
FNDA:1,startPrintJob
FNDA:2,writePrintData
FNF:4
FNH:3
BRDA:3,0,0,0
BRDA:3,0,1,2
BRDA:6,1,0,1
BRDA:6,1,1,1
BRDA:6,2,0,2
BRDA:6,2,1,0
BRDA:18,3,0,1
BRDA:18,3,1,0
BRDA:18,3,2,1
BRF:9
BRH:6
DA:1,1
DA:3,2
DA:4,0
DA:6,2
DA:9,0
DA:12,1
DA:15,2
DA:16,2
DA:17,2
DA:18,2
DA:19,1
DA:20,0
DA:21,1
LF:13
LH:10
end_of_record
"""


@pytest.fixture
def covered(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[Path, Path]:
    script, job, out = tmp_path / "sample.js", tmp_path / "job.prn", tmp_path / "cov"
    script.write_text(SAMPLE)
    job.write_bytes(b"0123456789")
    status = main(
        ["run", str(script), "--job", str(job), "--buffer-size", "8", "--coverage", str(out), "--json"]
    )
    assert status == 0
    assert "coverage of sample.js: lines 76.9% (10/13), branches 66.7% (6/9)" in capsys.readouterr().err
    return script, out


def test_lcov_matches_the_hand_checked_expectation(covered: tuple[Path, Path]) -> None:
    script, out = covered
    assert (out / "lcov.info").read_text() == EXPECTED_LCOV.format(path=script)


def test_cobertura_has_the_same_numbers(covered: tuple[Path, Path]) -> None:
    _, out = covered
    root = ET.parse(out / "coverage.xml").getroot()
    assert (root.get("lines-covered"), root.get("lines-valid")) == ("10", "13")
    assert (root.get("branches-covered"), root.get("branches-valid")) == ("6", "9")
    lines = {int(line.get("number")): line for line in root.iter("line") if line.get("branch") is not None}
    assert lines[4].get("hits") == "0"
    assert lines[6].get("condition-coverage") == "75% (3/4)"
    assert lines[18].get("condition-coverage") == "67% (2/3)"
    assert [m.get("name") for m in root.iter("method")] == [
        "classify",
        "unused",
        "startPrintJob",
        "writePrintData",
    ]


def test_the_html_view_marks_covered_missed_and_partly_covered_lines(covered: tuple[Path, Path]) -> None:
    _, out = covered
    page = (out / "index.html").read_text()
    assert '<tr class="miss" id="L4"' in page  # return "big" never ran
    assert '<tr class="partial" id="L6" title="?:: then 1×, else 1×; &amp;&amp;: right side 2×, ' in page
    assert '<tr class="hit" id="L16"' in page
    assert '<tr class="" id="L2"' in page  # a function header is not a statement
    assert 'Functions never called: <a href="#L8">unused</a>' in page


def test_bidi_coverage_counts_the_getschemas_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "cov"
    args = ["bidi", "get", str(SCRIPTS / "binary_bidi.js"), "--bidi-xml", str(SCRIPTS / "binary_bidi.xml")]
    device = f"sim:{ROOT / 'fixtures' / 'devices' / 'binary_bidi_printer.yaml'}"
    assert main([*args, "--device", device, "\\Printer.Configuration", "--coverage", str(out), "--json"]) == 0
    capsys.readouterr()
    lcov = (out / "lcov.info").read_text()
    assert "FNDA:0,addConsumables" in lcov  # not asked for
    assert "FNDA:1,addConfiguration" in lcov


def test_conformance_coverage_adds_up_every_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "cov"
    assert main(["conform", str(SCRIPTS / "pjl_passthrough.js"), "--coverage", str(out)]) == 0
    capsys.readouterr()
    lcov = (out / "lcov.info").read_text()
    calls = next(
        line for line in lcov.splitlines() if line.startswith("FNDA:") and line.endswith(",writePrintData")
    )
    assert int(calls.removeprefix("FNDA:").split(",")[0]) > 10  # the baseline, the matrix, the reruns…


def test_a_coverage_path_that_is_a_file_is_bad_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    taken = tmp_path / "file"
    taken.write_text("")
    assert main(["run", str(SCRIPTS / "pjl_passthrough.js"), "--coverage", str(taken)]) == 2
    err = capsys.readouterr().err
    assert "--coverage" in err and "is a file" in err and "Traceback" not in err
