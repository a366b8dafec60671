"""What `usbmon-js devices` reports about each USB printer: identity, interfaces, 1284 ID, status.

Listing never claims an interface or detaches a kernel driver: a printer busy printing for
CUPS must not be disturbed by someone looking. What cannot be read (no permission, an
interface held by usblp) is reported per device instead of failing the listing.
"""

from __future__ import annotations

import errno

import usb.core
from pydantic import BaseModel, Field

from usbmon_js.devices.device_id import parse_device_id
from usbmon_js.devices.usb.discovery import printer_interfaces, read_string
from usbmon_js.devices.usb.printer_class import (
    CLASS_IN_INTERFACE,
    DEVICE_ID_BUFFER,
    GET_DEVICE_ID,
    GET_PORT_STATUS,
    PortStatus,
    parse_device_id_reply,
)
from usbmon_js.devices.usb.quirks import QuirkTable

CONTROL_TIMEOUT_MS = 2000


class InterfaceListing(BaseModel):
    number: int
    alternate: int
    interface_class: int = Field(serialization_alias="class")
    protocol: int
    protocol_name: str
    out_endpoint: int | None
    in_endpoint: int | None
    max_packet: int
    kernel_driver_active: bool | None = None


class PortStatusListing(BaseModel):
    raw: int
    paper_empty: bool
    selected: bool
    error: bool
    vendor_bits: int
    text: str


class PrinterListing(BaseModel):
    """One printer-class device as `devices --json` prints it."""

    spec: str = Field(description="The --device spec that selects this printer.")
    vendor_id: str
    product_id: str
    bus: int
    address: int
    manufacturer: str | None
    product: str | None
    serial: str | None
    interfaces: list[InterfaceListing]
    device_id: str | None
    device_id_fields: dict[str, str] = Field(default_factory=dict)
    device_id_quirks: list[str] = Field(default_factory=list)
    port_status: PortStatusListing | None = None
    quirks: list[str] = Field(default_factory=list, description="Quirks that apply to this device.")
    problems: list[str] = Field(default_factory=list, description="What could not be read, and why.")


def describe_printer(device: usb.core.Device, quirk_table: QuirkTable) -> PrinterListing:
    problems: list[str] = []
    quirks, _ = quirk_table.for_device(device.idVendor, device.idProduct)
    interfaces = printer_interfaces(device, quirks.vendor_class)
    listing = PrinterListing(
        spec=_spec(device),
        vendor_id=f"{device.idVendor:04x}",
        product_id=f"{device.idProduct:04x}",
        bus=device.bus,
        address=device.address,
        manufacturer=read_string(device, device.iManufacturer),
        product=read_string(device, device.iProduct),
        serial=read_string(device, device.iSerialNumber),
        interfaces=[
            InterfaceListing(
                **{k: v for k, v in i.as_dict().items() if k != "class"},
                interface_class=i.interface_class,
                kernel_driver_active=_kernel_driver(device, i.number),
            )
            for i in interfaces
        ],
        device_id=None,
        quirks=quirks.active(),
    )
    if interfaces:
        first = interfaces[0]
        setup = first.number << 8 | first.alternate
        reply = _class_request(device, GET_DEVICE_ID, setup, DEVICE_ID_BUFFER, "GET_DEVICE_ID", problems)
        if reply is not None:
            parsed = parse_device_id_reply(bytes(reply))
            listing.device_id = parsed.text
            listing.device_id_fields = parse_device_id(parsed.text).fields
            listing.device_id_quirks = list(parsed.quirks)
        status = _class_request(device, GET_PORT_STATUS, first.number, 1, "GET_PORT_STATUS", problems)
        if status is not None and len(status):
            decoded = PortStatus(status[0])
            listing.port_status = PortStatusListing(
                raw=decoded.raw,
                paper_empty=decoded.paper_empty,
                selected=decoded.selected,
                error=decoded.error,
                vendor_bits=decoded.vendor_bits,
                text=decoded.describe(),
            )
    listing.problems = problems
    usb.util.dispose_resources(device)
    return listing


def _spec(device: usb.core.Device) -> str:
    spec = f"usb:{device.idVendor:04x}:{device.idProduct:04x}"
    serial = read_string(device, device.iSerialNumber)
    return spec + (f":{serial}" if serial else "")


def _kernel_driver(device: usb.core.Device, number: int) -> bool | None:
    try:
        return bool(device.is_kernel_driver_active(number))
    except (usb.core.USBError, NotImplementedError):
        return None


def _class_request(
    device: usb.core.Device, request: int, index: int, length: int, name: str, problems: list[str]
) -> bytes | None:
    try:
        return bytes(device.ctrl_transfer(CLASS_IN_INTERFACE, request, 0, index, length, CONTROL_TIMEOUT_MS))
    except usb.core.USBError as exc:
        if exc.errno == errno.EACCES:
            problems.append(f"{name}: permission denied (see README: udev rule)")
        elif exc.errno == errno.EBUSY:
            problems.append(f"{name}: the interface is held by another driver or program")
        elif exc.errno == errno.EPIPE:
            problems.append(f"{name}: the printer stalled the request")
        else:
            problems.append(f"{name}: {exc}")
        return None
