// usbmon-host: the JavaScript half of the host bridge (bridge.py is the Python half).
//
// Runs once per engine, before the vendor script. It takes the Python callbacks off the global
// object into this closure, removes every non-ECMAScript global the engine ships, and installs
// one non-writable dispatcher that only answers callers holding the per-engine token. Vendor
// code can overwrite any built-in prototype; everything used here is captured first.

const hostCall = globalThis.__usbmon_call;
const hostGet = globalThis.__usbmon_get;
const hostSet = globalThis.__usbmon_set;
const hostArgs = globalThis.__usbmon_args;
const hostStage = globalThis.__usbmon_stage;
const token = globalThis.__usbmon_token;
for (const name of ["__usbmon_call", "__usbmon_get", "__usbmon_set", "__usbmon_args", "__usbmon_stage", "__usbmon_token",
                    "console", "performance", "queueMicrotask", "TextEncoder", "TextDecoder",
                    "DOMException", "atob", "btoa"]) {
  delete globalThis[name];
}

const ArrayCtor = Array;
const U8 = Uint8Array;
const isArray = Array.isArray;
const isView = ArrayBuffer.isView;
const DataViewCtor = DataView;
const ArrayBufferCtor = ArrayBuffer;
const slice = Array.prototype.slice;
const toSpliced = Array.prototype.toSpliced;
const indexOf = Array.prototype.indexOf;
const mathMax = Math.max;
const apply = Reflect.apply;
const hasOwn = Object.prototype.hasOwnProperty;
const defineProperty = Object.defineProperty;
const create = Object.create;
const objectKeys = Object.keys;
const ProxyCtor = Proxy;
const MapCtor = Map;
const WeakSetCtor = WeakSet;
const bind = Function.prototype.bind;
const callOf = function (fn) { return apply(bind, Function.prototype.call, [fn]); };  // callOf(f)(self, …) is f.call(self, …)
const lower = String.prototype.toLowerCase;
const toStr = String;
const TypeErrorCtor = TypeError;
const RangeErrorCtor = RangeError;
const ErrorCtor = Error;
const funcToString = Function.prototype.toString;
const exec = RegExp.prototype.exec;

const bufferOf = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(U8.prototype), "buffer").get;
const detachedDescriptor = Object.getOwnPropertyDescriptor(ArrayBufferCtor.prototype, "detached");
const isDetached = detachedDescriptor ? detachedDescriptor.get : function () { return false; };

const layouts = create(null);   // interface name -> its members by lower-case name, and traps
const proxies = new MapCtor();   // handle id -> proxy (cleared of released handles)
const hostObjects = new WeakSetCtor();  // every proxy handed out, to refuse them as arguments

// Built-ins the hot paths call, bound once: a bound function is called directly, where
// Reflect.apply costs an argument array per call (≈ 1,400 instructions more, performance.md).
const proxyOf = apply(bind, Map.prototype.get, [proxies]);
const keepProxy = apply(bind, Map.prototype.set, [proxies]);
const dropProxy = apply(bind, Map.prototype.delete, [proxies]);
const markHostObject = apply(bind, WeakSet.prototype.add, [hostObjects]);
const isHostObject = apply(bind, WeakSet.prototype.has, [hostObjects]);
const spliced = callOf(toSpliced);  // spliced(array, start, count): a fresh Array, once allocated

// Bytes become a real Array. toSpliced allocates the result once at its final size, which
// makes it the cheapest way QuickJS has to build one (docs/performance.md).
function bytesToArray(u8) {
  return spliced(u8, 0, 0);
}

// printData re-presented after a partial ProcessedByteCount: copying the rest out of a private
// Array of the buffer costs a third of building it from bytes again. The copy is never handed
// out, so nothing a script does to its printData can reach the next call's.
let presented = { key: null, start: 0, rest: null };
const MAX_KEPT = 1 << 18;

