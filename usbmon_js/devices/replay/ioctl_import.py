"""umockdev `.ioctl` recordings of a USB printer, turned into transcripts for replay.

`umockdev-record --ioctl /dev/bus/usb/BBB/DDD=FILE -- program` writes every URB the program
exchanged with the device, one per line, as umockdev 0.17 does:

    [indent]USBDEVFS_REAPURBNDELAY RET TYPE ENDPOINT STATUS FLAGS BUFFER_LENGTH ACTUAL_LENGTH ERRORS HEX

TYPE 2 is a control transfer (HEX starts with its 8-byte setup packet), 3 bulk; an endpoint with
bit 7 set is IN. An OUT URB's HEX holds BUFFER_LENGTH bytes, an IN URB's ACTUAL_LENGTH. Each IN
URB is indented under the URB before it and the file lists the tree depth first, which is the
order the URBs happened in. umockdev stores each distinct OUT URB only once, so a program that
sent the very same buffer twice shows it once, and such a session cannot replay byte-exact.
Recordings carry no timing: every transfer gets t=0.
"""

from __future__ import annotations

import errno
import lzma
import re
from dataclasses import dataclass, field
from pathlib import Path

from usbmon_js.devices.emu.usbdevfs import SETUP_SIZE, URB_TYPE_BULK, URB_TYPE_CONTROL, SetupPacket
from usbmon_js.devices.replay.transcript import (
    PRINT_INTERFACE,
    STATUS_INTERFACE,
    Op,
    Status,
    Transcript,
    TranscriptHeader,
    parse_hex,
    tool_name,
)
from usbmon_js.devices.replay.transcript_log import TranscriptLog
from usbmon_js.devices.usb import printer_class as pc
from usbmon_js.errors import BadInput
from usbmon_js.formats.loading import read_bytes

WHAT = "umockdev recording"
URB_IOCTLS = ("USBDEVFS_REAPURB", "USBDEVFS_REAPURBNDELAY")
FIELDS = ("RET", "TYPE", "ENDPOINT", "STATUS", "FLAGS", "BUFFER_LENGTH", "ACTUAL_LENGTH", "ERRORS")
LINE_SHAPE = "USBDEVFS_REAPURBNDELAY " + " ".join(FIELDS) + " HEX"
_INTEGER = re.compile(r"-?[0-9]+")
MAX_RECORDING_BYTES = 256 << 20  # what an .ioctl.xz may decompress to

# URB status (negative errno) -> how the transfer ended. libusb cancels a timed-out URB, which
# the kernel reports as ENOENT (or ECONNRESET).
_TIMEOUTS = {-errno.ENOENT, -errno.ECONNRESET, -errno.ETIMEDOUT}
_GONE = {-errno.ENODEV, -errno.ESHUTDOWN}


def _outcome(status: int) -> Status:
    if status == 0:
        return "ok"
    if status in _TIMEOUTS:
        return "timeout"
    if status == -errno.EPIPE:
        return "stall"
    return "gone" if status in _GONE else "error"


def _printer_request(setup: SetupPacket) -> Op | None:
    """Which printer-class request a setup packet is, if any."""
    if setup.request_type == pc.CLASS_IN_INTERFACE and setup.request == pc.GET_DEVICE_ID:
        return "device_id"
    if setup.request_type == pc.CLASS_IN_INTERFACE and setup.request == pc.GET_PORT_STATUS:
        return "port_status"
    if setup.request_type in (pc.CLASS_OUT_INTERFACE, pc.CLASS_OUT_OTHER) and setup.request == pc.SOFT_RESET:
        return "soft_reset"
    return None


def _status_text(status: int) -> str:
    name = errno.errorcode.get(-status, "unknown error")
    return f"URB status {status} ({name})"


@dataclass(frozen=True)
class Urb:
    """One reaped URB of the recording."""

    type: int
    endpoint: int
    status: int
    buffer_length: int
    actual_length: int
    buffer: bytes

    @property
    def is_in(self) -> bool:
        return bool(self.endpoint & 0x80)


