"""ReplayPrinter: a device model that plays a transcript back and checks the script against it.

Replay is stream-based rather than call-by-call, because a status poller interleaves its reads
with the job's in an order that differs from run to run. Per interface, the bytes the recorded
writes accepted form the expected OUT stream: each write is checked against it at the current
offset and accepted in the recorded pattern (refusals and partial acceptances included). IN
data comes back once the OUT stream has reached the offset at which it was recorded, and a
recorded disconnect happens at the same print-stream offset. So a changed script fails with a
byte diff (`ReplayMismatch`) instead of drifting silently.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, field

from usbmon_js.devices.model import DEFAULT_PORT_STATUS, DeviceGone
from usbmon_js.devices.replay.mismatch import (
    RecordedSpot,
    ReplayMismatch,
    already_diverged,
    content_mismatch,
    overrun,
    underrun,
)
from usbmon_js.devices.replay.transcript import (
    INTERFACE_NAMES,
    PRINT_INTERFACE,
    STATUS_INTERFACE,
    Transcript,
    Transfer,
)
from usbmon_js.errors import DeviceError


@dataclass
class _RecordedWrite:
    """Stream bytes [start, end) accepted by one recorded write; start == end is a refusal."""

    spot: RecordedSpot
    start: int
    end: int
    error: str | None = None


@dataclass
class _RecordedRead:
    spot: RecordedSpot
    out_offset: int
    data: bytes
    error: str | None = None
    taken: int = 0


@dataclass
class _JobEnd:
    spot: RecordedSpot
    out_offset: int
    error: str | None = None


@dataclass
class _Pipe:
    """One interface's bulk pipes as recorded, and how far the replay has come."""

    interface: int
    stream: bytearray = field(default_factory=bytearray)
    writes: list[_RecordedWrite] = field(default_factory=list)
    reads: deque[_RecordedRead] = field(default_factory=deque)
    position: int = 0
    cursor: int = 0
    diverged: ReplayMismatch | None = None
    overran: bool = False

    def current(self) -> _RecordedWrite | None:
        return self.writes[self.cursor] if self.cursor < len(self.writes) else None

    def fail(self, mismatch: ReplayMismatch) -> ReplayMismatch:
        self.diverged = self.diverged or mismatch
        return mismatch


def _failure(transfer: Transfer, spot: RecordedSpot) -> str:
    what = transfer.message or f"the device answered {transfer.status}"
    return f"{what} (replayed from {spot})"


