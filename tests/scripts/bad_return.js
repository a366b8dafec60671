// bad_return.js - a driver that returns a string instead of a return code:
// writePrintData answers "ok" (without writing or consuming anything).
//
// JOB FORMAT: any byte stream (not inspected).
// DEVICE: none (nothing is written).
// ENTRY POINTS: startPrintJob, writePrintData (sample order), endPrintJob.
//
// EXPECTED OUTCOME: failed
// ERROR: entry "writePrintData", kind "invalid_return" (the value returned
//   was the string "ok", not one of the numbers 0-4).
// DEVICE BYTES: none. startPrintJob sends nothing; writePrintData writes
//   nothing; endPrintJob (still called for clean-up) sends nothing and returns
//   Success.
// An empty job never calls writePrintData and completes.
// RESPONSES: none.

function startPrintJob(jobContext, printerStream, printerBidiSchemaResponses) {
    return jobContext.ReturnCodes.Success;
}

function writePrintData(jobContext, printData, printerStream, writePrintDataProgress, printerBidiSchemaResponses) {
    writePrintDataProgress.ProcessedByteCount = 0;
    return "ok";
}

function endPrintJob(jobContext, printerStream, printerBidiSchemaResponses) {
    return jobContext.ReturnCodes.Success;
}
