// loses_bytes_on_short_write.js - BROKEN ON PURPOSE (conformance category: job)
//
// BUG: writePrintData reports the whole of printData as consumed, whatever
// printerStream.Write returned. On a printer that stalls past the write
// timeout, Write takes only part of the data and the rest is silently lost.
//
// EXPECTED MANDATORY FAILURES: JOB-020 (bytes lost on the "stall" printer).
// Everything else conforms: the job completes everywhere.
// EXPECTED ADVISORY FAILURES: JOB-021 (the stall printer receives other bytes).

function startPrintJob(jobContext, printerStream, printerBidiSchemaResponses) {
    return jobContext.ReturnCodes.Success;
}

function writePrintData(jobContext, printData, printerStream, writePrintDataProgress, printerBidiSchemaResponses) {
    printerStream.Write(printData);                          // BUG: result ignored
    writePrintDataProgress.ProcessedByteCount = printData.length;
    return jobContext.ReturnCodes.Success;
}

function endPrintJob(jobContext, printerStream, printerBidiSchemaResponses) {
    return jobContext.ReturnCodes.Success;
}