def parse_urb_line(text: str, where: str) -> Urb | None:
    """One line's URB; None for lines that are no reaped URB. `where` is `file:line` for errors."""
    tokens = text.split()
    name = tokens[0].split("(")[0]
    if name not in URB_IOCTLS:
        if name.startswith("USBDEVFS_"):
            return None  # claim/release, connect info and the like carry no printer data
        raise BadInput(
            f"{where}: {tokens[0]!r} is not a usbdevfs ioctl; only recordings of a USB device "
            "(umockdev-record --ioctl /dev/bus/usb/BBB/DDD=FILE) can be replayed."
        )
    if len(tokens) < 1 + len(FIELDS):
        raise BadInput(
            f"{where}: {name} has {len(tokens) - 1} of its {len(FIELDS)} numbers; expected {LINE_SHAPE}."
        )
    numbers: list[int] = []
    for label, token in zip(FIELDS, tokens[1 : 1 + len(FIELDS)], strict=True):
        if not _INTEGER.fullmatch(token):  # str.isdigit() also takes "²", which int() refuses
            raise BadInput(f"{where}: {label} is {token!r}, not a number; expected {LINE_SHAPE}.")
        numbers.append(int(token))
    ret, urb_type, endpoint, status, _flags, buffer_length, actual_length, _errors = numbers
    try:
        buffer = parse_hex("".join(tokens[1 + len(FIELDS) :]))
    except ValueError as exc:
        raise BadInput(f"{where}: the URB's HEX data is not hex: {exc}.") from None
    if ret != 0:
        return None  # nothing was reaped
    if not 0 <= actual_length <= buffer_length:
        raise BadInput(
            f"{where}: ACTUAL_LENGTH {actual_length} is outside 0..BUFFER_LENGTH ({buffer_length})."
        )
    urb = Urb(urb_type, endpoint, status, buffer_length, actual_length, buffer)
    setup = SETUP_SIZE if urb_type == URB_TYPE_CONTROL else 0
    if len(buffer) < setup:
        raise BadInput(f"{where}: a control URB's HEX must start with the 8-byte setup packet.")
    if len(buffer) - setup < actual_length:
        after = " after the setup packet" if setup else ""
        raise BadInput(
            f"{where}: the URB moved {actual_length} bytes (ACTUAL_LENGTH) but its HEX holds only "
            f"{len(buffer) - setup} bytes{after}."
        )
    return urb


@dataclass
class _Importer:
    """Turns URBs, in recorded order, into transfers of the two replay interfaces."""

    source: str
    log: TranscriptLog = field(default_factory=TranscriptLog)
    first_endpoint: dict[bool, int] = field(default_factory=dict)
    device_id: str | None = None
    port_status: int | None = None
    sent_any: bool = False

    def interface(self, endpoint: int) -> int:
        """The first bulk OUT and first bulk IN endpoint are the print interface; others the status one."""
        first = self.first_endpoint.setdefault(bool(endpoint & 0x80), endpoint)
        return PRINT_INTERFACE if first == endpoint else STATUS_INTERFACE

    def add(self, urb: Urb) -> None:
        if urb.type == URB_TYPE_BULK:
            self.bulk(urb)
        elif urb.type == URB_TYPE_CONTROL:
            self.control(urb)

    def bulk(self, urb: Urb) -> None:
        interface, outcome = self.interface(urb.endpoint), _outcome(urb.status)
        moved = urb.buffer[: urb.actual_length]
        failure = {"status": outcome, "message": _status_text(urb.status)}
        if urb.is_in:
            if moved:  # a timed-out read may still have brought part of its data
                self.log.add(interface, "read", data=moved)
            if outcome in ("gone", "error"):
                self.log.add(interface, "read", **failure)
            return
        self.sent_any = self.sent_any or bool(moved)
        if outcome in ("gone", "error"):
            if moved:  # what went out before the failure, then the failure
                self.log.add(interface, "write", offered=urb.buffer_length, data=moved)
            self.log.add(interface, "write", offered=urb.buffer_length - len(moved), **failure)
        elif urb.buffer_length:  # zero-length packets carry nothing to replay
            status = "refused" if outcome == "ok" and not moved else outcome
            self.log.add(interface, "write", status=status, offered=urb.buffer_length, data=moved)

    def control(self, urb: Urb) -> None:
        setup = SetupPacket.unpack(urb.buffer[:SETUP_SIZE])
        op = _printer_request(setup)
        outcome = _outcome(urb.status)
        if op is None or outcome not in ("ok", "gone"):
            return  # standard requests (descriptors, configuration) and failed ones
        if outcome == "gone":
            self.log.add(PRINT_INTERFACE, op, status="gone", message=_status_text(urb.status))
            return
        answer = urb.buffer[SETUP_SIZE : SETUP_SIZE + urb.actual_length]
        if op == "device_id":
            text = pc.parse_device_id_reply(answer).text
            self.device_id = text if self.device_id is None else self.device_id
            self.log.add(PRINT_INTERFACE, op, text=text)
        elif op == "port_status" and answer:
            if self.port_status is None and not self.sent_any:
                self.port_status = answer[0]
            self.log.add(PRINT_INTERFACE, op, data=answer[:1])
        elif op == "soft_reset":
            self.log.add(PRINT_INTERFACE, op)

    def transcript(self, device: str | None) -> Transcript:
        transfers = self.log.snapshot()
        if not transfers:
            raise BadInput(
                f"{WHAT} {self.source} holds no bulk or printer-class transfers, so there is nothing to "
                "replay; record the program that prints (umockdev-record --ioctl DEV=FILE -- program)."
            )
        header = TranscriptHeader(
            spec=f"umockdev:{device or self.source}",
            transport="pyusb",
            device_id=self.device_id,
            port_status=self.port_status,
            status_interface=any(transfer.interface == STATUS_INTERFACE for transfer in transfers),
            tool=f"umockdev-record, imported by {tool_name()}",
        )
        return Transcript(header=header, transfers=transfers)


