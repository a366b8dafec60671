"""The device-behaviour matrix: one printer, several ways of being difficult.

Each scenario is the vendor's own printer (its fixture's identity and replies, so the script's
protocol queries are still answered) with one flow-control behaviour layered on: partial
transfers, busy periods, a slow input buffer, a long stall that makes `Write` come back short,
a disconnect half-way, unsolicited status chatter, a spooler-side cancel. Everything runs in
virtual time, so a 30 s stall costs nothing.

Thresholds scale with the job, so the behaviour always lands mid-job whatever the job size.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from usbmon_js.devices.sim.fixture import BusyPeriod, DeviceFixture, UnsolicitedData

Expectation = Literal["completed", "failed", "aborted", "cancelled"]

CONFORMANCE_BUFFER_SIZE = 4096  # small WritePort buffers: pages straddle buffers
SLOW_BYTES_PER_SECOND = 4096.0
SLOW_BUFFER_BYTES = 2048
PARTIAL_MAX_WRITE = 61  # odd and small: transfers end mid-page, mid-command
STALL_SECONDS = 30.0  # longer than the 10 s write timeout: Write comes back short
# The scenarios in which the printer only changes how it takes data: the job must print exactly
# as on the fast printer there.
FLOW_CONTROL = ("fast", "partial", "busy", "slow", "stall")
# ... and those in which the job must still complete: with unsolicited status as well, the job's
# data must arrive whole and its pages be counted the same, but a driver that reads the printer's
# replies may rightly send other queries.
MUST_COMPLETE = (*FLOW_CONTROL, "chatter")
CHATTER = (
    b'@PJL USTATUS DEVICE\r\nCODE=10023\r\nDISPLAY="Printing"\r\nONLINE=TRUE\r\n\x0c',
    b"\x1b\x52\x40\x00\x00\x03\x01\x00\x00\xb1",  # a binary status frame, as other protocols send
    b"@PJL USTATUS TIMED\r\nCODE=10001\r\n\x0c",
)


@dataclass(frozen=True)
class Scenario:
    name: str
    title: str
    fixture: DeviceFixture
    expect: Expectation = "completed"
    cancel_after_s: float | None = None


def quiet(base: DeviceFixture) -> DeviceFixture:
    """The base printer with every flow-control behaviour removed (it takes everything at once)."""
    return base.model_copy(
        update={
            "max_write": None,
            "bytes_per_second": None,
            "busy": [],
            "disconnect_after_bytes": None,
            "port_status_changes": [],
        }
    )


def silent(base: DeviceFixture) -> DeviceFixture:
    """The base printer that never answers anything (no replies, no unsolicited data)."""
    status = base.status_interface
    if status is not None:
        status = status.model_copy(update={"replies": [], "unsolicited": []})
    return quiet(base).model_copy(
        update={"name": "Silent printer", "replies": [], "unsolicited": [], "status_interface": status}
    )


def device_matrix(base: DeviceFixture, job_size: int) -> list[Scenario]:
    """The built-in scenarios for a job of `job_size` bytes on printers like `base`."""
    fast = quiet(base)
    quarter, half, third = max(job_size // 4, 1), max(job_size // 2, 1), max(job_size // 3, 1)
    slow = fast.model_copy(
        update={"bytes_per_second": SLOW_BYTES_PER_SECOND, "buffer_bytes": SLOW_BUFFER_BYTES}
    )
    slow_duration = job_size / SLOW_BYTES_PER_SECOND
    return [
        Scenario("fast", "takes everything at once", fast),
        Scenario(
            "partial",
            f"accepts at most {PARTIAL_MAX_WRITE} bytes per USB transfer",
            fast.model_copy(update={"max_write": PARTIAL_MAX_WRITE}),
        ),
        Scenario(
            "busy",
            "refuses data at times (50 transfers at 1/4 of the job, 3 s at 1/2)",
            fast.model_copy(
                update={
                    "busy": [
                        BusyPeriod(after_bytes=quarter, writes=50),
                        BusyPeriod(after_bytes=half, seconds=3.0),
                    ]
                }
            ),
        ),
        Scenario(
            "slow",
            f"works through {SLOW_BYTES_PER_SECOND:g} bytes/s with a {SLOW_BUFFER_BYTES}-byte input buffer",
            slow,
        ),
        Scenario(
            "stall",
            f"stops for {STALL_SECONDS:g} s at 1/3 of the job and 12 s at 2/3 (Write comes back short)",
            fast.model_copy(
                update={
                    "busy": [
                        BusyPeriod(after_bytes=third, seconds=STALL_SECONDS),
                        BusyPeriod(after_bytes=2 * third, seconds=12.0),
                    ]
                }
            ),
        ),
        Scenario(
            "chatter",
            "sends unsolicited status at 1/4, 1/2 and 3/4 of the job",
            fast.model_copy(
                update={
                    "unsolicited": [
                        *fast.unsolicited,
                        *(
                            UnsolicitedData(after_bytes=max(job_size * k // 4, 1), data=data)
                            for k, data in zip((1, 2, 3), CHATTER, strict=True)
                        ),
                    ]
                }
            ),
        ),
        Scenario(
            "disconnect",
            "is unplugged half-way through the job",
            fast.model_copy(update={"disconnect_after_bytes": half}),
            expect="failed",
        ),
        Scenario(
            "cancel",
            "slow printer; the spooler cancels the job a third of the way through",
            slow,
            expect="cancelled",
            cancel_after_s=round(max(slow_duration / 3, 0.05), 3),
        ),
    ]


def conformance_job(pages: int = 6, lines_per_page: int = 40) -> bytes:
    """A small deterministic PJL/PCL job in the layout of fixtures/jobs (pages end with FF).

    About 12 KiB: several WritePort buffers of 4 KiB with pages straddling them, and pages
    that page-aware drivers (manual duplex) can find by their form feeds.
    """
    header = b'\x1b%-12345X@PJL JOB NAME="usbmon-js conform"\r\n@PJL ENTER LANGUAGE=PCL\r\n\x1bE\x1b&l0O'
    body = bytearray(header)
    for page in range(1, pages + 1):
        for line in range(1, lines_per_page + 1):
            body += f"conformance page {page:02d} line {line:03d} - the quick brown fox\r\n".encode()
        body += b"\x0c"
    body += b"\x1bE\x1b%-12345X@PJL EOJ\r\n\x1b%-12345X"
    return bytes(body)