function presentPrintData(u8, key, offset) {
  if (presented.key !== key) {
    presented = { key: key, start: offset, rest: null };
    return bytesToArray(u8);  // the first presentation of a buffer: most buffers need no other
  }
  if (u8.length > MAX_KEPT) return bytesToArray(u8);  // too big to keep a second copy of
  if (presented.rest === null || offset < presented.start) {
    presented.rest = bytesToArray(u8);
    presented.start = offset;
  }
  return spliced(presented.rest, 0, offset - presented.start);
}

// An Array going to the host: the common case, a plain Array of byte numbers, is checked and
// copied by jsbox and Python at C speed; anything else takes the element loop below, which
// gives the exact error. Both read `length` and every element once, in order.
const FAST_MIN = 128;           // below this the loop is quicker than the extra host call
const FAST_ELEMENTS = 1 << 18;  // a bigger one takes the loop: its 16-byte-per-element copy
                                // would eat into the script's heap
const MAX_APPLY = 65535;        // QuickJS' argument-count limit for Function.prototype.apply

function stagedArray(value, member) {
  const n = value.length;
  if (!(n >= FAST_MIN && n <= FAST_ELEMENTS)) return toByteArray(value, n, member);
  const copy = spliced(value, 0, 0);  // a plain fast Array no script code can touch
  const slot = stageByteNumbers(copy);
  if (slot >= 0) return { "!s": slot };  // the bridge swaps this for the staged bytes
  return toByteArray(copy, copy.length, member);
}

// The slot of the bytes the bridge now holds for `copy`, or -1 if it is not all byte numbers.
function stageByteNumbers(copy) {
  let slot = -1;
  try {
    slot = hostStage(copy);  // Python: -1 for anything but ints 0-255
  } catch (error) {
    return -1;  // something jsbox cannot copy (a symbol, a function, a cycle, a Proxy)
  }
  // jsbox hands booleans and BigInts over as ints; look for them in the copy. With no objects
  // left in it (they fail above), Math.max runs no script code and throws only on a BigInt.
  if (slot < 0 || apply(indexOf, copy, [true]) >= 0 || apply(indexOf, copy, [false]) >= 0) return -1;
  try {
    while (copy.length > MAX_APPLY) {
      const end = copy.length - MAX_APPLY;
      if (end <= 4096) {  // a 64 KiB buffer is one element too long: look at the few left over
        for (let i = MAX_APPLY; i < copy.length; i++) if (typeof copy[i] === "bigint") return -1;
        copy.length = MAX_APPLY;
      } else {
        apply(mathMax, undefined, spliced(copy, 0, end));
        copy.length = end;
      }
    }
    apply(mathMax, undefined, copy);
  } catch (error) {
    return -1;
  }
  return slot;
}

function toBytes(value, member) {
  if (value instanceof U8) {
    if (apply(isDetached, apply(bufferOf, value, []), [])) {
      throw new TypeErrorCtor(member + ": the byte array's ArrayBuffer has been detached");
    }
    return value;
  }
  if (value instanceof ArrayBufferCtor) return new U8(value);
  if (isArray(value)) return stagedArray(value, member);
  if (typeof value === "string") {
    throw new TypeErrorCtor(member + ": a string is not a byte array");
  } else if (!isView(value) || value instanceof DataViewCtor) {
    throw new TypeErrorCtor(member + ": expected a byte array, got " + describe(value));
  }
  return toByteArray(value, value.length, member);
}

function toByteArray(source, n, member) {
  const out = new U8(n);
  for (let i = 0; i < n; i++) {
    const x = source[i];
    if (typeof x !== "number") {
      throw new TypeErrorCtor(member + ": element " + i + " is " + describe(x) + ", not a byte");
    }
    if (x !== (x & 255)) {
      throw new RangeErrorCtor(member + ": element " + i + " is " + x + ", not a byte (0-255)");
    }
    out[i] = x;
  }
  return out;
}

// jsbox turns the host's CallInterrupted (deadline or cancel) into a catchable Error and stops
// the script at its next interrupt check. Wait for that stop here, so no vendor `catch` runs.
const INTERRUPTED = "host function failed: CallInterrupted";

function host2(fn, a, b) {
  try {
    return fn(a, b);  // a captured host function, called directly: nothing a script can replace
  } catch (error) {
    return interrupted(error);
  }
}

