"""Held-back calls: the shim batches calls to recording methods (the responses' Add…).

Such a call crosses into Python with the next host call or the entry point's result instead of
on its own (docs/performance.md §2.9). The host must see exactly what it saw before: every
call, in the order the script made it, even when the call ends by a throw, a timeout or a
cancel, and a call that could fail must still fail at its call site.
"""

from __future__ import annotations

import math
from typing import Any

import pytest
from helpers import make_engine

from usbmon_js.com.bidi import BidiSchemaResponses, BidiType
from usbmon_js.com.members import ComMethod, HostObject, com_method, com_property
from usbmon_js.engine.bridge import HostBridge
from usbmon_js.engine.outcome import CallResult


class Journal(HostObject):
    """Notes (held back when given a string) and marks (never held back) in one log."""

    com_interface = "TestJournal"

    def __init__(self) -> None:
        self.log: list[Any] = []

    @com_method(held_back=("string",))
    def Note(self, text: object) -> None:
        self.log.append(text)

    @com_method
    def Mark(self) -> None:
        self.log.append("mark")

    @com_property
    def Seen(self) -> int:
        self.log.append("seen")
        return len(self.log)


@pytest.fixture
def crossings(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The member name of every `js_call` crossing (bound when an engine is made)."""
    names: list[str] = []
    real = HostBridge.js_call

    def counted(self: HostBridge, hid: int, name: str, *rest: Any) -> Any:
        names.append(name)
        return real(self, hid, name, *rest)

    monkeypatch.setattr(HostBridge, "js_call", counted)
    return names


def run(body: str, *, trace: bool = False, **limits: Any) -> tuple[CallResult, list[Any]]:
    engine = make_engine(f"function getStatus(j) {{\n{body}\n}}\n", **limits)
    if trace:
        engine.bridge.on_host_call = lambda *call: None
    journal = Journal()
    return engine.call("getStatus", [journal]), journal.log


def test_notes_cross_with_the_result_and_keep_their_order_around_other_calls(crossings):
    result, log = run('j.Note("a"); j.Mark(); j.Note("b"); var n = j.Seen; j.Note("c"); return n;')
    assert result.return_code == 4  # "a", "mark", "b", "seen": everything before the get
    assert log == ["a", "mark", "b", "seen", "c"]
    # "a" rode with Mark, "b" crossed alone before the property get, "c" came with the result
    assert crossings == ["Mark", ""]


def test_a_trace_sees_every_call_as_it_happens(crossings):
    result, log = run('j.Note("a"); j.Note("b"); return 0;', trace=True)
    assert result.return_code == 0 and log == ["a", "b"]
    assert crossings == ["Note", "Note"]


def test_a_call_that_could_fail_is_made_at_once_and_fails_where_it_was_made(crossings):
    result, log = run(
        'j.Note("a"); j.Note(7); try { j.Note("x", "y"); } catch (e) { j.Note(e.name + ": " + e.message); }'
        " return 0;"
    )
    assert result.return_code == 0
    assert log == ["a", 7, "TypeError: Note: expected 1 argument, got 2"]
    assert crossings == ["Note", "Note"]  # 7 and the wrong count; "a" rode with the 7


def test_many_notes_are_handed_over_in_batches_and_in_order(crossings):
    result, log = run('for (var i = 0; i < 1000; i++) j.Note("n" + i); return 0;')
    assert result.return_code == 0
    assert log == [f"n{i}" for i in range(1000)]
    assert 3 <= len(crossings) <= 4  # batches of 256, the rest with the result


@pytest.mark.parametrize(
    ("ending", "kind"),
    [
        ('throw new Error("late");', "exception"),
        ("for (;;) {}", "timeout"),
        ("var hoard = []; for (;;) hoard.push([hoard.length, {}]);", "memory"),
        ("function deeper(n) { return deeper(n + 1) + 1; } deeper(0);", "memory"),
    ],
)
def test_notes_made_before_a_call_ends_badly_still_count(ending: str, kind: str):
    result, log = run(f'j.Note("a"); j.Note("b"); {ending}', call_timeout_s=0.3, memory_limit_mib=8)
    assert result.failure is not None and result.failure.kind == kind, result
    assert log == ["a", "b"]


def test_notes_of_a_stopped_call_do_not_leak_into_the_next_call():
    engine = make_engine(
        'function getStatus(j, stop) { j.Note("a"); if (stop) for (;;) {} return 0; }', call_timeout_s=0.3
    )
    first, second = Journal(), Journal()
    assert engine.call("getStatus", [first, True]).failure.kind == "timeout"  # type: ignore[union-attr]
    engine.release([first])
    assert engine.call("getStatus", [second, False]).return_code == 0
    assert (first.log, second.log) == (["a"], ["a"])


# Values of each JS type a held-back method may receive, as jsbox hands them to Python.
SAMPLES: dict[str, list[Any]] = {
    "string": ["", "x", "é\U0001f600", "a\x00b", "12abc", " "],
    "boolean": [True, False],
    "number": [0, -0.0, 1.5, -1e300, 1e300, math.inf, -math.inf, math.nan, 2**53, -(2**31) - 1],
    "int32": [0, -1, 2**31 - 1, -(2**31), -0.0],
}


def _held_back_methods() -> list[tuple[type[HostObject], ComMethod]]:
    found = []
    classes = [HostObject]
    while classes:
        cls = classes.pop()
        classes.extend(cls.__subclasses__())
        found += [(cls, m) for m in vars(cls).values() if isinstance(m, ComMethod) and m.held_back]
    return found


def test_the_responses_add_methods_are_the_ones_held_back():
    names = {(cls.__name__, m.name) for cls, m in _held_back_methods()}
    assert {n for c, n in names if c == "BidiSchemaResponses"} == {
        "AddNull", "AddBool", "AddInt32", "AddFloat", "AddString", "AddText", "AddEnum", "AddRequeryKey"
    }  # fmt: skip


@pytest.mark.parametrize(("cls", "method"), _held_back_methods(), ids=lambda x: getattr(x, "name", ""))
def test_a_held_back_method_accepts_every_value_of_its_types(cls: type[HostObject], method: ComMethod):
    """The promise that lets a call be held back: it cannot fail away from its call site."""
    assert method.arity == len(method.held_back or ())
    obj = BidiSchemaResponses("getStatus") if cls is BidiSchemaResponses else Journal()
    columns = [SAMPLES[t] for t in method.held_back or ()]
    for row in range(max(len(c) for c in columns)):
        args = [column[row % len(column)] for column in columns]
        obj.com_invoke(method.name, args)  # raises HostError if not


def test_held_back_responses_reach_the_report_with_their_types():
    engine = make_engine(
        "function getStatus(c, s, r) {"
        ' r.AddString("\\\\P:S", "idle"); r.AddInt32("\\\\P:I", -5); r.AddBool("\\\\P:B", true);'
        ' r.AddFloat("\\\\P:F", 0.5); r.AddNull("\\\\P:E"); r.AddRequeryKey("K"); return 0; }'
    )
    responses = BidiSchemaResponses("getStatus")
    assert engine.call("getStatus", [None, None, responses]).return_code == 0
    assert [(r.path, r.type, r.value) for r in responses.responses] == [
        ("\\P:S", BidiType.BIDI_STRING.name, "idle"),
        ("\\P:I", BidiType.BIDI_INT.name, -5),
        ("\\P:B", BidiType.BIDI_BOOL.name, True),
        ("\\P:F", BidiType.BIDI_FLOAT.name, 0.5),
        ("\\P:E", BidiType.BIDI_NULL.name, None),
    ]
    assert responses.requery_keys == ["K"]
