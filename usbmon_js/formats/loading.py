"""Reading user-supplied YAML/JSON files with errors a user can act on (exit status 2).

Every file format (device fixtures, property bags, scenarios) goes through here, so they all
reject duplicate keys, name the file, line and column of a syntax error, and list each invalid
field as a dotted path with the reason.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from usbmon_js.errors import BadInput

Format = Literal["yaml", "json"]
FORMATS: dict[str, Format] = {".yaml": "yaml", ".yml": "yaml", ".json": "json"}
Model = TypeVar("Model", bound=BaseModel)


class _UniqueKeyLoader(yaml.SafeLoader):
    """A YAML loader that rejects duplicate keys, which PyYAML would silently let the last win."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if not isinstance(key, str | int | float | bool):
                continue  # unhashable or odd keys are left for validation to reject
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    "while constructing a mapping",
                    node.start_mark,
                    f"found duplicate key {key!r}",
                    key_node.start_mark,
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _json_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate key {key!r}")
        result[key] = value
    return result


def one_line(text: str) -> str:
    return " ".join(text.split())


def parse_document(text: str, source: str, fmt: Format, what: str) -> object:
    if fmt == "json":
        try:
            return json.loads(text, object_pairs_hook=_json_object)
        except json.JSONDecodeError as exc:
            raise BadInput(
                f"{what} {source} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}."
            ) from None
        except (ValueError, RecursionError) as exc:
            raise BadInput(f"{what} {source} is not valid JSON: {one_line(str(exc))}.") from None
    try:
        return yaml.load(text, Loader=_UniqueKeyLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = exc.problem or exc.context or "syntax error"
        raise BadInput(f"{what} {source} is not valid YAML: {one_line(problem)}{where}.") from None
    except (yaml.YAMLError, RecursionError, ValueError) as exc:
        raise BadInput(f"{what} {source} is not valid YAML: {one_line(str(exc))}.") from None


def read_bytes(path: Path, what: str) -> bytes:
    """A user's file, or a BadInput that says why it cannot be read."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise BadInput(f"{what} {path} does not exist.") from None
    except IsADirectoryError:
        raise BadInput(f"{what} {path} is a directory, not a file.") from None
    except OSError as exc:
        raise BadInput(f"{what} {path} cannot be read: {exc.strerror or exc}.") from None


def read_text(path: Path, what: str) -> str:
    raw = read_bytes(path, what)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadInput(f"{what} {path} is not UTF-8 text (bad byte at offset {exc.start}).") from None


def read_mapping(path: Path, what: str, *, allow_empty: bool = False) -> dict[str, Any]:
    """A .yaml/.yml/.json file whose top level is a mapping."""
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise BadInput(
            f"{what} {path} has an unknown file type {path.suffix or '(no extension)'}; "
            "name it .yaml, .yml or .json."
        )
    return mapping_from_text(read_text(path, what), str(path), fmt, what, allow_empty=allow_empty)


def mapping_from_text(text: str, source: str, fmt: Format, what: str, *, allow_empty: bool = False) -> dict:
    data = parse_document(text, source, fmt, what)
    if data is None and allow_empty:
        return {}
    if data is None:
        raise BadInput(f"{what} {source} is empty; it must be a mapping.")
    if not isinstance(data, dict):
        raise BadInput(f"{what} {source} must be a mapping at the top level, not a {type(data).__name__}.")
    return data


def describe_validation_error(exc: ValidationError) -> str:
    """Each problem as `field.path: reason (got value)`, joined into one line."""
    problems = []
    for error in exc.errors(include_url=False):
        where = ".".join(str(part) for part in error["loc"]) or "(top level)"
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = "unknown field (check the spelling)"
        elif error["type"] != "missing" and isinstance(error.get("input"), str | int | float | bool | None):
            shown = repr(error.get("input"))
            message += f" (got {shown if len(shown) <= 60 else shown[:57] + '...'})"
        problems.append(f"{where}: {message}")
    return "; ".join(problems)


def validate(model: type[Model], data: object, source: str, what: str) -> Model:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        count = exc.error_count()
        raise BadInput(
            one_line(
                f"{what} {source} is invalid ({count} problem{'s' if count != 1 else ''}): "
                f"{describe_validation_error(exc)}."
            )
        ) from None
