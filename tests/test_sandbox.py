"""The sandbox: a vendor script reaches the ECMAScript built-ins, its arguments, and nothing else.

Requirements: decisions.md "Globals and sandbox".
"""

from __future__ import annotations

import jsbox
import pytest
from helpers import FakeDevice, Recorder, make_engine, run_snippet

from usbmon_js.clock import RealClock
from usbmon_js.com.property_bag import Property, PropertyBag
from usbmon_js.com.streams import PrinterStream
from usbmon_js.devices.channel import DeviceChannel
from usbmon_js.engine.quickjs import ScriptLoadError

DISPATCHER = "__usbmon_invoke__"

# Own properties of the global object that ECMAScript (ES2025 and the finished proposals QuickJS
# ships) defines, plus QuickJS's InternalError and Annex B's escape/unescape.
ECMASCRIPT_GLOBALS = frozenset(
    {
        # value properties
        "globalThis", "Infinity", "NaN", "undefined",
        # function properties
        "eval", "isFinite", "isNaN", "parseFloat", "parseInt",
        "decodeURI", "decodeURIComponent", "encodeURI", "encodeURIComponent",
        "escape", "unescape",
        # constructors
        "Object", "Function", "Boolean", "Symbol",
        "Error", "AggregateError", "EvalError", "RangeError", "ReferenceError", "SyntaxError",
        "TypeError", "URIError", "InternalError", "SuppressedError",
        "Number", "BigInt", "Math", "Date",
        "String", "RegExp",
        "Array", "ArrayBuffer", "SharedArrayBuffer", "DataView",
        "Int8Array", "Uint8Array", "Uint8ClampedArray", "Int16Array", "Uint16Array",
        "Int32Array", "Uint32Array", "BigInt64Array", "BigUint64Array",
        "Float16Array", "Float32Array", "Float64Array",
        "Map", "Set", "WeakMap", "WeakSet", "WeakRef", "FinalizationRegistry",
        "Promise", "Proxy", "Iterator", "DisposableStack", "AsyncDisposableStack",
        # namespaces
        "Atomics", "JSON", "Reflect",
    }
)  # fmt: skip

FORBIDDEN = [
    "console", "print", "ActiveXObject", "GetObject", "WScript", "require", "process", "std", "os",
    "setTimeout", "setInterval", "clearTimeout", "fetch", "XMLHttpRequest", "performance",
    "queueMicrotask", "TextEncoder", "TextDecoder", "atob", "btoa", "module", "exports", "Deno", "Bun",
    "__usbmon_call", "__usbmon_get", "__usbmon_set", "__usbmon_args", "__usbmon_token", "gc", "scriptArgs",
]  # fmt: skip


def test_only_ecmascript_globals_and_the_dispatcher_exist() -> None:
    names, enumerable, descriptor, proto_ok = run_snippet(
        f"""
        out.Put(Object.getOwnPropertyNames(globalThis));
        out.Put(Object.keys(globalThis));
        var d = Object.getOwnPropertyDescriptor(globalThis, "{DISPATCHER}");
        out.Put([typeof d.value, d.writable, d.enumerable, d.configurable]);
        out.Put(Object.getPrototypeOf(globalThis) === Object.prototype);
        """
    )
    assert set(names) - ECMASCRIPT_GLOBALS - {"getSchemas"} == {DISPATCHER}
    assert enumerable == ["getSchemas"]
    assert descriptor == ["function", False, False, False]
    assert proto_ok is True


@pytest.mark.parametrize("name", FORBIDDEN)
def test_host_and_engine_globals_are_absent(name: str) -> None:
    assert run_snippet(
        f"""
        out.Put(typeof {name});
        out.Put("{name}" in globalThis);
        out.Put(eval("typeof {name}"));
        out.Put(Function("return typeof {name}")());
        """
    ) == ["undefined", False, "undefined", "undefined"]


def test_dispatcher_refuses_callers_without_the_token() -> None:
    engine = make_engine(
        f"""
        var calls = 0;
        function getStatus(out) {{
            calls++;
            var attempts = [[], ["guess", "getStatus"], [undefined, null], [null, "getStatus"], [0, null]];
            for (var i = 0; i < attempts.length; i++) {{
                try {{
                    {DISPATCHER}.apply(null, attempts[i]);
                    out.Put("answered");
                }} catch (e) {{
                    out.Put(e instanceof TypeError);
                }}
            }}
            out.Put(calls);
            return 0;
        }}
        """
    )
    out = Recorder()
    assert engine.call("getStatus", [out]).return_code == 0
    assert out.values == [True, True, True, True, True, 1]


