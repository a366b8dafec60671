"""Bidi result codes (winspool.h), as a Bidi client would receive them."""

from __future__ import annotations

from enum import IntEnum


class BidiErrorCode(IntEnum):
    OK = 0
    NOT_SUPPORTED = 50  # ERROR_NOT_SUPPORTED
    NO_DATA = 232  # ERROR_NO_DATA: the value is declared but nobody reported it
    STATUS_WARNING = 13001
    SCHEMA_READ_ONLY = 13002
    SERVER_OFFLINE = 13003
    DEVICE_OFFLINE = 13004
    SCHEMA_NOT_SUPPORTED = 13005
    SET_DIFFERENT_TYPE = 13006
    SET_MULTIPLE_SCHEMAPATH = 13007
    SET_INVALID_SCHEMAPATH = 13008
    SET_UNKNOWN_FAILURE = 13009
    SCHEMA_WRITE_ONLY = 13010

    @property
    def label(self) -> str:
        return "ERROR_BIDI_" + self.name if self >= 13000 else "ERROR_" + self.name
