"""IsolatedPort: a port whose script engine lives in a worker process, with a watchdog on it.

It serves one request at a time, like PortMonitor. While a request runs the parent watches the
worker: if it dies (a crash in native code, the OOM killer) the job ends `failed` with a
`crash` error; if one entry-point call outlives its deadline plus a grace period (a native call
that never returns, so the engine's own deadline cannot fire), the worker is killed and the job
ends `failed` with a `timeout` error. Either way `bytes_to_device` is exact: the worker records
it in shared memory as each chunk reaches the device. The next request starts a new worker.
"""

from __future__ import annotations

import multiprocessing
import signal
import threading
import time
from collections.abc import Sequence
from typing import Any

from usbmon_js.devices.model import DeviceInfo
from usbmon_js.errors import DeviceError
from usbmon_js.portmon.bidi.results import BidiReport
from usbmon_js.portmon.isolation.recipe import PortRecipe
from usbmon_js.portmon.isolation.shared import SharedFigures
from usbmon_js.portmon.isolation.worker import worker_main
from usbmon_js.portmon.job import JobData
from usbmon_js.portmon.report import DeviceReportInfo, ErrorKind, JobError, JobReport, ScriptInfo

START_TIMEOUT_S = 120.0  # a fresh worker imports the engine and opens the device
WATCH_INTERVAL_S = 0.02


class WorkerLost(Exception):
    """The worker process ended (or was killed) before answering."""

    def __init__(self, kind: ErrorKind, message: str) -> None:
        super().__init__(message)
        self.kind = kind


