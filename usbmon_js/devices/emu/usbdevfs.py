"""Linux usbdevfs ioctl numbers and the `struct usbdevfs_urb` layout (x86-64 / LP64).

libusb talks to a USB device through these ioctls on /dev/bus/usb/BBB/DDD; the emulator answers
the same ones, so the real libusb code path runs unchanged.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass


def _ioc(direction: int, number: int, size: int) -> int:
    return (direction << 30) | (size << 16) | (ord("U") << 8) | number


_NONE, _WRITE, _READ = 0, 1, 2  # Linux _IOC direction bits: _IOW is "write to the kernel"

CONTROL = _ioc(_READ | _WRITE, 0, 24)
RESETEP = _ioc(_READ, 3, 4)
SETINTERFACE = _ioc(_READ, 4, 8)
SETCONFIGURATION = _ioc(_READ, 5, 4)
GETDRIVER = _ioc(_WRITE, 8, 260)
SUBMITURB = _ioc(_READ, 10, 56)
DISCARDURB = _ioc(_NONE, 11, 0)
REAPURB = _ioc(_WRITE, 12, 8)
REAPURBNDELAY = _ioc(_WRITE, 13, 8)
CLAIMINTERFACE = _ioc(_READ, 15, 4)
RELEASEINTERFACE = _ioc(_READ, 16, 4)
CONNECTINFO = _ioc(_WRITE, 17, 8)
IOCTL = _ioc(_READ | _WRITE, 18, 16)
RESET = _ioc(_NONE, 20, 0)
CLEAR_HALT = _ioc(_READ, 21, 4)
DISCONNECT = _ioc(_NONE, 22, 0)
CONNECT = _ioc(_NONE, 23, 0)
GET_CAPABILITIES = _ioc(_READ, 26, 4)
DISCONNECT_CLAIM = _ioc(_READ, 27, 264)
DROP_PRIVILEGES = _ioc(_WRITE, 30, 4)
GET_SPEED = _ioc(_NONE, 31, 0)

CAP_ZERO_PACKET = 0x01
CAP_BULK_CONTINUATION = 0x02
CAP_NO_PACKET_SIZE_LIM = 0x04
CAP_REAP_AFTER_DISCONNECT = 0x10

URB_TYPE_CONTROL = 2
URB_TYPE_BULK = 3
URB_SIZE = 56
URB_STATUS_OFFSET = 4
URB_BUFFER_OFFSET = 16
URB_ACTUAL_LENGTH_OFFSET = 28
SETUP_SIZE = 8

SPEED_HIGH = 3


@dataclass(frozen=True)
class UrbHeader:
    type: int
    endpoint: int
    buffer_length: int

    @classmethod
    def unpack(cls, raw: bytes) -> UrbHeader:
        urb_type, endpoint = raw[0], raw[1]
        (buffer_length,) = struct.unpack_from("<i", raw, 24)
        return cls(urb_type, endpoint, buffer_length)


@dataclass(frozen=True)
class SetupPacket:
    request_type: int
    request: int
    value: int
    index: int
    length: int

    @classmethod
    def unpack(cls, raw: bytes) -> SetupPacket:
        return cls(*struct.unpack_from("<BBHHH", raw, 0))

    @property
    def device_to_host(self) -> bool:
        return bool(self.request_type & 0x80)
