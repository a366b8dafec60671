// toplevel_wscript.js - BROKEN ON PURPOSE (conformance category: loading)
//
// BUG: the top level logs through Windows Script Host (WScript.Echo), which a
// USBMon extender does not have: loading throws a ReferenceError and the port
// has no entry points at all.
//
// EXPECTED MANDATORY FAILURES: LOAD-003 (top-level code fails). Everything
// that needs the script to run is skipped.

var VERSION = "1.0.3";
WScript.Echo("usb extender " + VERSION + " loaded");         // BUG: no WScript under USBMon

function startPrintJob(jobContext, printerStream, printerBidiSchemaResponses) {
    return jobContext.ReturnCodes.Success;
}
