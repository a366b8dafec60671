"""An emulated USB printer: answers libusb's usbdevfs ioctls from a printer model.

umockdev routes every ioctl on the emulated /dev/bus/usb node to `handle_ioctl` (on umockdev's
own thread). URBs that the model cannot satisfy yet stay in flight, exactly as a NAKing device
keeps them: a bulk OUT that the model only partly accepts, a bulk IN with nothing to read.
They are retried whenever libusb reaps, and a discard (libusb's timeout) hands them back with
the bytes moved so far, so libusb reports exact partial counts.
"""

from __future__ import annotations

import errno
import struct
import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from usbmon_js.devices.emu import usbdevfs as fs
from usbmon_js.devices.emu.descriptors import EmulatedIdentity, string_descriptor
from usbmon_js.devices.emu.options import UsbEmulation
from usbmon_js.devices.model import DeviceGone, PrinterModel, model_port_status, model_status_interface
from usbmon_js.devices.usb import printer_class as pc

GET_DESCRIPTOR = 6
STRING_DESCRIPTOR = 3
CAPABILITIES = (
    fs.CAP_ZERO_PACKET | fs.CAP_BULK_CONTINUATION | fs.CAP_NO_PACKET_SIZE_LIM | fs.CAP_REAP_AFTER_DISCONNECT
)


@dataclass
class _Urb:
    data: Any  # UMockdev.IoctlData of the client's struct usbdevfs_urb
    buffer: Any  # UMockdev.IoctlData of its buffer
    header: fs.UrbHeader
    moved: int = 0  # bytes transferred so far
    status: int = 0
    payload: bytearray = field(default_factory=bytearray)


def _uint(arg: Any) -> int:
    return int(struct.unpack_from("<I", arg.resolve(0, 4).retrieve())[0])


class ControlStall(Exception):
    """The device answers a control request with STALL (EPIPE)."""


