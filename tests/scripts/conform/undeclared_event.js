// undeclared_event.js - BROKEN ON PURPOSE (conformance category: bidi)
//
// BUG: endPrintJob raises "\Printer.Extension:JobDoneEvent" with AddNull, but
// undeclared_event.xml declares the event as "JobFinishedEvent". An AddNull of
// a path that is not an <Event> raises nothing: the user is never told.
//
// EXPECTED MANDATORY FAILURES: BIDI-009 (raised event not declared).

function startPrintJob(jobContext, printerStream, printerBidiSchemaResponses) {
    return jobContext.ReturnCodes.Success;
}

function writePrintData(jobContext, printData, printerStream, writePrintDataProgress, printerBidiSchemaResponses) {
    var written = printerStream.Write(printData);
    writePrintDataProgress.ProcessedByteCount = written;
    return written === 0 ? jobContext.ReturnCodes.DeviceBusy : jobContext.ReturnCodes.Success;
}

function endPrintJob(jobContext, printerStream, printerBidiSchemaResponses) {
    printerBidiSchemaResponses.AddNull("\\Printer.Extension:JobDoneEvent");   // BUG: not the declared name
    return jobContext.ReturnCodes.Success;
}