function host3(fn, a, b, c) {
  try {
    return fn(a, b, c);
  } catch (error) {
    return interrupted(error);
  }
}

function host4(fn, a, b, c, d) {
  try {
    return fn(a, b, c, d);
  } catch (error) {
    return interrupted(error);
  }
}

function interrupted(error) {
  if (error !== null && typeof error === "object" && error.message === INTERRUPTED) for (;;) {}
  throw error;
}

// Arguments that are not byte arrays, made into what COM could receive. Anything jsbox cannot
// copy (functions, symbols, Proxies, cycles) would otherwise fail deep in the binding with no
// useful message; a BigInt has no COM type (JScript has none) and must not pass as a number.
const MAX_DEPTH = 32;

function toHostValue(value, member, depth) {
  const type = typeof value;
  if (value === null || type === "undefined" || type === "boolean" || type === "number" || type === "string") {
    return value;
  }
  if (type === "bigint") throw new TypeErrorCtor(member + ": a BigInt is not a COM value; pass a Number");
  if (type !== "object") throw new TypeErrorCtor(member + ": a " + type + " cannot be passed to the host");
  if (isHostObject(value)) {
    throw new TypeErrorCtor(member + ": a host object cannot be passed here");
  }
  if (!isArray(value)) return {};  // the host sees "an object", as COM would see an IDispatch
  const level = (depth || 0) + 1;
  if (level > MAX_DEPTH) throw new TypeErrorCtor(member + ": an array nested too deeply (or containing itself)");
  const n = value.length;
  const out = new ArrayCtor(n);
  for (let i = 0; i < n; i++) {
    const x = value[i];
    out[i] = x === undefined ? null : toHostValue(x, member, level);
  }
  return out;
}

