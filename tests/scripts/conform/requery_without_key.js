// requery_without_key.js - BROKEN ON PURPOSE (conformance category: bidi)
//
// BUG: getSchemas returns 1 ("ask me again") when the printer is warming up,
// but never says which key to ask again with AddRequeryKey, so USBMon has
// nothing to requery and the value never gets refreshed.
//
// EXPECTED MANDATORY FAILURES: BIDI-005 (requery does not converge).

var STATE = "\\Printer.Status.Summary:State";

function getSchemas(scriptContext, printerStream, schemaRequests, printerBidiSchemaResponses) {
    printerBidiSchemaResponses.AddString(STATE, "Idle");
    return 1;                                                // BUG: requery without AddRequeryKey
}
