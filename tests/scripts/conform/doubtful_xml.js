// doubtful_xml.js - BROKEN ON PURPOSE (conformance category: bidi)
//
// BUG: the vendor meant both counters to share the query key "Counters", but
// doubtful_xml.xml gives JamCount an empty queryKey (a blank). USBMon loads the
// XML, ignores the blank key and asks for JamCount by its path; this script
// happens to answer that too, so every Get works, and the mistake stays hidden.
//
// EXPECTED ADVISORY FAILURES: BIDI-013 (doubtful_xml.xml:8: JamCount has an
// empty queryKey). No mandatory failure.

var PAGE_COUNT = "\\Printer.Extension:PageCount";
var JAM_COUNT = "\\Printer.Extension:JamCount";

function getSchemas(scriptContext, printerStream, schemaRequests, printerBidiSchemaResponses) {
    var i;
    for (i = 0; i < schemaRequests.length; i++) {
        if (schemaRequests[i] === "Counters") {
            printerBidiSchemaResponses.AddInt32(PAGE_COUNT, 1234);
        } else if (schemaRequests[i] === JAM_COUNT) {
            printerBidiSchemaResponses.AddInt32(JAM_COUNT, 2);
        }
    }
    return 0;
}