function describe(value) {
  if (value === null) return "null";
  if (isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : typeof value;
}

function raise(marker) {
  const kind = marker[0];
  const Ctor = kind === "TypeError" ? TypeErrorCtor : kind === "RangeError" ? RangeErrorCtor : ErrorCtor;
  throw new Ctor(marker[1]);
}

function fromHost(result) {
  if (result === null || typeof result !== "object") return result;
  if (result instanceof U8) return bytesToArray(result);
  if (isArray(result)) {
    const out = [];
    for (let i = 0; i < result.length; i++) out[i] = fromHost(result[i]);
    return out;
  }
  if (apply(hasOwn, result, ["!err"])) raise(result["!err"]);
  if (apply(hasOwn, result, ["!h"])) return proxyFor(result["!h"], result.c, result.l);
  return result;
}

// A host object is a Proxy over a bare target. All proxies of one interface share one handler
// (made once per layout); each proxy's own handler is a one-property object inheriting the
// traps, so a new object per call (responses, progress, a stream) costs one Proxy, not a set of
// closures. Member names resolve case-insensitively; each spelling a script uses is kept.
function layoutFor(iface, layout) {
  if (layout) {
    const members = create(null);
    const names = objectKeys(layout.members);
    for (let i = 0; i < names.length; i++) {
      const spec = layout.members[names[i]];  // [canonical name, kind, byte-array positions, held-back types]
      const bytesAt = create(null);
      for (let j = 0; j < spec[2].length; j++) bytesAt[spec[2][j]] = true;
      members[names[i]] = { name: spec[0], kind: spec[1], bytesAt: bytesAt, heldBack: spec[3] };
    }
    const label = "[object " + iface + "]";
    layouts[iface] = {
      iface: iface,
      members: members,
      spellings: create(null),
      label: function () { return label; },
      traps: traps(),
    };
  }
  return layouts[iface];
}

function resolve(shape, key) {
  if (typeof key !== "string") return undefined;
  const known = shape.spellings[key];
  if (known !== undefined) return known;
  const spec = shape.members[apply(lower, key, [])];
  if (spec !== undefined) shape.spellings[key] = spec;
  return spec;
}

function traps() {
  const handler = create(null);
  handler.get = function (target, key) {
    const shape = this.shape;
    const spec = resolve(shape, key);
    if (spec === undefined) return key === "toString" || key === "valueOf" ? shape.label : undefined;
    if (spec.kind === 0) return method(this, spec);
    handOver();
    return fromHost(host2(hostGet, this.hid, spec.name));
  };
  handler.set = function (target, key, value) {
    const iface = this.shape.iface;
    const spec = resolve(this.shape, key);
    if (spec === undefined) throw new TypeErrorCtor(iface + " has no member '" + toStr(key) + "'");
    if (spec.kind !== 2) throw new TypeErrorCtor(spec.name + ": cannot assign to a read-only " + (spec.kind === 0 ? "method" : "property") + " of " + iface);
    const shown = toHostValue(value, spec.name);
    handOver();
    fromHost(host3(hostSet, this.hid, spec.name, shown));
    return true;
  };
  handler.has = function (target, key) { return resolve(this.shape, key) !== undefined; };
  handler.deleteProperty = function (target, key) { throw new TypeErrorCtor("cannot delete '" + toStr(key) + "' of " + this.shape.iface); };
  handler.defineProperty = function (target, key) { throw new TypeErrorCtor("cannot define '" + toStr(key) + "' on " + this.shape.iface); };
  handler.setPrototypeOf = function () { return false; };
  handler.ownKeys = function () { return []; };
  return handler;
}

// A proxy's method is a closure over its handle, made on first use. Everything else it needs
// was worked out once per layout, so a fresh object per call costs little per method it uses.
function method(handler, spec) {
  let methods = handler.methods;
  if (methods === null) methods = handler.methods = create(null);
  const made = methods[spec.name];
  if (made !== undefined) return made;
  const hid = handler.hid;
  const fn = function () { return callMember(hid, spec, arguments); };
  methods[spec.name] = fn;
  return fn;
}

function callMember(hid, spec, argv) {
  const name = spec.name, bytesAt = spec.bytesAt, n = argv.length;
  if (holdingBack && spec.heldBack !== null && mayHoldBack(spec.heldBack, argv, n)) {
    const args = [];
    for (let i = 0; i < n; i++) args[i] = argv[i];
    heldBack[heldBack.length] = [hid, name, args];
    if (heldBack.length >= MAX_HELD_BACK) handOver();
    return undefined;
  }
  const args = [];
  for (let i = 0; i < n; i++) {
    args[i] = bytesAt[i] === true ? toBytes(argv[i], name) : toHostValue(argv[i], name);
  }
  return fromHost(host4(hostCall, hid, name, args, takeHeldBack()));
}

// Held back: calls to methods that only record what the script reports (the responses'
// Add…) wait here and travel with the next host call or the entry point's result, one
// boundary crossing for many (docs/performance.md §2.9). A call is held back only when its
// arguments have exactly the JS types the layout names, which the host always accepts, so it
// cannot fail away from its call site; anything else is called at once, as before. Every
// other host call hands the held-back ones over first, so the host sees every call in order.
let heldBack = [];
let holdingBack = false;  // per entry-point call: not while a trace or debugger watches calls
const MAX_HELD_BACK = 256;

function mayHoldBack(types, argv, n) {
  if (n !== types.length) return false;
  for (let i = 0; i < n; i++) {
    const x = argv[i], type = types[i];
    if (type === "int32" ? typeof x !== "number" || (x | 0) !== x : typeof x !== type) return false;
  }
  return true;
}

function takeHeldBack() {
  if (heldBack.length === 0) return null;
  const calls = heldBack;
  heldBack = [];
  return calls;
}

function handOver() {
  if (heldBack.length !== 0) host4(hostCall, 0, "", null, takeHeldBack());
}

// An entry point's result, with the calls still held back when it returned or threw.
function finished(result) {
  return heldBack.length === 0 ? result : [takeHeldBack(), result];
}

function proxyFor(hid, iface, layout) {
  let proxy = proxyOf(hid);
  if (proxy !== undefined) return proxy;
  const shape = layoutFor(iface, layout);
  const handler = create(shape.traps);
  handler.shape = shape;
  handler.hid = hid;
  handler.methods = null;
  proxy = new ProxyCtor(create(null), handler);
  keepProxy(hid, proxy);
  markHostObject(proxy);
  return proxy;
}

// The arguments as bridge.py's js_args sends them, from `at` on: kind, then its fields
// (quickjs.py's _encode). Returns whether one of them is printData.
function decodeArgs(spec, at, args) {
  let printData = false;
  const n = spec.length;
  while (at < n) {
    const kind = spec[at];
    if (kind === 0) {
      args[args.length] = proxyFor(spec[at + 1], spec[at + 2], spec[at + 3]);
      at += 4;
    } else if (kind === 2) {
      args[args.length] = presentPrintData(spec[at + 1], spec[at + 2], spec[at + 3]);
      printData = true;
      at += 4;
    } else {
      args[args.length] = kind === 1 ? bytesToArray(spec[at + 1]) : spec[at + 1];
      at += 2;
    }
  }
  return printData;
}

function parameterNames(fn) {
  const match = apply(exec, /^[^(]*\(([^)]*)\)/, [apply(funcToString, fn, [])]);
  if (!match) return [];
  const names = [];
  const parts = match[1].replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*/g, "").split(",");
  for (let i = 0; i < parts.length; i++) {
    const name = parts[i].trim();
    if (name) names.push(name);
  }
  return names;
}

