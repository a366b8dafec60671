// retry_nothing.js - passthrough that answers every other writePrintData call
// with Retry, consuming nothing and writing nothing (a driver that waits one
// round for the printer to "warm up" before each buffer).
//
// Calls are numbered from 1 in the job property "Calls": odd-numbered calls
// return Retry with ProcessedByteCount 0 and write nothing; even-numbered
// calls write the whole of printData and return Success with
// ProcessedByteCount = bytes written (DeviceBusy if the printer took nothing).
//
// JOB FORMAT: any byte stream (not inspected).
// DEVICE: accepts data; may take less than offered.
// ENTRY POINTS: startPrintJob, writePrintData (sample order), endPrintJob.
//
// EXPECTED OUTCOME: completed
// DEVICE BYTES: exactly the job bytes, in order. startPrintJob and endPrintJob
//   send nothing.
// CALLS (on "sim", which takes every byte): 2 writePrintData calls per buffer,
//   return codes {"2": B, "0": B} for B buffers (B = 4 for the 200 KiB default
//   job with 64 KiB buffers).
// RESPONSES: none.

function startPrintJob(jobContext, printerStream, printerBidiSchemaResponses) {
    jobContext.JobPropertyBag.SetInt32("Calls", 0);
    return jobContext.ReturnCodes.Success;
}

function writePrintData(jobContext, printData, printerStream, writePrintDataProgress, printerBidiSchemaResponses) {
    var bag = jobContext.JobPropertyBag;
    var calls = bag.GetInt32("Calls") + 1;
    var written;

    bag.SetInt32("Calls", calls);
    if (calls % 2 === 1) {
        writePrintDataProgress.ProcessedByteCount = 0;
        return jobContext.ReturnCodes.Retry;
    }

    written = printerStream.Write(printData);
    writePrintDataProgress.ProcessedByteCount = written;
    if (written === 0) {
        return jobContext.ReturnCodes.DeviceBusy;
    }
    return jobContext.ReturnCodes.Success;
}

function endPrintJob(jobContext, printerStream, printerBidiSchemaResponses) {
    return jobContext.ReturnCodes.Success;
}
