"""Record and replay: `--record FILE` writes a transcript of every transfer, `--device replay:FILE`
plays one back (or a umockdev `.ioctl` recording) and fails the job with a byte diff when the
script sends something other than what was recorded."""

from __future__ import annotations

from pathlib import Path

from usbmon_js.devices.replay.ioctl_import import load_ioctl_recording
from usbmon_js.devices.replay.mismatch import ReplayMismatch
from usbmon_js.devices.replay.player import ReplayPrinter, ReplayStatusInterface
from usbmon_js.devices.replay.recorder import RecordingPrinter
from usbmon_js.devices.replay.transcript import (
    Transcript,
    transcript_json_schema,
    transcript_json_schema_text,
)
from usbmon_js.devices.replay.transcript_file import load_transcript, parse_transcript, save_transcript

IOCTL_SUFFIXES = (".ioctl", ".ioctl.xz")


def load_replay(path: Path | str) -> ReplayPrinter:
    """The device model for `--device replay:FILE`: a umockdev `.ioctl` recording, else a transcript."""
    path = Path(path)
    is_ioctl = path.name.lower().endswith(IOCTL_SUFFIXES)
    transcript = load_ioctl_recording(path) if is_ioctl else load_transcript(path)
    return ReplayPrinter(transcript, source=str(path))


__all__ = [
    "RecordingPrinter",
    "ReplayMismatch",
    "ReplayPrinter",
    "ReplayStatusInterface",
    "Transcript",
    "load_replay",
    "load_transcript",
    "parse_transcript",
    "save_transcript",
    "transcript_json_schema",
    "transcript_json_schema_text",
]
