// usbmon-host-probe: the JavaScript half of the debugger and coverage probe (probe.py is the
// Python half, instrument.py inserts the calls into the vendor script).
//
// Counters live in typed arrays the host reads after every entry-point call. In debug mode a
// shadow call stack keeps, per call, the function, the statement it is at and a scope reader
// (a closure doing a direct `eval` inside the vendor function), which is how the host reads
// locals and evaluates expressions while the script is paused. The fast path (no breakpoint,
// not stepping) never leaves JavaScript. Built-ins are captured before the vendor script runs.

const config = globalThis.__usbmon_probe_config;
const hostStop = globalThis.__usbmon_probe_stop;
const hostPoll = globalThis.__usbmon_probe_poll;
for (const name of ["__usbmon_probe_config", "__usbmon_probe_stop", "__usbmon_probe_poll"]) {
  delete globalThis[name];
}

const U8 = Uint8Array;
const F64 = Float64Array;
const isArray = Array.isArray;
const keysOf = Object.keys;
const getPrototypeOf = Object.getPrototypeOf;
const defineProperty = Object.defineProperty;
const toStr = String;
const globalEval = eval;

const hits = new F64(config.statements);
const entries = new F64(config.functions);
const arms = new F64(config.arms);

function define(name, fn) {
  defineProperty(globalThis, name, { value: fn, writable: false, enumerable: false, configurable: false });
}

define("__usbmon_b", function (slot, value) {
  if (value) arms[slot]++;
  else arms[slot + 1]++;
  return value;
});
define("__usbmon_k", function (slot) { arms[slot]++; });
define("__usbmon_f", function (fid) { entries[fid]++; });
define("__usbmon_counts__", function () {
  return { s: new U8(hits.buffer), f: new U8(entries.buffer), a: new U8(arms.buffer) };
});

if (!config.debug) {
  define("__usbmon_s", function (id) { hits[id]++; });
} else {
  const POLL_EVERY = 4096;   // statements between two "has the user asked to pause?" questions
  const STEP_INTO = 1, STEP_OVER = 2, STEP_OUT = 3;
  const lines = config.lines;
  const noBreaks = new U8(config.statements);
  const frames = [{ f: 0, at: -1, scope: function (expression) { return globalEval(expression); } }];
  let depth = 0;
  let breaks = noBreaks;
  let mode = 0, target = 0, fromLine = -1, fromDepth = -1, fromId = -1;
  let exceptions = 1;        // 0 never stop, 1 stop on uncaught, 2 stop on every exception
  let budget = POLL_EVERY;
  let snapshot = null;       // frames where the exception now unwinding was first seen
  let reported;              // the exception the host was last stopped for

  const view = function () {
    const out = [];
    for (let i = depth; i >= 0; i--) out[out.length] = frames[i];
    return out;
  };

  const stepDue = function (id) {
    if (mode === STEP_OVER && depth > target) return false;
    if (mode === STEP_OUT && depth >= target) return false;
    return lines[id] !== fromLine || depth !== fromDepth || id <= fromId;
  };

  define("__usbmon_s", function (id) {
    hits[id]++;
    frames[depth].at = id;
    const mark = breaks[id];
    if (mark !== 0) stop(mark === 2 ? "debugger" : "breakpoint", id, null, view());
    else if (mode !== 0 && stepDue(id)) stop("step", id, null, view());
    else if (--budget === 0) {
      budget = POLL_EVERY;
      if (hostPoll()) stop("interrupt", id, null, view());
    }
  });
  define("__usbmon_p", function (fid, scope) {
    entries[fid]++;
    depth++;
    frames[depth] = { f: fid, at: -1, scope: scope };
  });
  define("__usbmon_l", function () { depth--; });
  define("__usbmon_t", function (error) {
    if (snapshot === null || snapshot.error !== error) {
      snapshot = { error: error, frames: view() };
      if (exceptions === 2 && reported !== error) {
        reported = error;
        stop("exception", frames[depth].at, describeError(error), snapshot.frames);
      }
    }
    if (depth === 1 && exceptions === 1 && reported !== error) {
      reported = error;
      stop("uncaught", snapshot.frames[0].at, describeError(error), snapshot.frames);
    }
  });
  define("__usbmon_c", function (scope, error) {
    frames[depth].scope = scope;   // sees the catch parameter, and everything the function sees
    if (exceptions === 2 && reported !== error) {
      reported = error;
      stop("caught", frames[depth].at, describeError(error), view());
    }
  });
  if (config.initial) apply(config.initial);
  define("__usbmon_sync__", function (state) {
    depth = 0;             // a call that was cut short (deadline, cancel) left frames behind
    snapshot = null;
    reported = undefined;
    budget = POLL_EVERY;
    apply(state);
  });

  function apply(state) {
    if (state.mode !== undefined) {
      mode = state.mode;
      target = state.target;
      fromLine = state.fromLine;
      fromDepth = state.fromDepth;
      fromId = state.fromId;
    }
    if (state.breakpoints !== undefined) {
      breaks = new U8(config.statements);
      const marks = state.breakpoints;
      for (let i = 0; i < marks.length; i++) breaks[marks[i][0]] = marks[i][1];
    }
    if (state.exceptions !== undefined) exceptions = state.exceptions;
  }

  function stop(reason, id, error, stack) {
    const shown = [];
    for (let i = 0; i < stack.length; i++) shown[i] = [stack[i].f, stack[i].at];
    let message = { reason: reason, id: id, depth: depth, frames: shown, error: error };
    for (;;) {
      const command = hostStop(message);
      if (command.op === "resume") {
        apply(command);
        return;
      }
      const saved = [breaks, mode, exceptions];
      breaks = noBreaks;   // evaluating an expression never stops the script again
      mode = 0;
      exceptions = 0;
      try {
        message = { reply: serve(command, stack) };
      } finally {
        breaks = saved[0];
        mode = saved[1];
        exceptions = saved[2];
      }
    }
  }

  function serve(command, stack) {
    const frame = stack[command.frame];
    if (command.op === "eval") {
      try {
        return { value: describe(frame.scope(command.expression), 0) };
      } catch (error) {
        return { error: describeError(error) };
      }
    }
    const found = [];
    for (let i = 0; i < command.names.length; i++) {
      const name = command.names[i];
      try {
        found[found.length] = [name, describe(frame.scope(name), 1)];
      } catch (error) {
        // not in scope here (a block-scoped name, or before its declaration)
      }
    }
    return { locals: found };
  }
}

