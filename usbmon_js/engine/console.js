// usbmon-host-console: a `console` for debugging runs (--console). Windows gives driver scripts
// none, so it is off by default; when on, every line goes to the host (trace and stderr).

const hostConsole = globalThis.__usbmon_console;
delete globalThis.__usbmon_console;

const toStr = String;
const stringify = JSON.stringify;
const keysOf = Object.keys;
const apply = Reflect.apply;
const join = Array.prototype.join;

function show(value) {
  if (typeof value === "string") return value;
  if (value !== null && typeof value === "object") {
    try {
      const label = toStr(value);
      if (keysOf(value).length === 0 && label !== "[object Object]") return label;  // a host object
    } catch (e) {
      // fall through to JSON
    }
  }
  try {
    const text = stringify(value);
    if (text !== undefined) return text;
  } catch (e) {
    // cyclic or otherwise unprintable: fall back to String()
  }
  try { return toStr(value); } catch (e) { return "<" + typeof value + ">"; }
}

function writer(level) {
  return function () {
    const parts = [];
    for (let i = 0; i < arguments.length; i++) parts[i] = show(arguments[i]);
    hostConsole(level, apply(join, parts, [" "]));
  };
}

globalThis.console = {
  log: writer("log"),
  info: writer("info"),
  warn: writer("warn"),
  error: writer("error"),
  debug: writer("debug"),
};
