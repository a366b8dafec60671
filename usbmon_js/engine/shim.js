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
const token = globalThis.__usbmon_token;
for (const name of ["__usbmon_call", "__usbmon_get", "__usbmon_set", "__usbmon_args", "__usbmon_token",
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
const apply = Reflect.apply;
const hasOwn = Object.prototype.hasOwnProperty;
const defineProperty = Object.defineProperty;
const create = Object.create;
const ProxyCtor = Proxy;
const MapCtor = Map;
const WeakSetCtor = WeakSet;
const weakAdd = WeakSet.prototype.add;
const weakHas = WeakSet.prototype.has;
const mapGet = Map.prototype.get;
const mapSet = Map.prototype.set;
const mapDelete = Map.prototype.delete;
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

const layouts = new MapCtor();   // interface name -> {members: {lowercase: [Name, kind, bytesArgs]}}
const proxies = new MapCtor();   // handle id -> proxy (cleared of released handles)
const hostObjects = new WeakSetCtor();  // every proxy handed out, to refuse them as arguments

function bytesToArray(u8) {
  return apply(slice, u8, []);
}

function toBytes(value, member) {
  if (value instanceof U8) {
    if (apply(isDetached, apply(bufferOf, value, []), [])) {
      throw new TypeErrorCtor(member + ": the byte array's ArrayBuffer has been detached");
    }
    return value;
  }
  if (value instanceof ArrayBufferCtor) return new U8(value);
  let source = value;
  if (isView(value) && !(value instanceof DataViewCtor)) {
    source = value;
  } else if (typeof value === "string") {
    throw new TypeErrorCtor(member + ": a string is not a byte array");
  } else if (!isArray(value)) {
    throw new TypeErrorCtor(member + ": expected a byte array, got " + describe(value));
  }
  const n = source.length;
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

function host(fn, args) {
  try {
    return apply(fn, undefined, args);
  } catch (error) {
    if (error !== null && typeof error === "object" && error.message === INTERRUPTED) for (;;) {}
    throw error;
  }
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
  if (apply(weakHas, hostObjects, [value])) {
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

function proxyFor(hid, iface, layout) {
  let proxy = apply(mapGet, proxies, [hid]);
  if (proxy !== undefined) return proxy;
  if (layout) apply(mapSet, layouts, [iface, layout]);
  const members = apply(mapGet, layouts, [iface]).members;
  const methods = create(null);
  const resolve = function (key) {
    if (typeof key !== "string") return undefined;
    const lowered = apply(lower, key, []);
    return apply(hasOwn, members, [lowered]) ? members[lowered] : undefined;
  };
  const method = function (spec) {
    const name = spec[0];
    if (methods[name]) return methods[name];
    const bytesArgs = spec[2];
    const bytesAt = create(null);
    for (let i = 0; i < bytesArgs.length; i++) bytesAt[bytesArgs[i]] = true;
    const fn = function () {
      const args = apply(slice, arguments, []);
      for (let i = 0; i < args.length; i++) {
        args[i] = apply(hasOwn, bytesAt, [i]) ? toBytes(args[i], name) : toHostValue(args[i], name);
      }
      return fromHost(host(hostCall, [hid, name, args]));
    };
    methods[name] = fn;
    return fn;
  };
  const label = "[object " + iface + "]";
  proxy = new ProxyCtor(create(null), {
    get: function (target, key) {
      const spec = resolve(key);
      if (spec === undefined) {
        return key === "toString" || key === "valueOf" ? function () { return label; } : undefined;
      }
      return spec[1] === 0 ? method(spec) : fromHost(host(hostGet, [hid, spec[0]]));
    },
    set: function (target, key, value) {
      const spec = resolve(key);
      if (spec === undefined) throw new TypeErrorCtor(iface + " has no member '" + toStr(key) + "'");
      if (spec[1] !== 2) throw new TypeErrorCtor(spec[0] + ": cannot assign to a read-only " + (spec[1] === 0 ? "method" : "property") + " of " + iface);
      fromHost(host(hostSet, [hid, spec[0], toHostValue(value, spec[0])]));
      return true;
    },
    has: function (target, key) { return resolve(key) !== undefined; },
    deleteProperty: function (target, key) { throw new TypeErrorCtor("cannot delete '" + toStr(key) + "' of " + iface); },
    defineProperty: function (target, key) { throw new TypeErrorCtor("cannot define '" + toStr(key) + "' on " + iface); },
    setPrototypeOf: function () { return false; },
    ownKeys: function () { return []; },
  });
  apply(mapSet, proxies, [hid, proxy]);
  apply(weakAdd, hostObjects, [proxy]);
  return proxy;
}

function decodeArg(spec) {
  if (apply(hasOwn, spec, ["!h"])) return proxyFor(spec["!h"], spec.c, spec.l);
  if (apply(hasOwn, spec, ["b"])) return bytesToArray(spec.b);
  return spec.v;
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
  const spec = hostArgs();
  for (let i = 0; i < spec.released.length; i++) apply(mapDelete, proxies, [spec.released[i]]);
  if (entry === null) {
    const found = {};
    for (let i = 0; i < spec.names.length; i++) {
      const fn = globalThis[spec.names[i]];
      if (typeof fn === "function") found[spec.names[i]] = parameterNames(fn);
    }
    return found;
  }
  const args = [];  // decoded first: it records the class layouts that travel with new handles
  for (let i = 0; i < spec.args.length; i++) args[i] = decodeArg(spec.args[i]);
  const fn = globalThis[entry];
  if (typeof fn !== "function") return { missing: typeof fn };
  let result;
  try {
    result = apply(fn, undefined, args);
  } catch (error) {
    return failure(error);
  }
  if (typeof result === "number") return result;
  let shown;
  try { shown = toStr(result); } catch (e) { shown = "<" + typeof result + ">"; }
  return { invalid: result === null ? "null" : typeof result, shown: shown };
}

defineProperty(globalThis, "__usbmon_invoke__", { value: invoke, writable: false, enumerable: false, configurable: false });
