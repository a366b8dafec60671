"""`--coverage DIR` and `--console`, as `run`, `bidi`, `conform` and `debug` all offer them."""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path

from usbmon_js.debugging.cobertura import to_cobertura
from usbmon_js.debugging.coverage import ScriptCoverage
from usbmon_js.debugging.coverage_html import to_html
from usbmon_js.debugging.lcov import to_lcov
from usbmon_js.debugging.probe import Probe
from usbmon_js.engine.script import DriverScript
from usbmon_js.errors import BadInput
from usbmon_js.portmon.settings import PipelineSettings

COVERAGE_FILES = ("lcov.info", "coverage.xml", "index.html")


def add_coverage_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--coverage",
        type=Path,
        metavar="DIR",
        help="line and branch coverage of the script: DIR/lcov.info, DIR/coverage.xml (Cobertura) "
        "and DIR/index.html",
    )


def add_console_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--console",
        action="store_true",
        help="give the script a console (console.log …) whose lines go to stderr and the trace; "
        "off by default because Windows has none",
    )


def with_console(settings: PipelineSettings, enabled: bool) -> PipelineSettings:
    if not enabled:
        return settings
    return settings.model_copy(update={"limits": settings.limits.model_copy(update={"console": True})})


@contextlib.contextmanager
def coverage_run(
    directory: Path | None, script: DriverScript | None, probe: Probe | None = None
) -> Iterator[None]:
    """Count the script's coverage in every engine while the block runs; then write the reports.

    `probe` is an existing one (the debugger's) to report on instead of a new counting one.
    """
    if directory is None or script is None:
        yield
        return
    _prepare(directory)
    counting = probe or Probe(script, "coverage")
    with counting.watching() if probe is None else contextlib.nullcontext():
        yield
    report = ScriptCoverage.from_probe(counting)
    for name, text in zip(
        COVERAGE_FILES, (to_lcov(report), to_cobertura(report), to_html(report)), strict=True
    ):
        try:
            (directory / name).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise BadInput(f"--coverage {directory}: cannot write {name}: {exc.strerror or exc}") from None
    print(
        f"usbmon-js: coverage of {script.name}: {report.summary()} → {directory}/index.html", file=sys.stderr
    )


def decoded_script(path: Path, raw: bytes) -> DriverScript | None:
    """The script to measure, or None when it cannot even be decoded (nothing runs to measure)."""
    try:
        return DriverScript.from_bytes(path, raw)
    except BadInput:
        return None


def _prepare(directory: Path) -> None:
    if directory.exists() and not directory.is_dir():
        raise BadInput(f"--coverage {directory}: is a file, expected a directory for the reports")
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BadInput(
            f"--coverage {directory}: cannot create the directory: {exc.strerror or exc}"
        ) from None