class EmulatedPrinterDevice:
    """The device side of an `emu:` printer: descriptors, class requests and bulk pipes."""

    def __init__(self, model: PrinterModel, identity: EmulatedIdentity, options: UsbEmulation) -> None:
        self.model = model
        self.identity = identity
        self.options = options
        self.gone = False
        self.soft_resets = 0
        self.kernel_driver = options.kernel_driver
        self._lock = threading.Lock()
        self._in_flight: list[_Urb] = []
        self._done: deque[_Urb] = deque()
        self._halted: set[int] = set()
        self._in_backlog: dict[int, bytes] = {}  # what a model read() returned beyond the URB's size
        self._stalls = sorted(options.stall_after_bytes)
        self._received = 0

    # -- umockdev entry point -------------------------------------------------------------

    def handle_ioctl(self, _handler: object, client: Any) -> bool:
        request = client.get_request()
        arg = client.get_arg()
        try:
            with self._lock:
                result = self._dispatch(request, arg)
        except OSError as exc:
            client.complete(-1, exc.errno or errno.EIO)
            return True
        except Exception:  # never let a Python error leave libusb waiting forever
            client.complete(-1, errno.EIO)
            return True
        if result is None:
            return False
        client.complete(result, 0)
        return True

    def _dispatch(self, request: int, arg: Any) -> int | None:
        # `arg` holds the raw ioctl argument (a pointer); `resolve` maps what it points to.
        if request == fs.GET_CAPABILITIES:
            arg.resolve(0, 4).update(0, struct.pack("<I", CAPABILITIES))
            return 0
        if request == fs.GET_SPEED:
            return fs.SPEED_HIGH
        if self.gone and request not in (fs.REAPURB, fs.REAPURBNDELAY, fs.RELEASEINTERFACE):
            raise OSError(errno.ENODEV, "device gone")
        if request == fs.SUBMITURB:
            return self._submit(arg)
        if request in (fs.REAPURB, fs.REAPURBNDELAY):
            return self._reap(arg)
        if request == fs.DISCARDURB:
            return self._discard(int.from_bytes(arg.retrieve()[:8], "little"))
        if request == fs.CLAIMINTERFACE:
            return self._claim(_uint(arg))
        if request == fs.GETDRIVER:
            return self._get_driver(arg)
        if request == fs.IOCTL:
            return self._driver_ioctl(arg)
        if request == fs.CLEAR_HALT:
            self._halted.discard(_uint(arg) & 0xFF)
            return 0
        if request in (
            fs.RELEASEINTERFACE,
            fs.SETCONFIGURATION,
            fs.SETINTERFACE,
            fs.RESETEP,
            fs.RESET,
            fs.DROP_PRIVILEGES,
        ):
            return 0
        return None

    # -- interfaces and kernel drivers ---------------------------------------------------

    def _claim(self, interface: int) -> int:
        if interface == 0 and (self.options.interface_busy or self.kernel_driver):
            raise OSError(errno.EBUSY, "interface busy")
        return 0

    def _get_driver(self, arg: Any) -> int:
        request = arg.resolve(0, 260)
        (interface,) = struct.unpack_from("<I", request.retrieve())
        if interface != 0 or not self.kernel_driver:
            raise OSError(errno.ENODATA, "no driver")
        request.update(4, self.kernel_driver.encode() + b"\0")
        return 0

    def _driver_ioctl(self, arg: Any) -> int:
        interface, code = struct.unpack_from("<iI", arg.resolve(0, 16).retrieve())
        if code == fs.DISCONNECT:
            if interface != 0 or not self.kernel_driver:
                raise OSError(errno.ENODATA, "no driver")
            self.kernel_driver = None
            return 0
        if code == fs.CONNECT:
            self.kernel_driver = self.options.kernel_driver
            return 0
        raise OSError(errno.ENOTTY, "unsupported")

    # -- URBs -----------------------------------------------------------------------------

    def _submit(self, arg: Any) -> int:
        data = arg.resolve(0, fs.URB_SIZE)
        header = fs.UrbHeader.unpack(data.retrieve())
        buffer = data.resolve(fs.URB_BUFFER_OFFSET, max(header.buffer_length, 0))
        urb = _Urb(data, buffer, header)
        if header.type == fs.URB_TYPE_CONTROL:
            self._control(urb)
            self._done.append(urb)
        elif header.type == fs.URB_TYPE_BULK:
            if self.identity.interface_for_endpoint(header.endpoint) is None:
                raise OSError(errno.ENOENT, "no such endpoint")
            if not header.endpoint & 0x80:
                urb.payload = bytearray(buffer.retrieve())
            self._in_flight.append(urb)
            self._progress()
        else:
            raise OSError(errno.EINVAL, "unsupported URB type")
        return 0

    def _reap(self, arg: Any) -> int:
        self._progress()
        if not self._done:
            raise OSError(errno.ENODEV if self.gone else errno.EAGAIN, "nothing to reap")
        urb = self._done.popleft()
        self._finish(urb)
        arg.resolve(0, 8).set_ptr(0, urb.data)
        return 0

    def _discard(self, address: int) -> int:
        for urb in self._in_flight:
            if urb.data.client_addr == address:
                self._in_flight.remove(urb)
                urb.status = -errno.ENOENT
                self._done.append(urb)
                return 0
        raise OSError(errno.EINVAL, "URB not in flight")

    def _finish(self, urb: _Urb) -> None:
        urb.data.update(fs.URB_STATUS_OFFSET, struct.pack("<i", urb.status))
        urb.data.update(fs.URB_ACTUAL_LENGTH_OFFSET, struct.pack("<i", urb.moved))

    def _progress(self) -> None:
        """Move data for every in-flight bulk URB the model can serve now."""
        for urb in list(self._in_flight):
            if urb.header.endpoint in self._halted:
                continue  # queued behind a STALL until the host clears the halt or discards it
            try:
                complete = self._bulk_in(urb) if urb.header.endpoint & 0x80 else self._bulk_out(urb)
            except DeviceGone:
                self._vanish()
                return
            except Exception:
                # The model broke its contract mid-transfer: end the URB with a transfer error, as
                # a flaky device does, keeping the count of what it did take.
                urb.status = -errno.EPROTO
                complete = True
            if complete:
                self._in_flight.remove(urb)
                self._done.append(urb)

    def _vanish(self) -> None:
        self.gone = True
        for urb in self._in_flight:
            urb.status = -errno.ESHUTDOWN
            self._done.append(urb)
        self._in_flight.clear()

    def _pipe(self, endpoint: int) -> PrinterModel:
        interface = self.identity.interface_for_endpoint(endpoint)
        if interface is not None and interface.number == 1:
            status = model_status_interface(self.model)
            if status is not None:
                return status
        return self.model

    def _bulk_out(self, urb: _Urb) -> bool:
        while urb.moved < len(urb.payload):
            if self._stalls and self._received >= self._stalls[0] and urb.header.endpoint == 0x01:
                self._stalls.pop(0)
                self._halted.add(urb.header.endpoint)
                urb.status = -errno.EPIPE
                return True
            rest = bytes(urb.payload[urb.moved :])
            if self._stalls and urb.header.endpoint == 0x01:
                rest = rest[: self._stalls[0] - self._received]
            accepted = self._pipe(urb.header.endpoint).write(rest)
            if not isinstance(accepted, int) or isinstance(accepted, bool) or not 0 <= accepted <= len(rest):
                raise ValueError(f"model write() returned {accepted!r} for {len(rest)} bytes")
            if accepted <= 0:
                return False
            urb.moved += accepted
            if urb.header.endpoint == 0x01:
                self._received += accepted
        return True

    def _bulk_in(self, urb: _Urb) -> bool:
        endpoint, size = urb.header.endpoint, urb.header.buffer_length
        data = self._in_backlog.pop(endpoint, b"") or bytes(self._pipe(endpoint).read(size))
        if not data:
            return False
        # A model may hand back more than asked; umockdev aborts the whole process on a write
        # past the URB's buffer, so the rest waits for the next IN transfer instead.
        data, rest = data[:size], data[size:]
        if rest:
            self._in_backlog[endpoint] = rest
        urb.buffer.update(0, data)
        urb.moved = len(data)
        return True

    # -- control requests -----------------------------------------------------------------

    def _control(self, urb: _Urb) -> None:
        raw = urb.buffer.retrieve()
        setup = fs.SetupPacket.unpack(raw)
        try:
            answer = self._control_answer(setup, bytes(raw[fs.SETUP_SIZE :]))
        except ControlStall:
            urb.status = -errno.EPIPE
            return
        except DeviceGone:
            self._vanish()
            urb.status = -errno.ESHUTDOWN
            return
        if setup.device_to_host:
            answer = answer[: setup.length]
            urb.buffer.update(fs.SETUP_SIZE, answer)
            urb.moved = len(answer)

    def _control_answer(self, setup: fs.SetupPacket, _data: bytes) -> bytes:
        if setup.request_type == 0x80 and setup.request == GET_DESCRIPTOR:
            kind, index = setup.value >> 8, setup.value & 0xFF
            descriptor = string_descriptor(self.identity, index) if kind == STRING_DESCRIPTOR else None
            if descriptor is None:
                raise ControlStall
            return descriptor
        if setup.request_type == pc.CLASS_IN_INTERFACE and setup.request == pc.GET_DEVICE_ID:
            return self._device_id_reply()
        if setup.request_type == pc.CLASS_IN_INTERFACE and setup.request == pc.GET_PORT_STATUS:
            return bytes([model_port_status(self.model)])
        if (
            setup.request_type in (pc.CLASS_OUT_INTERFACE, pc.CLASS_OUT_OTHER)
            and setup.request == pc.SOFT_RESET
        ):
            self._soft_reset()
            return b""
        raise ControlStall

    def _device_id_reply(self) -> bytes:
        style = self.options.device_id_format
        if style == "stall":
            raise ControlStall
        getter = getattr(self.model, "device_id", None)
        text = str(getter()) if callable(getter) else ""
        if style == "blank":
            text = " " * 8
        return pc.encode_device_id(text, style)

    def _soft_reset(self) -> None:
        self.soft_resets += 1
        reset = getattr(self.model, "soft_reset", None)
        if callable(reset):
            reset()
        for urb in self._in_flight:
            urb.status = -errno.ECONNRESET
            self._done.append(urb)
        self._in_flight.clear()
        self._halted.clear()
        self._in_backlog.clear()
