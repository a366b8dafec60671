// partial_consume.js - passthrough that takes at most 1000 bytes of printData
// per writePrintData call and returns Success with a partial
// ProcessedByteCount, relying on USBMon to present the rest of the buffer again.
//
// JOB FORMAT: any byte stream (not inspected).
// DEVICE: accepts data; may take less than offered.
// ENTRY POINTS: startPrintJob, writePrintData (sample order), endPrintJob.
//
// EXPECTED OUTCOME: completed
// DEVICE BYTES: exactly the job bytes, in order. startPrintJob and endPrintJob
//   send nothing.
// CALLS (on "sim", which takes every byte): writePrintData is called
//   ceil(n / 1000) times for each buffer of n bytes, all returning Success
//   (0); with 64 KiB buffers that is 66 calls per full buffer.
// RESPONSES: none.

var MAX_BYTES_PER_CALL = 1000;

function startPrintJob(jobContext, printerStream, printerBidiSchemaResponses) {
    return jobContext.ReturnCodes.Success;
}

function writePrintData(jobContext, printData, printerStream, writePrintDataProgress, printerBidiSchemaResponses) {
    var slice = printData.slice(0, MAX_BYTES_PER_CALL);
    var written = printerStream.Write(slice);

    writePrintDataProgress.ProcessedByteCount = written;
    if (written === 0) {
        return jobContext.ReturnCodes.DeviceBusy;
    }
    return jobContext.ReturnCodes.Success;
}

function endPrintJob(jobContext, printerStream, printerBidiSchemaResponses) {
    return jobContext.ReturnCodes.Success;
}