class ReplayPrinter:
    """Plays a `Transcript` as a device model; deterministic and thread-safe."""

    def __init__(self, transcript: Transcript, source: str = "transcript") -> None:
        self.transcript = transcript
        self.source = source
        self.soft_resets = 0
        self._lock = threading.Lock()
        self._pipes = {PRINT_INTERFACE: _Pipe(PRINT_INTERFACE), STATUS_INTERFACE: _Pipe(STATUS_INTERFACE)}
        self._port_status: list[tuple[int, int]] = []  # (print-stream offset, value)
        self._job_ends: deque[_JobEnd] = deque()
        self._gone_at: int | None = None
        self._gone_reason = ""
        self._load(transcript.transfers)
        uses_status = transcript.header.status_interface or any(
            transfer.interface == STATUS_INTERFACE for transfer in transcript.transfers
        )
        self._status_interface = ReplayStatusInterface(self) if uses_status else None

    def _load(self, transfers: list[Transfer]) -> None:
        printed = 0  # what the print interface had accepted at each point of the recording
        for index, transfer in enumerate(transfers):
            spot = RecordedSpot(index, transfer.t)
            pipe = self._pipes[transfer.interface]
            if transfer.status == "gone":
                if self._gone_at is None:
                    self._gone_at = printed
                    self._gone_reason = _failure(transfer, spot)
            elif transfer.op == "write":
                start = len(pipe.stream)
                pipe.stream += transfer.data
                error = _failure(transfer, spot) if transfer.status == "error" else None
                pipe.writes.append(_RecordedWrite(spot, start, len(pipe.stream), error))
                if transfer.interface == PRINT_INTERFACE:
                    printed = len(pipe.stream)
            elif transfer.op == "read" and (transfer.data or transfer.status == "error"):
                error = _failure(transfer, spot) if transfer.status == "error" else None
                pipe.reads.append(_RecordedRead(spot, transfer.out_offset, transfer.data, error))
            elif transfer.op == "port_status" and transfer.status == "ok":
                self._port_status.append((printed, transfer.data[0]))
            elif transfer.op == "end_job":
                error = _failure(transfer, spot) if transfer.status == "error" else None
                self._job_ends.append(_JobEnd(spot, printed, error))

    # -- what a replay has done ---------------------------------------------------------------
    @property
    def replayed_bytes(self) -> int:
        """Bytes of the recorded print stream the script has sent so far."""
        return self._pipes[PRINT_INTERFACE].position

    @property
    def expected_bytes(self) -> int:
        """Bytes the recording's print interface accepted in all."""
        return len(self._pipes[PRINT_INTERFACE].stream)

    # -- the device model ---------------------------------------------------------------------
    def write(self, data: bytes) -> int:
        return self._write(PRINT_INTERFACE, data)

    def read(self, size: int) -> bytes:
        return self._read(PRINT_INTERFACE, size)

    def device_id(self) -> str:
        return self.transcript.header.device_id or ""

    def port_status(self) -> int:
        """The latest recorded GET_PORT_STATUS answer the print stream has reached."""
        header = self.transcript.header.port_status
        value = DEFAULT_PORT_STATUS if header is None else header
        with self._lock:
            reached = self._pipes[PRINT_INTERFACE].position
            for offset, recorded in self._port_status:
                if offset > reached:
                    break
                value = recorded
        return value

    def soft_reset(self) -> None:
        with self._lock:
            self.soft_resets += 1

    def status_interface(self) -> ReplayStatusInterface | None:
        return self._status_interface

    def end_job(self) -> None:
        """Fail the job when it sent less than the recorded job, or diverged on the way."""
        with self._lock:
            for pipe in self._pipes.values():
                # How often the status interface is polled depends on timing: running over its
                # recording is reported when it happens but does not fail the job.
                if pipe.diverged is not None and not (pipe.interface == STATUS_INTERFACE and pipe.overran):
                    raise already_diverged(pipe.diverged)
            pipe = self._pipes[PRINT_INTERFACE]
            marker = self._job_ends.popleft() if self._job_ends else None
            end = marker.out_offset if marker is not None else len(pipe.stream)
            if pipe.position < end:
                current = pipe.current()
                spot = (
                    current.spot if current is not None else RecordedSpot(len(self.transcript.transfers), 0.0)
                )
                raise pipe.fail(underrun(PRINT_INTERFACE, bytes(pipe.stream), pipe.position, end, spot))
            if pipe.position > end and marker is not None:
                raise pipe.fail(
                    ReplayMismatch(
                        f"replay mismatch on the {INTERFACE_NAMES[PRINT_INTERFACE]}: this job sent "
                        f"{pipe.position} bytes in all, but the recorded job ended at byte {end} "
                        f"({marker.spot}); the script ran into the next recorded job's data",
                        interface=PRINT_INTERFACE,
                        offset=end,
                    )
                )
            if marker is not None and marker.error is not None:
                raise DeviceError(marker.error)

    # -- the pipes of either interface --------------------------------------------------------
    def _gone(self) -> bool:
        return self._gone_at is not None and self._pipes[PRINT_INTERFACE].position >= self._gone_at

    def _raise_gone(self) -> None:
        raise DeviceGone(f"the recorded device disappeared after {self._gone_at} bytes: {self._gone_reason}")

    def _write(self, interface: int, data: bytes) -> int:
        with self._lock:
            if self._gone():
                self._raise_gone()
            pipe = self._pipes[interface]
            if pipe.diverged is not None:
                raise already_diverged(pipe.diverged)
            if not data:
                return 0
            record = pipe.current()
            if record is None:
                pipe.overran = True
                last = pipe.writes[-1].spot if pipe.writes else None
                raise pipe.fail(overrun(interface, len(pipe.stream), bytes(data), last))
            if record.error is not None:
                pipe.cursor += 1
                raise DeviceError(record.error)
            count = min(len(data), record.end - pipe.position)
            if data[:count] != pipe.stream[pipe.position : pipe.position + count]:
                raise pipe.fail(
                    content_mismatch(interface, bytes(pipe.stream), bytes(data), pipe.position, record.spot)
                )
            pipe.position += count
            if pipe.position == record.end:
                pipe.cursor += 1  # a refusal (count 0) is used up here too
            return count

    def _read(self, interface: int, size: int) -> bytes:
        with self._lock:
            pipe = self._pipes[interface]
            head = pipe.reads[0] if pipe.reads else None
            if head is None or head.out_offset > pipe.position:
                if self._gone():  # what the device sent before it vanished is still read first
                    self._raise_gone()
                return b""
            if head.error is not None:
                pipe.reads.popleft()
                raise DeviceError(head.error)
            if size <= 0:
                return b""
            chunk = head.data[head.taken : head.taken + size]
            head.taken += len(chunk)
            if head.taken == len(head.data):
                pipe.reads.popleft()
            return chunk


class ReplayStatusInterface:
    """The recorded device's secondary (status) interface, replayed from interface 1."""

    def __init__(self, printer: ReplayPrinter) -> None:
        self.printer = printer

    def write(self, data: bytes) -> int:
        return self.printer._write(STATUS_INTERFACE, data)

    def read(self, size: int) -> bytes:
        return self.printer._read(STATUS_INTERFACE, size)
