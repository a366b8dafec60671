"""A USB printer-class device as a device model: the host's real transport, over pyusb/libusb.

The same class drives real printers and `emu:` printers (which umockdev publishes as real
usbdevfs devices), so the emulated tests exercise exactly the code vendors run on hardware.
Every transfer has a bounded timeout; counts stay exact on timeout, stall and unplug.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import threading
import time
from dataclasses import dataclass

import usb.core
import usb.util

from usbmon_js.devices.model import DEFAULT_PORT_STATUS, DeviceGone
from usbmon_js.devices.usb import libusb
from usbmon_js.devices.usb import printer_class as pc
from usbmon_js.devices.usb.discovery import PrinterInterface, printer_interfaces, read_string
from usbmon_js.devices.usb.quirks import Quirks
from usbmon_js.errors import DeviceError, DeviceUnavailable

UDEV_HINT = (
    "give your user access to USB printers, e.g. a udev rule "
    "/etc/udev/rules.d/60-usbmon-js.rules containing "
    'SUBSYSTEM=="usb", ENV{ID_USB_INTERFACES}=="*:0701*:*", MODE="0660", GROUP="lp" '
    "and membership of group lp (or run as root)"
)


@dataclass(frozen=True)
class UsbTimeouts:
    """Per-transfer bounds. The channel above retries writes until its 10 s write timeout."""

    write_attempt_ms: int = 250
    read_attempt_ms: int = 10
    control_ms: int = 5000


class ControlStalled(DeviceError):
    """The device answered a class or standard control request with STALL."""


class UsbPipe:
    """The bulk OUT/IN endpoints of one interface: exact counts, one stall recovery, unplug detection."""

    def __init__(
        self, printer: UsbPrinter, interface: PrinterInterface, unidirectional: bool = False
    ) -> None:
        self.printer = printer
        self.interface = interface
        self.unidirectional = unidirectional or interface.in_endpoint is None
        self._deferred: DeviceError | DeviceGone | None = None  # a fault met after bytes got through

    def write(self, data: bytes) -> int:
        if self._deferred is not None:
            failure = self._deferred
            if not isinstance(failure, DeviceGone):
                self._deferred = None  # a stall is reported once; an unplugged device stays gone
            raise type(failure)(*failure.args)
        if self.interface.out_endpoint is None:
            raise DeviceError(f"interface {self.interface.number} has no bulk OUT endpoint")
        delay = self.printer.quirks.send_delay_ms
        if delay:
            time.sleep(delay / 1000)
        buffer = (ctypes.c_ubyte * len(data)).from_buffer_copy(data)
        result = self._transfer(self.interface.out_endpoint, buffer, self.printer.timeouts.write_attempt_ms)
        if result.code == libusb.ERROR_PIPE:
            # A stalled OUT endpoint: clear the halt and resend what did not get through, once.
            try:
                self.printer.clear_halt(self.interface.out_endpoint)
            except (DeviceError, DeviceGone) as exc:
                return self._defer(exc, result.transferred)
            rest = (ctypes.c_ubyte * (len(data) - result.transferred)).from_buffer_copy(
                data[result.transferred :]
            )
            again = self._transfer(self.interface.out_endpoint, rest, self.printer.timeouts.write_attempt_ms)
            through = result.transferred + again.transferred
            if again.code == libusb.ERROR_PIPE:
                stalled = DeviceError(
                    f"bulk OUT endpoint 0x{self.interface.out_endpoint:02x} stalled again after a "
                    f"clear-halt ({through} bytes of this write got through)"
                )
                return self._defer(stalled, through)
            result = libusb.TransferResult(through, again.code)
        return self._count(result, "write")

    def _defer(self, failure: DeviceError | DeviceGone, through: int) -> int:
        """Count the bytes that reached the device now and raise `failure` on the next write.

        Raising at once would lose them from `bytes_to_device`, which must be exactly what the
        device received; with nothing through there is nothing to lose.
        """
        if not through:
            raise failure
        self._deferred = failure
        return through

    def read(self, size: int) -> bytes:
        if self.unidirectional or self.interface.in_endpoint is None or size <= 0:
            return b""
        packet = max(self.interface.max_packet, 1)
        # Always a whole number of packets: a short buffer would overflow on a full packet.
        buffer = (ctypes.c_ubyte * (-(-size // packet) * packet))()
        result = self._transfer(self.interface.in_endpoint, buffer, self.printer.timeouts.read_attempt_ms)
        if result.code == libusb.ERROR_PIPE:
            self.printer.clear_halt(self.interface.in_endpoint)
            return b""
        count = self._count(result, "read")
        return bytes(buffer[:count])

    def _transfer(self, endpoint: int, buffer: ctypes.Array, timeout_ms: int) -> libusb.TransferResult:
        with self.printer.io_lock:
            return libusb.bulk_transfer(self.printer.device, endpoint, buffer, timeout_ms)

    def _count(self, result: libusb.TransferResult, what: str) -> int:
        if result.code in (libusb.SUCCESS, libusb.ERROR_TIMEOUT):
            return result.transferred
        if result.code == libusb.ERROR_NO_DEVICE:
            return self._defer(DeviceGone(f"{self.printer.label} disconnected"), result.transferred)
        if result.transferred:
            # Count what got through now; the next transfer meets the fault again and reports it.
            return result.transferred
        raise DeviceError(
            f"bulk {what} on interface {self.interface.number} failed: {libusb.error_name(result.code)} "
            f"({result.transferred} bytes transferred)"
        )


class UsbPrinter:
    """An opened USB printer: claimed print interface, class requests, quirks, clean release."""

    def __init__(
        self,
        device: usb.core.Device,
        quirks: Quirks,
        label: str,
        timeouts: UsbTimeouts | None = None,
    ) -> None:
        self.device = device
        self.quirks = quirks
        self.label = label
        self.timeouts = timeouts or UsbTimeouts()
        self.io_lock = threading.RLock()
        interfaces = [i for i in printer_interfaces(device, quirks.vendor_class) if i.printable]
        if not interfaces:
            raise DeviceUnavailable(f"{label} has no printer-class interface with a bulk OUT endpoint")
        self.interfaces = interfaces
        self.print_interface = interfaces[0]
        self._detached: list[int] = []
        self._claimed: list[int] = []
        self._status_pipe: UsbPipe | None = None
        self.device_id_quirks: tuple[str, ...] = ()
        self.status_interface_number: int | None = None  # from the manifest's BidiUSBStatusInterface
        self._claim(self.print_interface)
        self.pipe = UsbPipe(self, self.print_interface, quirks.unidirectional)

    def apply_quirks(self, quirks: Quirks) -> None:
        """Quirks matched once the device ID (and so the model name) is known."""
        self.quirks = quirks
        self.pipe.unidirectional = quirks.unidirectional or self.print_interface.in_endpoint is None

    # -- device model interface -------------------------------------------------------------

    def write(self, data: bytes) -> int:
        return self.pipe.write(data)

    def read(self, size: int) -> bytes:
        return self.pipe.read(size)

    def device_id(self) -> str:
        """GET_DEVICE_ID, decoded defensively; built from string descriptors when there is none."""
        setup = self.print_interface.number << 8 | self.print_interface.alternate
        try:
            reply = bytes(
                self._control(pc.CLASS_IN_INTERFACE, pc.GET_DEVICE_ID, 0, setup, pc.DEVICE_ID_BUFFER)
            )
        except ControlStalled:
            reply, quirks = b"", ("GET_DEVICE_ID stalled",)
        else:
            parsed = pc.parse_device_id_reply(reply)
            reply, quirks = parsed.text.encode("latin-1"), parsed.quirks
        text = reply.decode("latin-1")
        if not text:
            text = pc.device_id_from_strings(
                read_string(self.device, self.device.iManufacturer),
                read_string(self.device, self.device.iProduct),
                read_string(self.device, self.device.iSerialNumber),
            )
            quirks = (*quirks, "device ID built from string descriptors")
        self.device_id_quirks = quirks
        return text

    def port_status(self) -> int:
        """GET_PORT_STATUS; a printer that stalls it is reported with the idle default."""
        try:
            number = self.print_interface.number
            reply = self._control(pc.CLASS_IN_INTERFACE, pc.GET_PORT_STATUS, 0, number, 1)
        except ControlStalled:
            return DEFAULT_PORT_STATUS
        return reply[0] if len(reply) else DEFAULT_PORT_STATUS

    def soft_reset(self) -> None:
        """SOFT_RESET as CUPS sends it: recipient "other" (1.0 spec) first, then "interface"."""
        number = self.print_interface.number
        try:
            self._control(pc.CLASS_OUT_OTHER, pc.SOFT_RESET, 0, number, None)
        except ControlStalled:
            self._control(pc.CLASS_OUT_INTERFACE, pc.SOFT_RESET, 0, number, None)

    def status_interface(self) -> UsbPipe | None:
        """The status interface, claimed on first use.

        The one the manifest names (`&MI_xx`, set as `status_interface_number`), else the second
        printer/vendor interface that has bulk IN and OUT.
        """
        if self._status_pipe is None:
            candidates = [
                i
                for i in self.interfaces[1:]
                if i.in_endpoint is not None
                and i.out_endpoint is not None
                and self.status_interface_number in (None, i.number)
            ]
            if not candidates:
                return None
            self._claim(candidates[0])
            self._status_pipe = UsbPipe(self, candidates[0])
        return self._status_pipe

    def end_job(self) -> None:
        if self.quirks.soft_reset_after_job:
            self.soft_reset()

    # -- opening and closing ----------------------------------------------------------------

    def clear_halt(self, endpoint: int) -> None:
        with self.io_lock:
            try:
                self.device.clear_halt(endpoint)
            except usb.core.USBError as exc:
                raise self._usb_failure(exc, f"clear-halt on endpoint 0x{endpoint:02x}") from None

    def close(self) -> None:
        """Release interfaces and give the kernel driver back (unless the no_reattach quirk says not to)."""
        if self.quirks.delay_close_ms:
            time.sleep(self.quirks.delay_close_ms / 1000)
        with self.io_lock:
            for number in self._claimed:
                with contextlib.suppress(usb.core.USBError):  # unplugged: nothing left to release
                    usb.util.release_interface(self.device, number)
            if not self.quirks.no_reattach:
                for number in self._detached:
                    with contextlib.suppress(usb.core.USBError):
                        self.device.attach_kernel_driver(number)
            usb.util.dispose_resources(self.device)
            self._claimed.clear()
            self._detached.clear()

    def _claim(self, interface: PrinterInterface) -> None:
        number = interface.number
        try:
            if self.device.is_kernel_driver_active(number):
                self.device.detach_kernel_driver(number)
                self._detached.append(number)
        except NotImplementedError:
            pass  # the platform has no kernel drivers to detach
        except usb.core.USBError as exc:
            raise self._open_failure(exc, f"detaching the kernel driver from interface {number}") from None
        try:
            self._ensure_configured()
            usb.util.claim_interface(self.device, number)
            if interface.alternate:
                self.device.set_interface_altsetting(number, interface.alternate)
        except usb.core.USBError as exc:
            raise self._open_failure(exc, f"claiming interface {number}") from None
        self._claimed.append(number)

    def _ensure_configured(self) -> None:
        """SET_CONFIGURATION only when the device is unconfigured: it resets some printers."""
        try:
            self.device.get_active_configuration()
        except usb.core.USBError:
            self.device.set_configuration()

    def _control(self, request_type: int, request: int, value: int, index: int, length: int | None):
        with self.io_lock:
            try:
                return self.device.ctrl_transfer(
                    request_type, request, value, index, length, timeout=self.timeouts.control_ms
                )
            except usb.core.USBError as exc:
                what = f"control request 0x{request_type:02x}/{request}"
                if exc.backend_error_code == libusb.ERROR_PIPE:
                    raise ControlStalled(f"{self.label}: {what} stalled") from None
                raise self._usb_failure(exc, what) from None

    def _open_failure(self, exc: usb.core.USBError, doing: str) -> DeviceUnavailable:
        if exc.errno == errno.EBUSY or exc.backend_error_code == libusb.ERROR_BUSY:
            return DeviceUnavailable(
                f"{self.label} is busy: {doing} failed because another program or kernel driver holds it "
                "(CUPS' usb backend, ipp-usb, or the usblp driver when it cannot be detached). Stop that "
                "program (e.g. `systemctl stop cups ipp-usb`) or unbind usblp "
                "(`echo -n BUS-PORT:1.0 > /sys/bus/usb/drivers/usblp/unbind`), then retry"
            )
        if exc.errno == errno.EACCES or exc.backend_error_code == libusb.ERROR_ACCESS:
            return DeviceUnavailable(f"{self.label}: permission denied while {doing}; {UDEV_HINT}")
        if exc.backend_error_code == libusb.ERROR_NO_DEVICE:
            return DeviceUnavailable(f"{self.label} disappeared while {doing}")
        return DeviceUnavailable(f"{self.label}: {doing} failed: {exc}")

    def _usb_failure(self, exc: usb.core.USBError, doing: str) -> Exception:
        if exc.backend_error_code == libusb.ERROR_NO_DEVICE:
            return DeviceGone(f"{self.label} disconnected")
        return DeviceError(f"{self.label}: {doing} failed: {exc}")
