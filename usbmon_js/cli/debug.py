"""`usbmon-js debug SCRIPT.js`: step through a job or a Bidi request in the driver script.

Breakpoints on lines, functions and entry points, `debugger;` statements, stepping, locals and
expressions in the paused frame, the call stack, the last host call with its bytes. Commands come
from the terminal, from `--commands FILE` or from piped input, so a session can run in CI.
Exit status: that of the run (`run`: 0 completed, 3 failed, 4 aborted, 5 cancelled; Bidi: 0 or
3), 2 on bad input.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from pathlib import Path
from typing import Any

from usbmon_js.cli.bidi import BIDI_TYPES, normalise_path, print_report
from usbmon_js.cli.port_setup import DriverFiles, load_driver_files, open_port, schedule
from usbmon_js.cli.render import render_report
from usbmon_js.cli.run import add_job_options, job_settings
from usbmon_js.debugging.commands import CommandLoop, CommandSource
from usbmon_js.debugging.presenter import JsonPresenter, Presenter, TerminalPresenter
from usbmon_js.debugging.probe import Probe
from usbmon_js.debugging.run_options import add_coverage_option, coverage_run
from usbmon_js.debugging.session import DebuggerError, DebugSession, StepKind
from usbmon_js.errors import BadInput
from usbmon_js.portmon.bidi.results import BidiReport
from usbmon_js.portmon.job import JobData, JobHandle
from usbmon_js.portmon.outcome import EXIT_STATUS
from usbmon_js.portmon.settings import PipelineSettings

DEBUG_CALL_TIMEOUT_S = 3600.0  # time spent paused counts towards the engine's deadline
EXIT_UNANSWERED = 3


def add_parser(commands: Any) -> None:
    p = commands.add_parser(
        "debug",
        help="step through a job or a Bidi request in the driver script",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("script", nargs="?", type=Path, help="the driver script (.js); optional with --manifest")
    add_job_options(p)
    p.set_defaults(call_timeout=DEBUG_CALL_TIMEOUT_S)
    for action in p._actions:  # the shared option's help states the run's default
        if action.dest == "call_timeout":
            action.help = (
                f"deadline of one entry-point call (default {DEBUG_CALL_TIMEOUT_S:g} under the debugger: "
                "time spent paused counts towards it)"
            )
    request = p.add_mutually_exclusive_group()
    request.add_argument(
        "--bidi-get", nargs="+", metavar="PATH", help="debug a Bidi Get of these paths instead of a job"
    )
    request.add_argument(
        "--bidi-set", nargs=2, metavar=("PATH", "VALUE"), help="debug a Bidi Set instead of a job"
    )
    p.add_argument("--type", choices=BIDI_TYPES, help="with --bidi-set: the type the request carries")
    p.add_argument(
        "--break",
        dest="breaks",
        action="append",
        default=[],
        metavar="WHERE",
        help="a breakpoint before the run: LINE, FILE:LINE, a function or an entry point (repeatable)",
    )
    p.add_argument(
        "--catch",
        choices=["uncaught", "all", "none"],
        default="uncaught",
        help="which exceptions stop the script (default: uncaught)",
    )
    p.add_argument(
        "--commands",
        type=Path,
        metavar="FILE",
        help="read debugger commands from FILE ('-': stdin); when they run out, the run goes on to its end",
    )
    p.add_argument("--json", action="store_true", help="print every stop and answer as a JSON line")
    add_coverage_option(p)


def main(args: argparse.Namespace) -> int:
    files = load_driver_files(args, args.script)
    if args.type and not args.bidi_set:
        raise BadInput("--type goes with --bidi-set")
    settings = job_settings(args, files)
    job = JobData.from_file(args.job) if args.job else JobData.default()
    source = _command_source(args.commands)
    probe = Probe(files.script, "debug")
    session = DebugSession(probe.map, exceptions=args.catch)
    probe.listener = session
    presenter: Presenter = (
        JsonPresenter(probe.map, sys.stdout) if args.json else TerminalPresenter(probe.map, sys.stdout)
    )
    session.on_console = presenter.console
    for spec in args.breaks:
        try:
            session.add_breakpoint(spec)
        except DebuggerError as exc:
            raise BadInput(f"--break {spec}: {exc}") from None
    run = _Run(args, files, settings, job, probe)
    if not args.json:
        what = "a Bidi request" if args.bidi_get or args.bidi_set else "a job"
        presenter.message(
            f"usbmon-js debug {files.script.name}: {what}; set breakpoints, then continue or step "
            "(help lists the commands)"
        )
    with coverage_run(args.coverage, files.script, probe):
        loop = CommandLoop(
            session, presenter, source, start=lambda how: run.start(session, how), cancel=run.cancel
        )
        try:
            finished = loop.run()
        except BaseException:  # never leave a paused script behind: its thread would block exit
            run.cancel()
            session.detach(abort=True)
            raise
    if finished is None:
        return 0
    if finished.error is not None:
        if run.quit:  # quit while the script was loading: nothing else ran
            presenter.message(f"quit: the run ended before it started ({finished.error})")
            return EXIT_STATUS["cancelled"]
        raise finished.error
    return _report(finished.result, args.json)


class _Run:
    """The job or Bidi request under the debugger, on its own thread."""

    def __init__(
        self,
        args: argparse.Namespace,
        files: DriverFiles,
        settings: PipelineSettings,
        job: JobData,
        probe: Probe,
    ) -> None:
        self.args = args
        self.files = files
        self.settings = settings
        self.job = job
        self.probe = probe
        self.handle: JobHandle | None = None
        self.quit = False

    def start(self, session: DebugSession, how: StepKind) -> None:
        session.start(self._work, how)

    def _work(self) -> Any:
        args = self.args
        with (
            self.probe.watching(),
            open_port(args, self.files, self.settings, virtual_time=not args.real_time) as (port, clock),
        ):
            if args.bidi_get:
                return port.bidi_get([normalise_path(p) for p in args.bidi_get])
            if args.bidi_set:
                path, value = args.bidi_set
                return port.bidi_set(normalise_path(path), value, args.type)
            self.handle = port.submit_job(self.job)
            if args.cancel_after is not None:
                schedule(clock, args.cancel_after, self.handle.cancel)
            return self.handle.wait()

    def cancel(self) -> None:
        self.quit = True
        if self.handle is not None:
            self.handle.cancel()


def _command_source(path: Path | None) -> CommandSource:
    if path is not None and str(path) == "-":
        return CommandSource.from_stream(sys.stdin)
    if path is not None:
        try:
            return CommandSource(iter(path.read_text(encoding="utf-8").splitlines()))
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) else str(exc)
            raise BadInput(f"--commands {path}: cannot read it: {reason or exc}") from None
    if sys.stdin.isatty():
        with contextlib.suppress(ImportError):
            import readline  # noqa: F401  (line editing and history for input())
        return CommandSource(interactive=True)
    return CommandSource.from_stream(sys.stdin)


def _report(result: Any, as_json: bool) -> int:
    if isinstance(result, BidiReport):
        if as_json:
            print(json.dumps({"event": "report", "report": result.model_dump(mode="json")}))
        else:
            print_report(result, False)
        return 0 if result.ok else EXIT_UNANSWERED
    if as_json:
        print(json.dumps({"event": "report", "report": result.model_dump(mode="json")}))
    else:
        render_report(result)
    return EXIT_STATUS[result.outcome]
