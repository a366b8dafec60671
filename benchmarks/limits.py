"""What one 64 KiB buffer costs at the JS boundary, piece by piece: the evidence in performance.md.

`python benchmarks/limits.py` times every way this QuickJS build (jsbox 0.1.3) has to turn
bytes into a real Array and to check and copy an Array back into bytes, in the same process,
best of several runs, and the same work in node when it is installed. Nothing here is on the
host's path; it shows where the floor is and why.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time

import jsbox

ELEMENTS = 1 << 16
JS_HELPERS = r"""
var AP = Array.prototype, apply = Reflect.apply, push = AP.push, toSpliced = AP.toSpliced;
var A = apply(toSpliced, U, [0, 0]);
function push16k(u) {
  var a = [];
  for (var i = 0; i < u.length; i += 16384) push.apply(a, u.subarray(i, i + 16384));
  return a;
}
function indexLoop(u) {
  var n = u.length, a = new Array(n);
  for (var i = 0; i < n; i++) a[i] = u[i];
  return a;
}
function elementLoop(a) {
  var n = a.length, out = new Uint8Array(n);
  for (var i = 0; i < n; i++) {
    var x = a[i];
    if (typeof x !== "number" || x !== (x & 255)) throw new RangeError("not a byte");
    out[i] = x;
  }
  return out;
}
function typeofLoop(a) {
  for (var i = 0; i < a.length; i++) if (typeof a[i] !== "number") return i;
  return -1;
}
function emptyLoop(a) {
  var n = a.length;
  for (var i = 0; i < n; i++) {}
  return n;
}
function setCopy(a) {
  var out = new Uint8Array(a.length);
  out.set(a);
  return out;
}
var A65535 = A.slice(0, 65535);
"""
CASES = {
    "bytes → Array: Array.prototype.slice.call(u8)": "Array.prototype.slice.call(U)",
    "bytes → Array: Array.from(u8)": "Array.from(U)",
    "bytes → Array: index loop into new Array(n)": "indexLoop(U)",
    "bytes → Array: push.apply in 16 Ki slices": "push16k(U)",
    "bytes → Array: toSpliced.call(u8, 0, 0) (used)": "apply(toSpliced, U, [0, 0])",
    "Array → Array copy: toSpliced (used)": "apply(toSpliced, A, [0, 0])",
    "Array → Array copy: slice()": "A.slice()",
    "check + copy: element loop (typeof, x & 255)": "elementLoop(A)",
    "check only: typeof loop": "typeofLoop(A)",
    "bytecode floor: empty for loop over 64 Ki": "emptyLoop(A)",
    "copy only, no check: Uint8Array.set(array)": "setCopy(A)",
    "jsbox Array → Python list (used)": "take(A)",
    "indexOf(true), a C loop (used twice)": "A.indexOf(true)",
    "Math.max.apply on 65,535 elements (used)": "Math.max.apply(null, A65535)",
}
NODE = r"""
const u = require("crypto").randomBytes(65536);
function best(f) {
  let b = Infinity;
  for (let r = 0; r < 50; r++) {
    const t = process.hrtime.bigint();
    f();
    b = Math.min(b, Number(process.hrtime.bigint() - t) / 1e6);
  }
  return b;
}
function toArray() {
  const a = new Array(u.length);
  for (let i = 0; i < u.length; i++) a[i] = u[i];
  return a;
}
const a = toArray();
console.log(JSON.stringify({
  "node: index loop into new Array(n)": best(toArray),
  "node: Buffer.from(array), no check": best(() => Buffer.from(a)),
}));
"""


def _best_ms(runtime: jsbox.Runtime, expression: str, runs: int = 25) -> float:
    runtime.eval(expression + ", 0")
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        runtime.eval(expression + ", 0")
        best = min(best, time.perf_counter() - start)
    return best * 1000


def measure() -> dict[str, float]:
    runtime = jsbox.Runtime(memory_limit=256 << 20, max_value_bytes=1 << 30)
    runtime.bind_object("U", os.urandom(ELEMENTS))
    taken: list[list[int]] = []
    runtime.bind_function("take", lambda values: taken.append(values) or 0)
    runtime.eval(JS_HELPERS)
    results = {name: _best_ms(runtime, expression) for name, expression in CASES.items()}
    values = list(os.urandom(ELEMENTS))
    for name, convert in (("Python bytes(list)", bytes), ("Python bytearray(list) (used)", bytearray)):
        best = float("inf")
        for _ in range(25):
            start = time.perf_counter()
            convert(values)
            best = min(best, time.perf_counter() - start)
        results[name] = best * 1000
    node = shutil.which("node")
    if node:
        out = subprocess.run([node, "-e", NODE], capture_output=True, text=True, check=True).stdout
        results.update(json.loads(out))
    return results


if __name__ == "__main__":
    for name, ms in measure().items():
        print(f"{ms:8.3f} ms  {ms * 1e6 / ELEMENTS:6.1f} ns/element  {name}")