def test_script_cannot_reach_the_token_through_the_caller_chain() -> None:
    engine = make_engine(
        """
        function getSchemas(out) {
            var caller;
            try { caller = getSchemas.caller; } catch (e) { caller = null; }
            out.Put(caller === null || caller === undefined);
            try { caller = arguments.callee.caller; } catch (e) { caller = null; }
            out.Put(caller === null || caller === undefined);
            out.Put(new Error("where am I").stack);
            return 0;
        }
        """
    )
    out = Recorder()
    assert engine.call("getSchemas", [out]).return_code == 0
    assert out.values[:2] == [True, True]
    assert engine._token not in out.values[2]


def test_dispatcher_cannot_be_replaced() -> None:
    engine = make_engine(
        f"""
        var original = {DISPATCHER};
        {DISPATCHER} = function () {{ return 99; }};
        var deleted = delete globalThis.{DISPATCHER};
        var redefineError = null;
        try {{
            Object.defineProperty(globalThis, "{DISPATCHER}", {{ value: function () {{ return 98; }} }});
        }} catch (e) {{
            redefineError = e.name;
        }}
        function getSchemas(out) {{
            out.Put(deleted);
            out.Put(redefineError);
            out.Put({DISPATCHER} === original);
            try {{
                (function () {{ "use strict"; {DISPATCHER} = null; }})();
                out.Put("assigned");
            }} catch (e) {{
                out.Put(e.name);
            }}
            return 7;
        }}
        function getStatus() {{ return 8; }}
        """
    )
    out = Recorder()
    assert engine.call("getSchemas", [out]).return_code == 7
    assert out.values == [False, "TypeError", True, "TypeError"]
    assert engine.call("getStatus", []).return_code == 8  # the host still dispatches


def test_declaring_the_dispatcher_fails_to_load() -> None:
    with pytest.raises(ScriptLoadError):
        make_engine(f"function {DISPATCHER}() {{ return 0; }}\nfunction getSchemas() {{ return 0; }}\n")


def test_function_constructor_gives_the_same_global() -> None:
    assert run_snippet(
        """
        var g = Function("return this")();
        out.Put(g === globalThis);
        out.Put((0, eval)("this") === globalThis);
        out.Put(new Function("return typeof std + typeof os + typeof require")());
        """
    ) == [True, True, "undefinedundefinedundefined"]


@pytest.mark.parametrize("module", ["usbmon-host", "os", "std", "./driver.js", "/etc/passwd"])
def test_dynamic_import_gives_no_capability(module: str) -> None:
    engine = make_engine(
        f"""
        var seen = [];
        function getSchemas(out) {{
            try {{
                var p = import("{module}");
                p.then(function (ns) {{ seen.push("names:" + Object.getOwnPropertyNames(ns).join(",")); }},
                       function (e) {{ seen.push("rejected"); }});
                out.Put("promise");
            }} catch (e) {{
                out.Put("threw");
            }}
            return 0;
        }}
        function getStatus(out) {{ out.Put(seen); return 0; }}
        """
    )
    out = Recorder()
    assert engine.call("getSchemas", [out]).return_code == 0
    assert engine.call("getStatus", [out]).return_code == 0
    assert out.values[0] in ("promise", "threw")
    # Whatever settled, no namespace with anything in it reached the script.
    assert all(s in ("rejected", "names:") for s in out.values[1])
    # And the realm itself resolves no module but the shim, whose namespace is empty.
    settled: object
    try:
        settled = engine._runtime.eval(f'import("{module}").then(ns => Object.getOwnPropertyNames(ns))')
    except jsbox.JavaScriptError as exc:
        settled = f"rejected: {exc.message}"
    if module == "usbmon-host":
        assert settled == []
    else:
        assert settled == f"rejected: module not found: {module}"


def test_host_objects_expose_no_python_internals() -> None:
    bag = PropertyBag("QueueProperties", {"Model": Property("String", "X")}, writable=True)
    stream = PrinterStream(DeviceChannel(FakeDevice(), RealClock()))
    results = run_snippet(
        """
        var objects = [out, bag, stream];
        var probes = ["__class__", "__dict__", "__init__", "constructor", "__proto__", "prototype",
                      "properties", "label", "writable", "channel", "com_invoke", "com_layout",
                      "_com_members", "values", "fget", "hasOwnProperty", "toJSON", "then"];
        for (var i = 0; i < objects.length; i++) {
            var o = objects[i];
            var found = [];
            for (var j = 0; j < probes.length; j++) {
                if (o[probes[j]] !== undefined) found.push(probes[j]);
            }
            var enumerated = [];
            for (var k in o) enumerated.push(k);
            out.Put([found, Object.keys(o), Object.getOwnPropertyNames(o), enumerated,
                     Object.getPrototypeOf(o) === null, JSON.stringify(o)]);
        }
        """,
        bag=bag,
        stream=stream,
    )
    assert results == [[[], [], [], [], True, "{}"]] * 3
