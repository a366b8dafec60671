"""The worker process: opens the port from its recipe and serves jobs and Bidi requests.

Messages are tuples over a multiprocessing pipe. Parent → worker: ("job", JobData),
("cancel",) while a job runs, ("bidi_get", paths), ("bidi_set", path, value, type), ("close",).
Worker → parent: ("ready", DeviceInfo, warnings) once, then ("report", JobReport),
("bidi", BidiReport) or ("error", exception) per request.
"""

from __future__ import annotations

import contextlib
from multiprocessing.connection import Connection
from typing import Any

from usbmon_js.devices.usb.quirks import QuirkTable
from usbmon_js.portmon.calls import observe_calls
from usbmon_js.portmon.isolation.recipe import PortRecipe
from usbmon_js.portmon.isolation.shared import CallWatch, SharedFigures
from usbmon_js.portmon.job import JobData
from usbmon_js.portmon.opening import open_recipe_device, recipe_port
from usbmon_js.portmon.port import PortMonitor

STATUS_INTERVAL_S = 0.05


def worker_main(conn: Connection, recipe: PortRecipe, figures: SharedFigures) -> None:
    try:
        with contextlib.ExitStack() as stack:
            port = _open_port(recipe, figures, stack)
            conn.send(("ready", port.device, list(port.warnings)))
            _serve(conn, port, figures)
    except (EOFError, BrokenPipeError):
        pass  # the parent went away: nothing left to answer
    except BaseException as exc:  # reported to the parent, which raises it there
        with contextlib.suppress(Exception):
            conn.send(("error", exc))


def _open_port(recipe: PortRecipe, figures: SharedFigures, stack: contextlib.ExitStack) -> PortMonitor:
    observe_calls(CallWatch(figures))
    quirks = QuirkTable.load(list(recipe.quirk_files), list(recipe.quirk_options))
    device, clock = open_recipe_device(recipe, quirks)
    stack.callback(device.close)
    device_out = stack.enter_context(recipe.device_out.open("ab", buffering=0)) if recipe.device_out else None
    trace_out = stack.enter_context(recipe.trace.open("a", buffering=1)) if recipe.trace else None
    port = stack.enter_context(recipe_port(recipe, device.model, device, clock, device_out, trace_out))
    port.channel.on_sent = lambda total: setattr(figures.bytes_to_device, "value", total)
    return port


def _serve(conn: Connection, port: PortMonitor, figures: SharedFigures) -> None:
    while True:
        message: tuple[Any, ...] = conn.recv()
        kind = message[0]
        try:
            if kind == "job":
                conn.send(("report", _run_job(conn, port, message[1], figures)))
            elif kind == "bidi_get":
                conn.send(("bidi", port.bidi_get(message[1])))
            elif kind == "bidi_set":
                conn.send(("bidi", port.bidi_set(message[1], message[2], message[3])))
            elif kind == "close":
                return
        except Exception as exc:
            conn.send(("error", exc))


def _run_job(conn: Connection, port: PortMonitor, data: JobData, figures: SharedFigures):
    handle = port.submit_job(data)
    while not handle.wait_done(STATUS_INTERVAL_S):
        figures.bytes_consumed.value = handle.status.bytes_consumed
        if conn.poll() and conn.recv()[0] == "cancel":
            handle.cancel()
    return handle.wait()
