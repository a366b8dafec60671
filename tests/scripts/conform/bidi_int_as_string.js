// bidi_int_as_string.js - BROKEN ON PURPOSE (conformance category: bidi)
//
// BUG: bidi_int_as_string.xml declares \Printer.Extension:PageCount as
// BIDI_INT, but getSchemas reports it with AddString (the text it parsed).
// A Bidi client reads a string where it expects a number.
//
// EXPECTED MANDATORY FAILURES: BIDI-003 (value reported with another type).

var PAGE_COUNT = "\\Printer.Extension:PageCount";
var STATE = "\\Printer.Status.Summary:State";

function getSchemas(scriptContext, printerStream, schemaRequests, printerBidiSchemaResponses) {
    var i;
    for (i = 0; i < schemaRequests.length; i++) {
        if (schemaRequests[i] === "Counters") {
            printerBidiSchemaResponses.AddString(PAGE_COUNT, "1234");     // BUG: declared BIDI_INT
        } else if (schemaRequests[i] === STATE) {
            printerBidiSchemaResponses.AddString(STATE, "Idle");
        }
    }
    return 0;
}
