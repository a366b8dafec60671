"""Reading user-supplied YAML/JSON files with errors a user can act on (exit status 2)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from usbmon_js.errors import BadInput


def read_text(path: Path, what: str) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise BadInput(f"{path}: {what} file not found") from None
    except IsADirectoryError:
        raise BadInput(f"{path}: is a directory, expected a {what} file") from None
    except UnicodeDecodeError as exc:
        raise BadInput(f"{path}: {what} file is not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise BadInput(f"{path}: cannot read {what} file: {exc.strerror or exc}") from None


def read_mapping(path: Path, what: str) -> dict[str, Any]:
    """A YAML or JSON file whose top level is a mapping."""
    text = read_text(path, what)
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except json.JSONDecodeError as exc:
        raise BadInput(f"{path}:{exc.lineno}:{exc.colno}: {what} is not valid JSON: {exc.msg}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        problem = getattr(exc, "problem", None) or str(exc)
        raise BadInput(f"{where}: {what} is not valid YAML: {problem}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise BadInput(f"{path}: {what} must be a mapping at the top level, not {type(data).__name__}")
    return data


def describe_validation_error(exc: ValidationError) -> str:
    """Each problem as `field.path: reason`, joined into one line."""
    parts = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"]) or "(top level)"
        parts.append(f"{where}: {err['msg']}")
    return "; ".join(parts)
