"""A print job as the spooler sees it: its data, live status, and the asynchronous handle."""

from __future__ import annotations

import io
import threading
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import BinaryIO, Literal

from usbmon_js.errors import BadInput
from usbmon_js.portmon.report import JobReport

JobState = Literal["queued", "starting", "printing", "busy", "ending", "cancelling", "done"]


@dataclass(frozen=True)
class JobData:
    """The spool data of one job, streamed in buffers (never loaded whole)."""

    label: str
    size: int
    _path: Path | None = None
    _data: bytes | None = None

    @classmethod
    def from_file(cls, path: Path) -> JobData:
        try:
            size = path.stat().st_size
            with path.open("rb"):
                pass
        except FileNotFoundError:
            raise BadInput(f"{path}: job file not found") from None
        except OSError as exc:
            raise BadInput(f"{path}: cannot read job file: {exc.strerror or exc}") from None
        if path.is_dir():
            raise BadInput(f"{path}: is a directory, expected a job file (spool data)")
        return cls(str(path), size, _path=path)

    @classmethod
    def from_bytes(cls, data: bytes, label: str = "<bytes>") -> JobData:
        return cls(label, len(data), _data=data)

    @classmethod
    def default(cls) -> JobData:
        data = resources.files("usbmon_js.data").joinpath("default_job.prn").read_bytes()
        return cls.from_bytes(data, "<bundled sample job: 6 pages, PJL/PCL>")

    def open(self) -> BinaryIO:
        return self._path.open("rb") if self._path is not None else io.BytesIO(self._data or b"")


@dataclass
class JobStatus:
    """Live figures a UI can poll while the job runs (progress bar, `bidi watch`)."""

    state: JobState = "queued"
    bytes_submitted: int = 0
    bytes_consumed: int = 0
    bytes_to_device: int = 0
    pages_printed: int | None = None


@dataclass
class JobHandle:
    """The spooler's side of a running job: wait for it, watch it, or cancel it at any time."""

    data: JobData
    status: JobStatus = field(default_factory=JobStatus)
    cancel_event: threading.Event = field(default_factory=threading.Event)
    _finished: threading.Event = field(default_factory=threading.Event)
    _report: JobReport | None = None
    _crash: BaseException | None = None

    def cancel(self) -> None:
        """Cancel like the spooler does: waits end at once, the script at its next host call."""
        self.cancel_event.set()

    @property
    def done(self) -> bool:
        return self._finished.is_set()

    def wait_done(self, timeout: float | None = None) -> bool:
        """Block until the job ends or `timeout` passes; True when it has ended."""
        return self._finished.wait(timeout)

    def wait(self, timeout: float | None = None) -> JobReport:
        if not self._finished.wait(timeout):
            raise TimeoutError("the job is still running")
        if self._crash is not None:
            raise self._crash
        assert self._report is not None
        return self._report

    def finish(self, report: JobReport | None, crash: BaseException | None = None) -> None:
        self._report, self._crash = report, crash
        self.status.state = "done"
        self._finished.set()
