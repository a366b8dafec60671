"""RecordingPrinter: wrap any device model and write down every transfer (`--record FILE`).

The wrapper is transparent: every call goes to the real model and its result or exception comes
back unchanged, and it offers exactly the optional methods the model has, so the host's
`model_device_id` & co. see the same device. What it adds is the transcript that
`--device replay:FILE` plays back.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from usbmon_js.clock import Clock
from usbmon_js.devices.model import PrinterModel, Transport
from usbmon_js.devices.replay.transcript import (
    PRINT_INTERFACE,
    STATUS_INTERFACE,
    Op,
    Transcript,
    TranscriptHeader,
    tool_name,
    transcript_text,
)
from usbmon_js.devices.replay.transcript_file import WHAT, save_transcript
from usbmon_js.devices.replay.transcript_log import TranscriptLog
from usbmon_js.errors import BadInput

_MIRRORED = ("device_id", "port_status", "soft_reset")


def _optional(model: object, name: str) -> Callable[[], Any] | None:
    method = getattr(model, name, None)
    return method if callable(method) else None


class _RecordedInterface:
    """One interface of the wrapped device: write/read and its optional methods, each recorded."""

    def __init__(self, model: PrinterModel, interface: int, log: TranscriptLog) -> None:
        self.model = model
        self.interface = interface
        self._log = log
        self._lock = threading.RLock()  # one call at a time per interface keeps out_offset exact
        for name in _MIRRORED:
            if _optional(model, name) is not None:
                setattr(self, name, getattr(self, f"_{name}"))

    def write(self, data: bytes) -> int:
        with self._lock:
            try:
                accepted = self.model.write(data)
            except Exception as exc:
                self._log.failed(self.interface, "write", exc, offered=len(data))
                raise
            if isinstance(accepted, int) and not isinstance(accepted, bool) and 0 <= accepted <= len(data):
                status = "ok" if accepted else "refused"
                self._log.add(
                    self.interface, "write", status=status, offered=len(data), data=bytes(data[:accepted])
                )
            else:  # the channel rejects it too; the transcript says what the model did
                message = f"write() returned {accepted!r} for {len(data)} bytes offered"
                self._log.add(self.interface, "write", status="error", offered=len(data), message=message)
            return accepted

    def read(self, size: int) -> bytes:
        with self._lock:
            try:
                data = self.model.read(size)
            except Exception as exc:
                self._log.failed(self.interface, "read", exc)
                raise
            if isinstance(data, bytes | bytearray):
                self._log.add(self.interface, "read", status="ok" if data else "timeout", data=bytes(data))
            else:
                self._log.add(self.interface, "read", status="error", message=f"read() returned {data!r}")
            return data

    def _device_id(self) -> Any:
        return self._call("device_id", lambda value: {"text": str(value)})

    def _port_status(self) -> Any:
        def answer(value: Any) -> dict[str, Any]:
            if isinstance(value, int):
                return {"data": bytes([value & 0xFF])}
            return {"status": "error", "message": f"port_status() returned {value!r}"}

        return self._call("port_status", answer)

    def _soft_reset(self) -> None:
        self._call("soft_reset", lambda _: {})

    def _call(self, op: Op, fields: Callable[[Any], dict[str, Any]]) -> Any:
        """Call the model's `op` and record it with the fields its answer gives."""
        with self._lock:
            try:
                value = getattr(self.model, op)()
            except Exception as exc:
                self._log.failed(self.interface, op, exc)
                raise
            self._log.add(self.interface, op, **fields(value))
            return value


class RecordingPrinter(_RecordedInterface):
    """A device model that records everything `model` does into a transcript (`--record FILE`).

    `sink` is a path (written atomically by `close()`; its directory must exist) or an open text
    file. `spec` and `transport` name the recorded device in the transcript header.
    """

    def __init__(
        self,
        model: PrinterModel,
        clock: Clock,
        sink: Path | str | TextIO,
        *,
        spec: str = "",
        transport: Transport = "sim",
    ) -> None:
        sink = Path(sink) if isinstance(sink, str) else sink
        if isinstance(sink, Path) and not sink.parent.is_dir():
            raise BadInput(f"{WHAT} {sink} cannot be written: the directory {sink.parent} does not exist.")
        self._log = TranscriptLog(clock)
        super().__init__(model, PRINT_INTERFACE, self._log)
        self.sink = sink
        self.closed = False
        device_id, port_status = _optional(model, "device_id"), _optional(model, "port_status")
        self._header = TranscriptHeader(
            spec=spec,
            transport=transport,
            device_id=str(device_id()) if device_id is not None else None,
            port_status=int(port_status()) & 0xFF if port_status is not None else None,
            recorded_at=datetime.now(UTC),
            tool=tool_name(),
        )
        self._status: _RecordedInterface | None = None
        if _optional(model, "status_interface") is not None:
            self.status_interface = self._status_interface

    def _status_interface(self) -> _RecordedInterface | None:
        """The wrapped status interface, recorded as interface 1; one wrapper per inner object."""
        inner = self.model.status_interface()  # type: ignore[attr-defined]
        if inner is None or not all(callable(getattr(inner, name, None)) for name in ("write", "read")):
            return inner  # the host rejects a broken interface with its own message
        with self._lock:
            if self._status is None or self._status.model is not inner:
                self._status = _RecordedInterface(inner, STATUS_INTERFACE, self._log)
            return self._status

    def end_job(self) -> None:
        """Forwarded when the model has it; always marks the job's end, so a replay can check each job."""
        with self._lock:
            end_job = _optional(self.model, "end_job")
            try:
                if end_job is not None:
                    end_job()
            except Exception as exc:
                self._log.failed(self.interface, "end_job", exc)
                raise
            self._log.add(self.interface, "end_job")

    def transcript(self) -> Transcript:
        """Everything recorded so far."""
        header = self._header.model_copy(update={"status_interface": self._status is not None})
        return Transcript(header=header, transfers=self._log.snapshot())

    def close(self) -> None:
        """Write the transcript to the sink (once; later calls do nothing)."""
        if self.closed:
            return
        self.closed = True
        if isinstance(self.sink, Path):
            save_transcript(self.transcript(), self.sink)
        else:
            self.sink.write(transcript_text(self.transcript()))

    def __enter__(self) -> RecordingPrinter:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
