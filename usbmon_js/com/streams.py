"""The byte streams a script reads and writes: the printer, temporary FIFOs, property streams."""

from __future__ import annotations

import tempfile
import weakref
from collections.abc import Callable
from types import MethodType

from usbmon_js.com.coerce import to_int32
from usbmon_js.com.members import HostError, HostObject, com_method
from usbmon_js.devices.channel import DeviceChannel
from usbmon_js.devices.model import DeviceGone
from usbmon_js.errors import DeviceError

MAX_READ = 16 << 20  # Read may return fewer bytes than asked; this keeps one Read inside the heap limit
SPILL_THRESHOLD = 8 << 20  # temporary streams move to a file past this size


def read_count(member: str, count: object) -> int:
    n = to_int32(member, count)
    if n < 0:
        raise HostError(f"{member}: byte count must not be negative (got {n})", "RangeError")
    return n if n < MAX_READ else MAX_READ


class SequentialStream(HostObject):
    com_interface = "IPrinterScriptableSequentialStream"

    @com_method
    def Read(self, count: object) -> bytes:
        return self.read(read_count("Read", count))

    @com_method(bytes_args=(0,))
    def Write(self, data: bytes) -> int:
        return self.write(data)

    def read(self, count: int) -> bytes:
        raise NotImplementedError

    def write(self, data: bytes) -> int:
        raise NotImplementedError


class PrinterStream(SequentialStream):
    """`printerStream`: the device's bulk pipes as USBMon opens them for one entry point."""

    def __init__(
        self,
        channel: DeviceChannel,
        *,
        read_only_for: str | None = None,
        on_device_fault: Callable[[str, bool], None] | None = None,
        is_cancelled: Callable[[], bool] = lambda: False,
        wait_budget: Callable[[], float | None] = lambda: None,
    ) -> None:
        self.channel = channel
        self.wait_budget = wait_budget
        self.read_only_for = read_only_for
        # A bound method of the request or job that owns this stream is held weakly: a strong
        # reference would be a cycle, and every Bidi request would live on until Python's cycle
        # collector ran, with a 58 ms full collection every few thousand Gets (performance.md).
        # Its owner through a plain weakref.ref, not a WeakMethod: that is a Python-level class
        # and cost more than the rest of the stream's set-up.
        self._fault_owner: Callable[[], object] | None = None
        self._on_fault: Callable[..., None] | None = on_device_fault
        if isinstance(on_device_fault, MethodType):
            self._fault_owner = weakref.ref(on_device_fault.__self__)
            self._on_fault = on_device_fault.__func__
        self.is_cancelled = is_cancelled

    def read(self, count: int) -> bytes:
        return self._device_io("Read", self.channel.read, count)

    def write(self, data: bytes) -> int:
        if self.read_only_for:
            raise HostError(f"Write: the printer stream is read-only in {self.read_only_for}")
        if self.is_cancelled():
            raise HostError("Write: the job was cancelled; nothing more is sent to the device")
        return self._device_io("Write", self.channel.write, data)

    def _device_io(self, member: str, io: Callable, arg: object):
        try:
            return io(arg, self.wait_budget())
        except (DeviceGone, DeviceError) as exc:
            gone = isinstance(exc, DeviceGone)
            reason = f"{member}: the device is gone ({exc})" if gone else f"{member}: {exc}"
            self._report_fault(reason, gone)
            raise HostError(reason) from exc

    def _report_fault(self, reason: str, gone: bool) -> None:
        if self._on_fault is None:
            return
        if self._fault_owner is None:
            self._on_fault(reason, gone)
        elif (owner := self._fault_owner()) is not None:  # the owner ended: nobody to tell
            self._on_fault(owner, reason, gone)


class TemporaryStream(SequentialStream):
    """One of the job's two `TemporaryStreams`: a FIFO with its own read and write positions.

    Data lives in memory up to `SPILL_THRESHOLD`, then in an anonymous temporary file, so a
    driver can park a whole 1 GiB job. When everything written has been read, the storage is
    emptied so a long job that streams through it stays small.
    """

    def __init__(self, spill_threshold: int = SPILL_THRESHOLD) -> None:
        self._file = tempfile.SpooledTemporaryFile(max_size=spill_threshold)  # noqa: SIM115 (closed in close())
        self._read_pos = 0
        self._write_pos = 0

    @property
    def pending(self) -> int:
        return self._write_pos - self._read_pos

    @property
    def spilled(self) -> bool:
        return bool(getattr(self._file, "_rolled", False))

    def read(self, count: int) -> bytes:
        count = min(count, self.pending)
        if not count:
            return b""
        self._file.seek(self._read_pos)
        data = self._file.read(count)
        self._read_pos += len(data)
        if self._read_pos == self._write_pos:
            self._file.seek(0)
            self._file.truncate()
            self._read_pos = self._write_pos = 0
        return data

    def write(self, data: bytes) -> int:
        self._file.seek(self._write_pos)
        self._file.write(data)
        self._write_pos += len(data)
        return len(data)

    def close(self) -> None:
        self._file.close()


class ScriptableStream(SequentialStream):
    """A property-bag stream (`GetReadStream`/`GetWriteStream`) with Seek, SetSize and Commit."""

    com_interface = "IPrinterScriptableStream"

    def __init__(self, data: bytes, commit: Callable[[bytes], None] | None) -> None:
        self._data = bytearray(data)
        self._pos = 0
        self._commit = commit

    def read(self, count: int) -> bytes:
        chunk = bytes(self._data[self._pos : self._pos + count])
        self._pos += len(chunk)
        return chunk

    def write(self, data: bytes) -> int:
        if self._commit is None:
            raise HostError("Write: stream was opened with GetReadStream and is read-only")
        end = self._pos + len(data)
        if self._pos > len(self._data):
            self._data.extend(bytes(self._pos - len(self._data)))
        self._data[self._pos : end] = data
        self._pos = end
        return len(data)

    @com_method
    def Seek(self, offset: object, origin: object) -> int:
        base = {0: 0, 1: self._pos, 2: len(self._data)}.get(to_int32("Seek", origin))
        if base is None:
            raise HostError("Seek: origin must be 0 (SET), 1 (CUR) or 2 (END)", "RangeError")
        position = base + to_int32("Seek", offset)
        if position < 0:
            raise HostError(f"Seek: position {position} is before the start of the stream", "RangeError")
        self._pos = position
        return position

    @com_method
    def SetSize(self, size: object) -> None:
        if self._commit is None:
            raise HostError("SetSize: stream was opened with GetReadStream and is read-only")
        n = to_int32("SetSize", size)
        if n < 0:
            raise HostError(f"SetSize: size must not be negative (got {n})", "RangeError")
        del self._data[n:]
        self._data.extend(bytes(n - len(self._data)))

    @com_method
    def Commit(self) -> None:
        if self._commit is not None:
            self._commit(bytes(self._data))