class IsolatedPort:
    def __init__(self, recipe: PortRecipe) -> None:
        self.recipe = recipe
        self._context = multiprocessing.get_context("spawn")
        self.figures = SharedFigures(self._context)
        self._cancel = threading.Event()
        self._lock = threading.Lock()
        self.restarts = 0
        self.device: DeviceInfo | None = None
        self.warnings: list[str] = []
        self._process: Any = None
        self._conn: Any = None
        self._start()

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    # -- requests -------------------------------------------------------------------------------

    def print_job(self, data: JobData) -> JobReport:
        with self._lock:
            self._ensure_worker()
            self._cancel.clear()
            before = self.figures.bytes_to_device.value
            mirrored = self._device_out_size()
            self.figures.bytes_consumed.value = 0
            started = time.monotonic()
            try:
                return self._request(("job", data), "report")
            except WorkerLost as lost:
                sent = self.figures.bytes_to_device.value - before
                if mirrored is not None:
                    # The mirror is written just before the shared count: if the kill fell between
                    # the two, the file holds the last chunk and is the exact record.
                    sent = max(sent, (self._device_out_size() or 0) - mirrored)
                return self._lost_job_report(data, lost, sent, time.monotonic() - started)

    def cancel(self) -> None:
        """Cancel the running job (from any thread), as the spooler would."""
        self._cancel.set()

    def bidi_get(self, paths: Sequence[str]) -> BidiReport:
        return self._bidi(("bidi_get", list(paths)))

    def bidi_set(self, path: str, value: Any, type_name: str | None = None) -> BidiReport:
        return self._bidi(("bidi_set", path, value, type_name))

    def _bidi(self, message: tuple[Any, ...]) -> BidiReport:
        with self._lock:
            self._ensure_worker()
            try:
                return self._request(message, "bidi")
            except WorkerLost as lost:
                raise DeviceError(f"the port's script worker was lost in a Bidi request: {lost}") from None

    # -- the worker -----------------------------------------------------------------------------

    def _start(self) -> None:
        self.figures.reset()
        parent, child = self._context.Pipe()
        self._process = self._context.Process(
            target=worker_main, args=(child, self.recipe, self.figures), daemon=True, name="usbmon-port"
        )
        self._process.start()
        child.close()
        self._conn = parent
        if not parent.poll(START_TIMEOUT_S):
            self._kill()
            raise DeviceError(f"the port's script worker did not start within {START_TIMEOUT_S:g} s")
        try:
            kind, *rest = parent.recv()
        except EOFError:
            raise DeviceError(
                f"the port's script worker died while starting (exit code {self._process.exitcode})"
            ) from None
        if kind == "error":
            self._process.join(5)
            raise rest[0]
        self.device, self.warnings = rest

    def _ensure_worker(self) -> None:
        if self._process is None or not self._process.is_alive():
            self.restarts += 1 if self._process is not None else 0
            self._start()

    def _request(self, message: tuple[Any, ...], answer: str) -> Any:
        self._conn.send(message)
        cancel_sent = False
        deadline = self.recipe.settings.limits.call_timeout_s + self.recipe.grace_s
        while True:
            if self._conn.poll(WATCH_INTERVAL_S):
                try:
                    kind, payload = self._conn.recv()
                except EOFError:
                    raise self._lost() from None
                if kind == "error":
                    raise payload
                if kind == answer:
                    return payload
                continue
            if not self._process.is_alive():
                raise self._lost()
            if self._cancel.is_set() and not cancel_sent:
                self._conn.send(("cancel",))
                cancel_sent = True
            started = self.figures.call_started.value
            if started and time.monotonic() - started > deadline:
                entry = self.figures.entry.value.decode() or "a script call"
                self._kill()
                raise WorkerLost(
                    "timeout",
                    f"{entry} did not return within its {self.recipe.settings.limits.call_timeout_s:g} s "
                    f"deadline plus {self.recipe.grace_s:g} s grace (a host or native call that never "
                    "returned); the port's script worker was killed and is restarted for the next request",
                )

    def _lost(self) -> WorkerLost:
        self._process.join(5)
        code = self._process.exitcode
        how = f"killed by signal {-code}" if code is not None and code < 0 else f"exit code {code}"
        name = signal.Signals(-code).name if code is not None and code < 0 else ""
        return WorkerLost(
            "crash",
            f"the port's script worker died ({how}{', ' + name if name else ''}) while "
            f"{self.figures.entry.value.decode() or 'the host'} was running; the port restarts it "
            "for the next request",
        )

    def _current_entry(self) -> str:
        return self.figures.entry.value.decode() if self.figures.call_started.value else ""

    def _kill(self) -> None:
        if self._process is not None and self._process.is_alive():
            self._process.kill()
            self._process.join(5)

    def _device_out_size(self) -> int | None:
        path = self.recipe.device_out
        if path is None:
            return None
        try:
            return path.stat().st_size
        except OSError:
            return 0

    def _lost_job_report(self, data: JobData, lost: WorkerLost, sent: int, duration: float) -> JobReport:
        """What is known of a job whose worker is gone: the byte counts, kept in shared memory."""
        script = self.recipe.script
        device = self.device or DeviceInfo(spec=self.recipe.device_spec, transport="sim", device_id="")
        return JobReport(
            outcome="failed",
            script=ScriptInfo(
                path=str(script.path),
                sha256=script.sha256,
                write_signature="docs" if self.recipe.settings.write_signature == "docs" else "sample",
                encoding=script.encoding,
            ),
            device=DeviceReportInfo(spec=device.spec, transport=device.transport, device_id=device.device_id),
            job={"source": data.label, "size": data.size},
            bytes_submitted=data.size,
            bytes_consumed=self.figures.bytes_consumed.value,
            bytes_to_device=sent,
            errors=[JobError(entry=self._current_entry(), kind=lost.kind, message=str(lost), t=duration)],
            warnings=["call counts and responses of this job were lost with its worker"],
            duration_s=round(duration, 6),
            wall_s=round(duration, 6),
        )

    def close(self) -> None:
        with self._lock:
            if self._process is not None and self._process.is_alive():
                try:
                    self._conn.send(("close",))
                    self._process.join(10)
                except (BrokenPipeError, OSError):
                    pass
            self._kill()
            if self._conn is not None:
                self._conn.close()

    def __enter__(self) -> IsolatedPort:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