def parse_ioctl_recording(text: str, source: str) -> Transcript:
    """A `.ioctl` recording's text as a transcript; every problem is a BadInput naming `source:line`."""
    importer = _Importer(source)
    device: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        if line.startswith("@"):
            device = _device_line(line, f"{source}:{number}") or device
            continue
        urb = parse_urb_line(line, f"{source}:{number}")
        if urb is not None:
            importer.add(urb)
    return importer.transcript(device)


def _device_line(line: str, where: str) -> str | None:
    """`@DEV /dev/bus/usb/001/002`: the recorded device node (SPI recordings say `(SPI)`)."""
    key, _, rest = line.partition(" ")
    if key != "@DEV":
        return None
    if rest.rstrip().endswith("(SPI)"):
        raise BadInput(f"{where}: this is a recording of an SPI device, not of a USB printer.")
    return rest.strip() or None


def load_ioctl_recording(path: Path) -> Transcript:
    """A `.ioctl` file (or `.ioctl.xz`, as umockdev suggests for large ones) as a transcript."""
    path = Path(path)
    raw = read_bytes(path, WHAT)
    if path.suffix.lower() == ".xz":
        raw = _unxz(raw, path)
    try:
        text = raw.decode("ascii")
    except UnicodeDecodeError as exc:
        raise BadInput(
            f"{WHAT} {path} is not a text recording (non-ASCII byte at offset {exc.start}); "
            "give the file umockdev-record --ioctl wrote."
        ) from None
    return parse_ioctl_recording(text, str(path))


def _unxz(raw: bytes, path: Path) -> bytes:
    """`lzma.decompress`, but refusing output past MAX_RECORDING_BYTES: a few KiB of xz can
    expand to gigabytes, and a recording is untrusted input."""
    out = bytearray()
    while True:
        decompressor = lzma.LZMADecompressor()
        try:
            out += decompressor.decompress(raw, max_length=MAX_RECORDING_BYTES + 1 - len(out))
        except lzma.LZMAError as exc:
            if out:
                break  # trailing data that is no xz stream is ignored, as lzma.decompress does
            raise BadInput(f"{WHAT} {path} is not valid xz data: {exc}.") from None
        if len(out) > MAX_RECORDING_BYTES:
            raise BadInput(
                f"{WHAT} {path} decompresses to more than {MAX_RECORDING_BYTES >> 20} MiB, far more than "
                "any recording of a print job; it is not replayed."
            )
        if not decompressor.eof:
            raise BadInput(f"{WHAT} {path} is not valid xz data: it ends before the end of its stream.")
        raw = decompressor.unused_data
        if not raw:
            return bytes(out)
    return bytes(out)
