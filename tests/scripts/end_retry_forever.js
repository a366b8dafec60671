// end_retry_forever.js - passthrough whose endPrintJob never finishes: it
// answers Retry on every call (a driver waiting for a printer event that
// never comes). Used to test cancelling a job from the spooler side.
//
// JOB FORMAT: any byte stream (not inspected).
// DEVICE: accepts data; may take less than offered.
// ENTRY POINTS: startPrintJob, writePrintData (sample order), endPrintJob.
//
// EXPECTED OUTCOME: cancelled when the job is cancelled while endPrintJob is
//   being retried. Left alone, the host gives up when its endPrintJob retry
//   bound runs out (300 s by default, in virtual time under a test clock) and
//   the outcome is failed.
// DEVICE BYTES: exactly the job bytes, in order (all written by
//   writePrintData before endPrintJob is first called). startPrintJob and
//   endPrintJob send nothing.
// CALLS: endPrintJob returns 2 (Retry) every time, re-called every 100 ms.
// RESPONSES: none.

function startPrintJob(jobContext, printerStream, printerBidiSchemaResponses) {
    return jobContext.ReturnCodes.Success;
}

function writePrintData(jobContext, printData, printerStream, writePrintDataProgress, printerBidiSchemaResponses) {
    var written = printerStream.Write(printData);
    writePrintDataProgress.ProcessedByteCount = written;
    if (written === 0) {
        return jobContext.ReturnCodes.DeviceBusy;
    }
    return jobContext.ReturnCodes.Success;
}

function endPrintJob(jobContext, printerStream, printerBidiSchemaResponses) {
    return jobContext.ReturnCodes.Retry;
}
