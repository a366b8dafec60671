// entry_names.js - near misses of entry-point names. USBMon looks the seven
// names up exactly (case-sensitively), so none of these is ever called:
// every one is an ENTRY-NAME error. getStatus is spelt right, so the helper
// setStatus next to it is not reported.

function GetSchemas(scriptContext, printerStream, schemaRequests, printerBidiSchemaResponses) {   // ENTRY-NAME
    return 0;
}

var writePrintdata = function (jobContext, printData, printerStream, writePrintDataProgress) {   // ENTRY-NAME
    writePrintDataProgress.ProcessedByteCount = printData.length;
    return 0;
};

startJob = function (jobContext, printerStream, printerBidiSchemaResponses) {                    // ENTRY-NAME
    return 0;
};

function end_print_job(jobContext, printerStream, printerBidiSchemaResponses) {                  // ENTRY-NAME
    return 0;
}

function setStatus(responses, value) {
    responses.AddInt32("\\Printer.Extension:Status", value);
}

function getStatus(scriptContext, printerStream, printerBidiSchemaResponses) {
    setStatus(printerBidiSchemaResponses, 1);
    return 0;
}
