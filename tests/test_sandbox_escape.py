"""The sandbox escape suite: every door a hostile script might try, each shown to fail closed.

Each attempt runs as a vendor script's `getSchemas` against real host objects (a property bag,
a printer stream on a recording device, the responses object). It must end in a clear error or
gain nothing, and leave the host intact: the same engine still answers the next call, the
device got only what the script legitimately wrote, and Python state is untouched.
Complements test_sandbox.py (globals, the dispatcher token, imports, host-object internals).
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from helpers import FakeDevice, Recorder, make_engine

from usbmon_js.clock import RealClock
from usbmon_js.com.property_bag import Property, PropertyBag
from usbmon_js.com.streams import PrinterStream
from usbmon_js.devices.channel import DeviceChannel
from usbmon_js.engine.outcome import CallResult


@dataclass
class Attempt:
    result: CallResult
    values: list
    device: bytes
    bag: PropertyBag
    alive: bool


def attempt(body: str, *, timeout: float = 1.0, memory: int = 32) -> Attempt:
    bag = PropertyBag("QueueProperties", {"Model": Property("String", "X")}, writable=True)
    device = FakeDevice()
    stream = PrinterStream(DeviceChannel(device, RealClock()))
    engine = make_engine(
        f"function getSchemas(out, bag, stream) {{\n{body}\nreturn 0;\n}}\n"
        "function getStatus(out) { out.Put('alive'); return 0; }\n",
        call_timeout_s=timeout,
        memory_limit_mib=memory,
    )
    try:
        out = Recorder()
        result = engine.call("getSchemas", [out, bag, stream])
        canary = Recorder()
        after = engine.call("getStatus", [canary])
        alive = after.return_code == 0 and canary.values == ["alive"]
    finally:
        engine.close()
    return Attempt(result, out.values, bytes(device.received), bag, alive)


def failed(outcome: Attempt, kind: str, message: str) -> None:
    assert outcome.alive, "the engine must still answer after the attempt"
    assert outcome.result.failure is not None, outcome.values
    assert outcome.result.failure.kind == kind, outcome.result.failure
    assert message in outcome.result.failure.message, outcome.result.failure.message


# -- reflection and the global object ---------------------------------------------------------


def test_function_constructor_reaches_only_the_sandbox_global() -> None:
    outcome = attempt(
        "var g = Function('return this')();"
        "out.Put(Object.getOwnPropertyNames(g).filter(function (n) { return "
        "/usbmon|python|jsbox|^host|^std$|^os$/i.test(n); }));"
    )
    assert outcome.values == [["__usbmon_invoke__"]] and outcome.alive


def test_the_constructor_chain_of_a_host_object_leads_nowhere() -> None:
    failed(attempt("stream.constructor.constructor('return this')();"), "exception", "TypeError")


def test_walking_every_object_reachable_from_the_global_finds_no_host_capability() -> None:
    outcome = attempt(
        """
        var seen = [], found = [], queue = [[globalThis, 'globalThis']];
        while (queue.length && seen.length < 20000) {
          var item = queue.shift(), o = item[0];
          if (seen.indexOf(o) >= 0) continue;
          seen.push(o);
          var names = [];
          try { names = Object.getOwnPropertyNames(o); } catch (e) {}
          for (var i = 0; i < names.length; i++) {
            var suspect = /^__usbmon|python|jsbox|^std$|^os$|hostCall|token/i.test(names[i]);
            if (suspect && names[i] !== '__usbmon_invoke__') {
              found.push(item[1] + '.' + names[i]);
            }
            var v; try { v = o[names[i]]; } catch (e) { continue; }
            if (v !== null && (typeof v === 'object' || typeof v === 'function')) {
              queue.push([v, item[1] + '.' + names[i]]);
            }
          }
        }
        out.Put(found);
        """,
        timeout=5,
    )
    assert outcome.values == [[]] and outcome.alive


def test_eval_in_the_global_scope_sees_the_same_sandbox() -> None:
    outcome = attempt("out.Put((0, eval)('[typeof process, typeof require, typeof std, typeof console]'));")
    assert outcome.values == [["undefined"] * 4]


# -- prototype pollution of what the host shim relies on ---------------------------------------


@pytest.mark.parametrize(
    "pollution",
    [
        "Object.prototype['!err'] = ['Error', 'polluted']; Object.prototype['!h'] = 1;",
        "Array.prototype.slice = function () { throw new Error('hijacked'); }; "
        "Array.isArray = function () { return false; };",
        "Reflect.apply = function () { throw new Error('hijacked'); }; Function.prototype.apply = null; "
        "Function.prototype.call = null;",
        "Object.freeze(Object.prototype); Object.freeze(Array.prototype);",
        "Uint8Array.prototype.set = null; "
        "Object.defineProperty(Uint8Array.prototype, 'length', {get: function () { return 0; }});",
        "Array.prototype[Symbol.iterator] = function () { throw new Error('it'); };",
        "String.prototype.toLowerCase = function () { return 'write'; }; JSON.stringify = null;",
        "Map.prototype.get = function () { return undefined; }; Map.prototype.set = null; "
        "WeakSet.prototype.has = function () { return false; };",
        "Object.defineProperty = function () { throw new Error('hijacked'); }; Object.create = null;",
    ],
)
def test_polluted_built_ins_do_not_change_what_host_calls_do(pollution: str) -> None:
    outcome = attempt(
        pollution + "out.Put(bag.GetString('Model')); out.Put(stream.Write([1, 2, 3])); out.Put({});"
    )
    assert outcome.result.failure is None, outcome.result.failure
    assert outcome.values == ["X", 3, {}]
    assert outcome.device == b"\x01\x02\x03" and outcome.alive


# -- tricks on host objects ---------------------------------------------------------------------


def test_assigning_a_host_method_is_refused() -> None:
    outcome = attempt(
        "try { stream.Write = function () { return 42; }; } catch (e) { out.Put(e.message); "
        "} out.Put(stream.Write([1]));"
    )
    assert outcome.values == [
        "Write: cannot assign to a read-only method of IPrinterScriptableSequentialStream",
        1,
    ]


def test_defining_a_property_on_a_host_object_is_refused() -> None:
    outcome = attempt(
        "try { Object.defineProperty(stream, 'Write', {value: 5}); } catch (e) { out.Put(e.message); "
        "} out.Put(stream.Write([1]));"
    )
    assert outcome.values == ["cannot define 'Write' on IPrinterScriptableSequentialStream", 1]


def test_proto_assignment_on_a_host_object_is_refused() -> None:
    failed(
        attempt("stream.__proto__ = {Write: function () { return 42; }};"),
        "exception",
        "has no member '__proto__'",
    )


def test_set_prototype_of_a_host_object_is_refused() -> None:
    outcome = attempt(
        "try { Object.setPrototypeOf(stream, {}); } catch (e) { out.Put(e.name); "
        "} out.Put(Object.getPrototypeOf(stream));"
    )
    assert outcome.values == ["TypeError", None]


def test_deleting_a_host_member_is_refused() -> None:
    failed(attempt("delete bag.GetString;"), "exception", "cannot delete 'GetString'")


@pytest.mark.parametrize(
    "member", ["'!h'", "'__host_call'", "'__usbmon_call'", "'__getattr__'", "'c'", "'constructor'"]
)
def test_internal_member_names_resolve_to_nothing(member: str) -> None:
    assert attempt(f"out.Put(stream[{member}] === undefined);").values == [True]


def test_a_proxy_around_a_host_object_is_not_a_byte_array() -> None:
    failed(attempt("stream.Write(new Proxy(stream, {}));"), "exception", "Write: expected a byte array")


def test_a_host_object_passed_where_a_value_belongs_is_refused() -> None:
    failed(
        attempt("bag.SetString(stream, 'x');"), "exception", "SetString: a host object cannot be passed here"
    )


def test_a_forged_handle_is_just_an_object() -> None:
    failed(
        attempt("stream.Write({'!h': 1, c: 'IPrinterScriptablePropertyBag'});"),
        "exception",
        "expected a byte array",
    )
    outcome = attempt("out.Put({'!h': 1, c: 'IPrinterScriptablePropertyBag'});")
    assert outcome.values == [{}]


def test_a_getter_that_re_enters_the_host_during_conversion_stays_accounted() -> None:
    outcome = attempt(
        "var a = [1, 2]; Object.defineProperty(a, 0, {get: function () { stream.Write([9]); return 1; }});"
        "out.Put(stream.Write(a));"
    )
    assert outcome.values == [2]
    assert outcome.device == b"\x09\x01\x02"


def test_a_value_whose_to_string_calls_the_host_is_not_converted() -> None:
    failed(
        attempt("bag.SetString('Model', {toString: function () { stream.Write([7]); return 'v'; }});"),
        "exception",
        "SetString: expected a string",
    )


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("10n", "a BigInt is not a COM value"),
        ("Symbol('x')", "a symbol cannot be passed"),
        ("function () {}", "a function cannot be passed"),
    ],
)
def test_values_com_cannot_carry_are_refused(value: str, message: str) -> None:
    outcome = attempt(f"bag.SetInt32('Model', {value});")
    failed(outcome, "exception", message)
    assert outcome.bag.properties["Model"].value == "X"


def test_a_self_containing_array_is_refused_not_recursed() -> None:
    failed(attempt("var a = []; a[0] = a; out.Put(a);"), "exception", "nested too deeply")


def test_a_detached_buffer_is_refused_with_a_clear_message() -> None:
    failed(
        attempt("var b = new ArrayBuffer(8); var u = new Uint8Array(b); b.transfer(); stream.Write(u);"),
        "exception",
        "has been detached",
    )


def test_a_proxy_lying_about_its_length_runs_out_of_memory_not_the_host() -> None:
    outcome = attempt(
        "stream.Write(new Proxy([1, 2, 3], {get: function (t, k) { return k === 'length' ? 1e9 : 1; }}));"
    )
    failed(outcome, "memory", "heap limit")
    assert outcome.device == b""


# -- resource exhaustion ---------------------------------------------------------------------------


def test_a_catastrophic_regex_is_stopped_at_the_deadline() -> None:
    failed(
        attempt("/(a+)+$/.test('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!');", timeout=0.5),
        "timeout",
        "deadline",
    )


def test_a_huge_string_hits_the_heap_limit() -> None:
    failed(attempt("var s = 'x'.repeat(1 << 29);"), "memory", "heap limit")


def test_string_doubling_is_stopped() -> None:
    failed(attempt("var s = 'x'; for (;;) s = s + s;"), "exception", "string too long")


def test_a_huge_array_is_refused() -> None:
    failed(attempt("var a = new Array(1e8).fill(0);"), "exception", "array too large")


def test_a_huge_typed_array_hits_the_heap_limit() -> None:
    outcome = attempt("stream.Write(new Uint8Array(1 << 26));")
    failed(outcome, "memory", "heap limit")
    assert outcome.device == b""


def test_deep_recursion_hits_the_stack_limit() -> None:
    failed(attempt("function f(n) { return f(n + 1) + 1; } f(0);"), "memory", "stack limit")


def test_deep_recursion_through_host_calls_hits_the_stack_limit() -> None:
    failed(attempt("function f(n) { stream.Read(0); return f(n + 1); } f(0);"), "memory", "stack limit")


def test_a_bigint_blow_up_is_refused() -> None:
    failed(attempt("var x = 2n ** 10000000n;"), "exception", "BigInt is too large")


def test_atomics_wait_cannot_block_the_host() -> None:
    failed(
        attempt("Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);"), "exception", "cannot block"
    )


def test_an_endless_promise_chain_does_not_hold_the_host() -> None:
    outcome = attempt("function f() { Promise.resolve().then(f); } f(); out.Put('scheduled');")
    assert outcome.values == ["scheduled"] and outcome.alive


def test_a_finalizer_that_loops_does_not_hang_the_host() -> None:
    outcome = attempt(
        "var fr = new FinalizationRegistry(function () { for (;;) {} });"
        "for (var i = 0; i < 1000; i++) fr.register({}, i); out.Put('registered');"
    )
    assert outcome.values == ["registered"] and outcome.alive


# -- what the script returns or throws ---------------------------------------------------------------


def test_throwing_a_non_error_with_a_looping_to_string_is_reported_plainly() -> None:
    failed(
        attempt("throw {toString: function () { for (;;) {} }};"),
        "exception",
        "threw an object that is not an Error",
    )


def test_throwing_a_hostile_proxy_is_reported_plainly() -> None:
    failed(attempt("throw new Proxy({}, {get: function () { throw 1; }});"), "exception", "cannot be printed")


def test_returning_a_promise_from_an_async_entry_point_is_an_invalid_return() -> None:
    failed(attempt("return (async function () { return 0; })();"), "invalid_return", "Promise")


def test_returning_an_object_with_a_looping_value_of_is_an_invalid_return() -> None:
    failed(attempt("return {valueOf: function () { for (;;) {} }};"), "invalid_return", "integer return code")
