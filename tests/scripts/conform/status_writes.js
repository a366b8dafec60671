// status_writes.js - BROKEN ON PURPOSE (conformance category: status)
//
// BUG: getStatus sends a status request before reading. During a job USBMon
// opens the printer read-only for getStatus, so Write throws and USBMon stops
// polling status for the rest of the job (requestStatus on a secondary
// interface is the way to ask).
//
// EXPECTED MANDATORY FAILURES: STAT-001 (getStatus wrote) and RC-009 (the
// exception happens on the vendor's printer in a normal job).
// EXPECTED ADVISORY FAILURES: STAT-002 (status polling fails).

var STATUS_REQUEST = [0x1B, 0x3F];

function getStatus(scriptContext, printerStream, printerBidiSchemaResponses) {
    printerStream.Write(STATUS_REQUEST);                     // BUG: the stream is read-only here
    printerStream.Read(64);
    return 0;
}

function startPrintJob(jobContext, printerStream, printerBidiSchemaResponses) {
    return jobContext.ReturnCodes.Success;
}

function writePrintData(jobContext, printData, printerStream, writePrintDataProgress, printerBidiSchemaResponses) {
    var written = printerStream.Write(printData);
    writePrintDataProgress.ProcessedByteCount = written;
    return written === 0 ? jobContext.ReturnCodes.DeviceBusy : jobContext.ReturnCodes.Success;
}

function endPrintJob(jobContext, printerStream, printerBidiSchemaResponses) {
    return jobContext.ReturnCodes.Success;
}
