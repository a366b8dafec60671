"""Reading and writing transcript files, with errors that name the file and the line."""

from __future__ import annotations

import json
import os
import tempfile
from json.decoder import JSONObject  # type: ignore[attr-defined]
from json.scanner import py_make_scanner  # type: ignore[attr-defined]
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from usbmon_js.devices.replay.transcript import (
    TRANSCRIPT_FORMAT,
    TRANSCRIPT_VERSION,
    Transcript,
    offset_problem,
    transcript_text,
)
from usbmon_js.errors import BadInput
from usbmon_js.formats.loading import describe_validation_error, mapping_from_text, one_line, read_text

WHAT = "transcript"


def load_transcript(path: Path) -> Transcript:
    """A transcript file; every problem is a BadInput naming the file (and line, where known)."""
    path = Path(path)
    return parse_transcript(read_text(path, WHAT), str(path))


def parse_transcript(text: str, source: str) -> Transcript:
    data = mapping_from_text(text, source, "json", WHAT)
    _check_format(data, source)
    try:
        transcript = Transcript.model_validate(data)
    except ValidationError as exc:
        count = exc.error_count()
        where = _where(text, source, _first_transfer_index(exc))
        raise BadInput(
            one_line(
                f"{where} invalid {WHAT} ({count} problem{'s' if count != 1 else ''}): "
                f"{describe_validation_error(exc)}."
            )
        ) from None
    problem = offset_problem(transcript)
    if problem is not None:
        index, reason = problem
        raise BadInput(
            f"{_where(text, source, index)} invalid {WHAT}: {reason}; out_offset must count every byte "
            "accepted by the earlier writes on the same interface (was a transfer removed or edited?)."
        )
    return transcript


def save_transcript(transcript: Transcript, path: Path) -> None:
    """Write atomically, so an interrupted run never leaves half a transcript behind."""
    path = Path(path)
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    except OSError as exc:
        raise BadInput(f"{WHAT} {path} cannot be written: {exc.strerror or exc}.") from None
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(transcript_text(transcript))
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _check_format(data: dict[str, Any], source: str) -> None:
    """Say plainly when a file is not a transcript at all, or one from another version."""
    if data.get("format") != TRANSCRIPT_FORMAT:
        found = f'its "format" is {data["format"]!r}' if "format" in data else 'it has no "format" field'
        raise BadInput(
            f"{WHAT} {source} is not a usbmon-js transcript: {found}, expected {TRANSCRIPT_FORMAT!r} "
            "(record one with --record FILE, or give a umockdev .ioctl recording)."
        )
    if data.get("version") != TRANSCRIPT_VERSION:
        raise BadInput(
            f"{WHAT} {source} is transcript version {data.get('version')!r}, but this usbmon-js reads "
            f"version {TRANSCRIPT_VERSION} only; record it again with this version."
        )


def _first_transfer_index(exc: ValidationError) -> int | None:
    for error in exc.errors():
        loc = error["loc"]
        if len(loc) >= 2 and loc[0] == "transfers" and isinstance(loc[1], int):
            return loc[1]
    return None


def _where(text: str, source: str, index: int | None) -> str:
    line = _transfer_line(text, index) if index is not None else None
    return f"{source}:{line}:" if line is not None else f"{source}:"


class _Located(dict):
    start = 0


def _located_object(s_and_end: tuple[str, int], *args: Any) -> tuple[_Located, int]:
    obj, end = JSONObject(s_and_end, *args)
    located = _Located(obj)
    located.start = s_and_end[1] - 1
    return located, end


def _transfer_line(text: str, index: int) -> int | None:
    """The line on which transfers[index] starts; only computed when reporting an error."""
    decoder = json.JSONDecoder()
    decoder.parse_object = _located_object
    decoder.scan_once = py_make_scanner(decoder)
    try:
        transfers = decoder.decode(text).get("transfers")
        element = transfers[index]
    except (ValueError, AttributeError, IndexError, TypeError, KeyError):
        return None
    return text.count("\n", 0, element.start) + 1 if isinstance(element, _Located) else None