function describeError(error) {
  try {
    if (error !== null && typeof error === "object") {
      return { name: toStr(error.name), message: toStr(error.message), stack: toStr(error.stack || "") };
    }
    return { name: null, message: toStr(error), stack: "" };
  } catch (e) {
    return { name: null, message: "<an exception that cannot be printed>", stack: "" };
  }
}

function isByteArray(value) {
  const n = value.length;
  if (n === 0) return false;
  for (let i = 0; i < n; i++) {
    const x = value[i];
    if (typeof x !== "number" || (x & 255) !== x) return false;
  }
  return true;
}

function describe(value, level) {
  const type = typeof value;
  if (value === undefined) return { t: "undefined" };
  if (value === null) return { t: "null" };
  if (type === "number" || type === "boolean" || type === "string") return { t: type, v: value };
  if (type === "bigint" || type === "symbol") return { t: type, v: toStr(value) };
  if (type === "function") return { t: "function", v: toStr(value.name || "") };
  if (value instanceof U8) return { t: "bytes", v: new U8(value), of: "Uint8Array" };
  if (isArray(value)) {
    if (isByteArray(value)) {
      const bytes = new U8(value.length);
      for (let i = 0; i < value.length; i++) bytes[i] = value[i];
      return { t: "bytes", v: bytes, of: "Array" };
    }
    const items = [];
    if (level < 2) for (let i = 0; i < value.length && i < 100; i++) items[i] = describe(value[i], level + 1);
    return { t: "array", length: value.length, items: items };
  }
  const keys = keysOf(value);
  let label;
  try { label = toStr(value); } catch (e) { label = "[object]"; }
  if (value instanceof Error) return { t: "error", v: label };
  if (keys.length === 0 && label !== "[object Object]") return { t: "host", v: label };
  const proto = getPrototypeOf(value);
  const cls = proto && proto.constructor && typeof proto.constructor.name === "string" ? proto.constructor.name : "";
  const fields = [];
  if (level < 2) {
    for (let i = 0; i < keys.length && i < 50; i++) {
      let shown;
      try { shown = describe(value[keys[i]], level + 1); } catch (e) { shown = { t: "error", v: toStr(e) }; }
      fields[i] = [keys[i], shown];
    }
  }
  return { t: "object", cls: cls, size: keys.length, fields: fields };
}
