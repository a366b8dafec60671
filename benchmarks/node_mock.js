// What a vendor might hand-roll instead of usbmon-js: the USBMon objects as plain JavaScript in
// node, bytes as Arrays of numbers, no sandbox, no Python, no checks on what Write is given.
//
//   node node_mock.js SCRIPT.js JOB_BYTES BUFFER_BYTES   ->  {"seconds": …, "bytes": …} on stdout
//
// The job is random bytes made before the clock starts; printData is built with an index loop
// (node's fastest way to an Array) and Write copies the Array with Buffer.from, the fastest
// hand-rolled choices, so this is the strongest node baseline, not a straw man.
"use strict";
const crypto = require("crypto");
const fs = require("fs");
const vm = require("vm");

const [scriptPath, jobArg, bufferArg] = process.argv.slice(2);
const jobBytes = Number(jobArg);
const bufferBytes = Number(bufferArg);
vm.runInThisContext(fs.readFileSync(scriptPath, "utf8"), { filename: scriptPath });
const writePrintData = globalThis.writePrintData;

let received = 0;
const printerStream = {
  Write(data) {
    const bytes = Buffer.from(data);
    received += bytes.length;
    return bytes.length;
  },
  Read() {
    return [];
  },
};
const jobContext = { ReturnCodes: { Success: 0, Failure: 1, Retry: 2, DeviceBusy: 3, AbortTheJob: 4 } };

function toArray(bytes) {
  const out = new Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = bytes[i];
  return out;
}

const job = crypto.randomBytes(jobBytes);
const start = process.hrtime.bigint();
for (let at = 0; at < job.length; at += bufferBytes) {
  const buffer = job.subarray(at, Math.min(at + bufferBytes, job.length));
  let offset = 0;
  while (offset < buffer.length) {
    const progress = { ProcessedByteCount: 0 };
    const code = writePrintData(jobContext, toArray(buffer.subarray(offset)), printerStream, progress, {});
    if (code !== 0) throw new Error("writePrintData returned " + code);
    offset += Math.min(Math.max(progress.ProcessedByteCount, 0), buffer.length - offset);
  }
}
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
if (received !== job.length) throw new Error("printer received " + received + " of " + job.length);
process.stdout.write(JSON.stringify({ seconds: seconds, bytes: received }) + "\n");
