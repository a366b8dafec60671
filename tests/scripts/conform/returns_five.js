// returns_five.js - BROKEN ON PURPOSE (conformance category: return codes)
//
// BUG: the vendor invented its own return code 5 ("partially written") for a
// short Write. USBMon only knows 0-4 and fails the job on anything else.
//
// EXPECTED MANDATORY FAILURES: RC-002 (writePrintData returned 5) and JOB-014
// (the job fails on the printer whose Write comes back short).

var PARTIALLY_WRITTEN = 5;

function startPrintJob(jobContext, printerStream, printerBidiSchemaResponses) {
    return jobContext.ReturnCodes.Success;
}

function writePrintData(jobContext, printData, printerStream, writePrintDataProgress, printerBidiSchemaResponses) {
    var written = printerStream.Write(printData);
    writePrintDataProgress.ProcessedByteCount = written;
    if (written < printData.length) {
        return PARTIALLY_WRITTEN;                            // BUG: not a USBMon return code
    }
    return jobContext.ReturnCodes.Success;
}

function endPrintJob(jobContext, printerStream, printerBidiSchemaResponses) {
    return jobContext.ReturnCodes.Success;
}