function failure(error) {
  try {
    if (error === null) {
      // QuickJS throws null when memory is too short even for its "out of memory" error
      // (a script's own `throw null` looks the same).
      return { threw: { name: "InternalError", message: "out of memory", stack: "" } };
    }
    if (typeof error === "object") {
      const name = error.name, message = error.message;
      if (name === "InternalError" && message === "" && !apply(hasOwn, error, ["message"])) {
        // Out of memory while QuickJS made its own "out of memory" error: the message string
        // could not be allocated, so only the prototype's "" is left.
        return { threw: { name: name, message: "out of memory", stack: toStr(error.stack || "") } };
      }
      if (typeof message !== "string") {
        // `throw {…}` or a Proxy: not an Error, so say so rather than "undefined: undefined".
        return { threw: { name: null, message: "the script threw " + describe(error) + " that is not an Error", stack: "" } };
      }
      return { threw: { name: typeof name === "string" ? name : null, message: message, stack: toStr(error.stack || "") } };
    }
    return { threw: { name: null, message: toStr(error), stack: "" } };
  } catch (e) {
    return { threw: { name: null, message: "<an exception that cannot be printed>", stack: "" } };
  }
}

function invoke(callerToken, entry) {
  if (callerToken !== token) throw new TypeErrorCtor("not available");
  if (entry === "") return takeHeldBack();  // after a call that was stopped (timeout, cancel)
  heldBack = [];
  const spec = hostArgs();  // [may hold back, names to describe, n released, …released handles, …encoded args]
  holdingBack = spec[0];
  const released = 3 + spec[2];
  for (let i = 3; i < released; i++) dropProxy(spec[i]);
  if (entry === null) {
    const names = spec[1];
    const found = {};
    for (let i = 0; i < names.length; i++) {
      const fn = globalThis[names[i]];
      if (typeof fn === "function") found[names[i]] = parameterNames(fn);
    }
    return found;
  }
  const args = [];  // decoded first: it records the class layouts that travel with new handles
  const printData = decodeArgs(spec, released, args);
  if (!printData && presented.key !== null) presented = { key: null, start: 0, rest: null };  // free the buffer's copy
  const fn = globalThis[entry];
  if (typeof fn !== "function") return { missing: typeof fn };
  let result;
  try {
    result = apply(fn, undefined, args);
  } catch (error) {
    return finished(failure(error));
  }
  if (typeof result === "number") return finished(result);
  let shown;
  try { shown = toStr(result); } catch (e) { shown = "<" + typeof result + ">"; }
  return finished({ invalid: result === null ? "null" : typeof result, shown: shown });
}

defineProperty(globalThis, "__usbmon_invoke__", { value: invoke, writable: false, enumerable: false, configurable: false });
