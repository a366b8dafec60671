// arity.js - entry points whose parameter lists do not match what USBMon
// passes (ENTRY-ARITY warnings), and writePrintData in the documented order
// (ENTRY-DOCS-ORDER warning).

// getStatus gets 3 arguments: `extra` is always undefined.
function getStatus(scriptContext, printerStream, printerBidiSchemaResponses, extra) {
    return 0;
}

// endPrintJob declares 2 parameters but uses the 3rd (the responses object)
// under its usual name: it reads an undeclared global instead.
function endPrintJob(jobContext, printerStream) {
    printerBidiSchemaResponses.AddNull("\\Printer.Extension:Done");
    return 0;
}

// Fewer parameters than passed, none of the missing ones used: fine.
function startPrintJob(jobContext) {
    return jobContext.ReturnCodes.Success;
}

// Documented order: progress second. Types follow that order, so
// `progress.ProcessedByteCount` and `stream.Write` are known members.
function writePrintData(jobContext, writePrintDataProgress, printData, printerStream) {
    writePrintDataProgress.ProcessedByteCount = printerStream.Write(printData);
    return 0;
}
