"""ReplayMismatch: a replayed script sent something other than the recording, shown as a byte diff.

The message is what a developer reads in the job report, so it says where (interface, stream
offset, which recorded transfer) and shows both byte streams as hex and ASCII around the spot.
"""

from __future__ import annotations

from dataclasses import dataclass

from usbmon_js.devices.replay.transcript import INTERFACE_NAMES
from usbmon_js.errors import DeviceError

WINDOW = 16  # bytes shown per line
CONTEXT = 8  # bytes shown before the first difference


class ReplayMismatch(DeviceError):
    """A replayed job diverged from its recording (a DeviceError, so it fails the job)."""

    def __init__(self, message: str, *, interface: int, offset: int) -> None:
        super().__init__(message)
        self.interface = interface
        self.offset = offset


@dataclass(frozen=True)
class RecordedSpot:
    """Where in the transcript a stream offset was recorded, for the reader to look it up."""

    index: int
    t: float

    def __str__(self) -> str:
        return f"recorded transfers[{self.index}], t={self.t:g} s"


def dump_line(label: str, offset: int, data: bytes) -> str:
    """`  label @offset: hex bytes  |ascii|`, with non-printable bytes shown as dots."""
    hexes = " ".join(f"{byte:02x}" for byte in data)
    text = "".join(chr(byte) if 0x20 <= byte < 0x7F else "." for byte in data)
    return f"  {label:<8} @{offset}: {hexes:<{WINDOW * 3 - 1}}  |{text}|"


def content_mismatch(
    interface: int, stream: bytes, written: bytes, position: int, spot: RecordedSpot
) -> ReplayMismatch:
    """The script wrote `written` at `position` where the recorded OUT stream is `stream`."""
    differs = position + next(
        index
        for index, (want, got) in enumerate(zip(stream[position:], written, strict=False))
        if want != got
    )
    start = max(differs - CONTEXT, 0)
    # Bytes before `position` were matched by earlier writes: show them from the recording.
    actual = written[start - position :] if start >= position else stream[start:position] + written
    expected_line = dump_line("expected", start, stream[start : start + WINDOW])
    actual_line = dump_line("actual", start, actual[:WINDOW])
    marker = " " * (actual_line.index(": ") + 2 + 3 * (differs - start)) + "^^"
    return ReplayMismatch(
        "\n".join(
            [
                f"replay mismatch on the {INTERFACE_NAMES[interface]} at OUT byte {differs}: the script "
                f"sent 0x{written[differs - position]:02x} where the recording has 0x{stream[differs]:02x} "
                f"({spot})",
                expected_line,
                actual_line,
                marker,
            ]
        ),
        interface=interface,
        offset=differs,
    )


def overrun(interface: int, recorded: int, written: bytes, last: RecordedSpot | None) -> ReplayMismatch:
    """The script wrote past the end of what was recorded on this interface."""
    after = f" (the last recorded write is {last})" if last else ""
    return ReplayMismatch(
        "\n".join(
            [
                f"replay mismatch on the {INTERFACE_NAMES[interface]}: the script sent more than was "
                f"recorded; the recording ends at OUT byte {recorded}{after}, and the script offered "
                f"{len(written)} more bytes:",
                dump_line("extra", recorded, written[:WINDOW]),
            ]
        ),
        interface=interface,
        offset=recorded,
    )


def underrun(interface: int, stream: bytes, position: int, end: int, spot: RecordedSpot) -> ReplayMismatch:
    """The job ended at `position` while the recording went on to `end`."""
    return ReplayMismatch(
        "\n".join(
            [
                f"replay mismatch on the {INTERFACE_NAMES[interface]}: the job ended after sending "
                f"{position} bytes, but the recorded job sent {end} ({end - position} bytes never sent); "
                f"the next expected bytes ({spot}):",
                dump_line("expected", position, stream[position : min(position + WINDOW, end)]),
            ]
        ),
        interface=interface,
        offset=position,
    )


def already_diverged(first: ReplayMismatch) -> ReplayMismatch:
    """Every later call after a mismatch: short, pointing back at the first difference."""
    return ReplayMismatch(
        f"the replay already diverged from the recording on the {INTERFACE_NAMES[first.interface]} "
        f"at OUT byte {first.offset} (see the first replay mismatch); nothing after it can be compared",
        interface=first.interface,
        offset=first.offset,
    )
