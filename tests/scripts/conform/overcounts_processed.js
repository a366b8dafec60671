// overcounts_processed.js - BROKEN ON PURPOSE (conformance category: job)
//
// BUG: the vendor adds the size of a 16-byte header it used to prepend to
// ProcessedByteCount, so the count is 16 more than the bytes taken from
// printData. USBMon clamps a count past the end of printData; when Write came
// back short the 16 bytes after it are skipped and never reach the printer.
//
// EXPECTED MANDATORY FAILURES: JOB-022 (ProcessedByteCount beyond printData)
// and JOB-020 (bytes lost on the "stall" printer).
// EXPECTED ADVISORY FAILURES: JOB-021 (the stall printer receives other bytes).

var HEADER_SIZE = 16;

function startPrintJob(jobContext, printerStream, printerBidiSchemaResponses) {
    return jobContext.ReturnCodes.Success;
}

function writePrintData(jobContext, printData, printerStream, writePrintDataProgress, printerBidiSchemaResponses) {
    var written = printerStream.Write(printData);
    if (written === 0) {
        writePrintDataProgress.ProcessedByteCount = 0;
        return jobContext.ReturnCodes.DeviceBusy;
    }
    writePrintDataProgress.ProcessedByteCount = written + HEADER_SIZE;    // BUG: counts a header never sent
    return jobContext.ReturnCodes.Success;
}

function endPrintJob(jobContext, printerStream, printerBidiSchemaResponses) {
    return jobContext.ReturnCodes.Success;
}
