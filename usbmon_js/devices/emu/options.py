"""How an emulated printer looks and misbehaves on USB (the fixture's `usb:` section)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

DeviceIdFormat = Literal[
    "standard", "little_endian", "length_excludes_prefix", "trailing_garbage", "blank", "stall"
]


class UsbEmulation(BaseModel):
    """USB identity and faults of an `emu:` printer; every field has a sensible default."""

    model_config = ConfigDict(extra="forbid", title="usb")

    vendor_id: int = Field(default=0x1D6B, ge=0, le=0xFFFF, description="idVendor.")
    product_id: int = Field(default=0x0104, ge=0, le=0xFFFF, description="idProduct.")
    manufacturer: str | None = Field(
        default=None, description="iManufacturer string; default: MFG of the device ID."
    )
    product: str | None = Field(default=None, description="iProduct string; default: MDL of the device ID.")
    serial: str | None = Field(
        default=None, description="iSerialNumber string; default: SN of the device ID, else none."
    )
    protocol: Literal[1, 2, 3] = Field(
        default=2, description="bInterfaceProtocol of the print interface; 1 has no bulk IN endpoint."
    )
    device_id_format: DeviceIdFormat = Field(
        default="standard",
        description="How GET_DEVICE_ID is answered: per the spec, or one of the known deviations "
        "(little-endian length, a length that excludes its own 2 bytes, trailing CR/LF, a blank ID, "
        "or a STALL).",
    )
    kernel_driver: str | None = Field(
        default=None, description="A kernel driver bound to the print interface at start (e.g. usblp)."
    )
    interface_busy: bool = Field(
        default=False, description="Another program holds the print interface: claiming it fails (EBUSY)."
    )
    stall_after_bytes: list[int] = Field(
        default_factory=list,
        description="Bulk OUT answers STALL once when the printer has received this many bytes; "
        "the host must clear the halt and resend.",
    )
