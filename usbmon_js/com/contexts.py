"""The context objects handed to entry points: script context, USB job context and its helpers."""

from __future__ import annotations

from usbmon_js.com.coerce import to_int32, to_uint32
from usbmon_js.com.members import HostError, HostObject, com_property
from usbmon_js.com.property_bag import PropertyBag
from usbmon_js.com.streams import TemporaryStream


class ScriptContext(HostObject):
    """IPrinterScriptContext: the property bags of the Bidi entry points."""

    com_interface = "IPrinterScriptContext"

    def __init__(self, driver: PropertyBag, queue: PropertyBag) -> None:
        self.driver = driver
        self.queue = queue

    @com_property
    def DriverProperties(self) -> PropertyBag:
        return self.driver

    @com_property
    def QueueProperties(self) -> PropertyBag:
        return self.queue

    @com_property
    def UserProperties(self) -> PropertyBag:
        raise HostError(
            "UserProperties: not available to USB JavaScript under USBMon (ERROR_NOT_FOUND 0x80070490)"
        )


class ReturnCodes(HostObject):
    """IPrinterScriptUsbJobContextReturnCodes."""

    com_interface = "IPrinterScriptUsbJobContextReturnCodes"

    @com_property
    def Success(self) -> int:
        return 0

    @com_property
    def Failure(self) -> int:
        return 1

    @com_property
    def Retry(self) -> int:
        return 2

    @com_property
    def DeviceBusy(self) -> int:
        return 3

    @com_property
    def AbortTheJob(self) -> int:
        return 4


RETURN_CODES = ReturnCodes()


class UsbJobContext(HostObject):
    """IPrinterScriptUsbJobContext: per-job state that lives from StartDocPort to EndDocPort."""

    com_interface = "IPrinterScriptUsbJobContext"

    def __init__(self, spill_threshold: int | None = None) -> None:
        self.job_bag = PropertyBag("JobPropertyBag", writable=True)
        kwargs = {} if spill_threshold is None else {"spill_threshold": spill_threshold}
        self.temporary_streams = [TemporaryStream(**kwargs), TemporaryStream(**kwargs)]
        self.printed_pages: int | None = None
        self.page_history: list[int] = []

    @com_property
    def JobPropertyBag(self) -> PropertyBag:
        return self.job_bag

    @com_property
    def ReturnCodes(self) -> ReturnCodes:
        return RETURN_CODES

    @com_property
    def TemporaryStreams(self) -> list[TemporaryStream]:
        return self.temporary_streams

    @com_property
    def PrintedPageCount(self) -> int:
        return self.printed_pages or 0

    @PrintedPageCount.setter
    def PrintedPageCount(self, value: object) -> None:
        self.printed_pages = to_uint32("PrintedPageCount", value)
        self.page_history.append(self.printed_pages)

    def close(self) -> None:
        for stream in self.temporary_streams:
            stream.close()


class WritePrintDataProgress(HostObject):
    """IPrinterScriptUsbWritePrintDataProgress: how much of `printData` the call consumed."""

    com_interface = "IPrinterScriptUsbWritePrintDataProgress"

    def __init__(self) -> None:
        self.processed = 0

    @com_property
    def ProcessedByteCount(self) -> int:
        return self.processed

    @ProcessedByteCount.setter
    def ProcessedByteCount(self, value: object) -> None:
        self.processed = to_int32("ProcessedByteCount", value)
