"""Python device models (`sim:FILE.py:Class`): a vendor's own printer simulation, loaded from a file.

The file is the user's code, so whatever goes wrong while importing or constructing it is their
mistake to fix: it becomes a one-paragraph BadInput naming the file, the class and the file's own
error message (with its line), never a traceback from inside this package.
"""

from __future__ import annotations

import importlib.util
import itertools
import sys
import traceback
from pathlib import Path
from types import ModuleType
from typing import cast

from usbmon_js.devices.model import PrinterModel
from usbmon_js.errors import BadInput

_module_numbers = itertools.count(1)
_REQUIRED = ("write", "read")
_OPTIONAL = ("device_id", "port_status", "soft_reset", "status_interface")
_ABSENT = object()
_INTERFACE = "write(data) -> int and read(size) -> bytes"


def _split_spec(spec: str) -> tuple[Path, str]:
    file_part, sep, class_name = spec.rpartition(":")
    if not sep or not file_part or not class_name.isidentifier():
        raise BadInput(
            f"Python device model {spec!r} must be given as FILE.py:Class "
            "(a .py file and the name of a class in it, e.g. models.py:MyPrinter)."
        )
    path = Path(file_part)
    if path.suffix.lower() != ".py":
        raise BadInput(
            f"Python device model {spec!r}: {file_part} is not a .py file; give it as FILE.py:Class."
        )
    return path, class_name


def _where(exc: BaseException, path: Path) -> str:
    """' (line N)' of the innermost frame in the user's file, so the message points at their code."""
    target = str(path.resolve())
    lines = [
        frame.lineno
        for frame in traceback.extract_tb(exc.__traceback__)
        if frame.filename and str(Path(frame.filename).resolve()) == target
    ]
    return f" (line {lines[-1]})" if lines and lines[-1] is not None else ""


def _describe(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _member(model: object, name: str, label: str) -> object:
    try:
        return getattr(model, name, _ABSENT)
    except Exception as exc:  # a property of the user's class raised
        raise BadInput(f"{label}: reading .{name} of the model failed: {_describe(exc)}.") from None


def _import(path: Path, label: str) -> ModuleType:
    name = f"usbmon_js_device_model_{next(_module_numbers)}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise BadInput(f"{label}: {path} cannot be imported as a Python module.")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses and pickling look the module up by name
    try:
        spec.loader.exec_module(module)
    except SyntaxError as exc:
        sys.modules.pop(name, None)
        where = (
            (f" at line {exc.lineno}" + (f", column {exc.offset}" if exc.offset else ""))
            if exc.lineno
            else ""
        )
        raise BadInput(f"{label}: {path} has a syntax error{where}: {exc.msg}.") from None
    except (Exception, SystemExit) as exc:
        sys.modules.pop(name, None)
        raise BadInput(f"{label}: importing {path} failed{_where(exc, path)}: {_describe(exc)}.") from None
    return module


def load_python_model(spec: str) -> PrinterModel:
    """Import FILE.py under a unique module name and construct Class(); each failure is a BadInput."""
    path, class_name = _split_spec(spec)
    label = f"Python device model {path}:{class_name}"
    if not path.is_file():
        problem = "is a directory, not a file" if path.is_dir() else "does not exist"
        raise BadInput(f"{label}: {path} {problem}.")
    try:
        with path.open("rb"):
            pass
    except OSError as exc:
        raise BadInput(f"{label}: {path} cannot be read: {exc.strerror or exc}.") from None
    module = _import(path, label)
    cls = getattr(module, class_name, None)
    if cls is None:
        classes = sorted(
            name
            for name, value in vars(module).items()
            if isinstance(value, type) and value.__module__ == module.__name__
        )
        defined = f"; it defines {', '.join(classes)}" if classes else "; it defines no classes"
        raise BadInput(f"{label}: {path} has no class {class_name}{defined}.")
    if not isinstance(cls, type):
        raise BadInput(
            f"{label}: {class_name} in {path} is not a class (it is of type {type(cls).__name__})."
        )
    try:
        model = cls()
    except (Exception, SystemExit) as exc:
        raise BadInput(
            f"{label}: constructing {class_name}() failed{_where(exc, path)}: {_describe(exc)}."
        ) from None
    members = {name: _member(model, name, label) for name in (*_REQUIRED, *_OPTIONAL)}
    missing = [name for name in _REQUIRED if not callable(members[name])]
    if missing:
        raise BadInput(
            f"{label}: {class_name} has no callable {' or '.join(m + '()' for m in missing)}; "
            f"a device model needs {_INTERFACE}."
        )
    odd = [name for name in _OPTIONAL if members[name] is not _ABSENT and not callable(members[name])]
    if odd:
        raise BadInput(
            f"{label}: {class_name}.{odd[0]} must be a method (the host calls {odd[0]}()), "
            f"not a {type(members[odd[0]]).__name__}."
        )
    return cast(PrinterModel, model)
