// throws.js - a driver with a bug: writePrintData calls a helper that throws a
// TypeError on the first buffer, before anything is written.
//
// JOB FORMAT: any byte stream (not inspected).
// DEVICE: none (nothing is written).
// ENTRY POINTS: startPrintJob, writePrintData (sample order), endPrintJob.
//
// EXPECTED OUTCOME: failed
// ERROR: entry "writePrintData", kind "exception", name TypeError, message
//   "checkHeader: unsupported job header (deliberate test failure)".
//   The throw statement is on LINE 29 of this file: `throw` starts at column 9
//   and the `TypeError` constructor (the position QuickJS puts in the stack
//   trace, "throws.js:29:19") at column 19, columns counted from 1.
//   The stack goes through checkHeader (29:19) and writePrintData (line 37,
//   where the call starts at column 5; QuickJS reports 37:17).
// DEVICE BYTES: none. startPrintJob sends nothing; endPrintJob (still called
//   for clean-up) sends nothing and returns Success.
// An empty job never calls writePrintData and completes.
// RESPONSES: none.

function startPrintJob(jobContext, printerStream, printerBidiSchemaResponses) {
    return jobContext.ReturnCodes.Success;
}

// Pretends to validate the job header; always rejects it.
function checkHeader(printData) {
    var header = printData.slice(0, 9);
    if (header.length >= 0) {
        throw new TypeError("checkHeader: unsupported job header (deliberate test failure)");
    }
    return header;
}

function writePrintData(jobContext, printData, printerStream, writePrintDataProgress, printerBidiSchemaResponses) {
    var written;

    checkHeader(printData);
    written = printerStream.Write(printData);
    writePrintDataProgress.ProcessedByteCount = written;
    return jobContext.ReturnCodes.Success;
}

function endPrintJob(jobContext, printerStream, printerBidiSchemaResponses) {
    return jobContext.ReturnCodes.Success;
}
