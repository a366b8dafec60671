// abort_after.js - a driver that gives up part-way: it sends the first 3000
// bytes of the job, then answers the next writePrintData call with
// AbortTheJob (as a driver does when the printer reports a fatal error or the
// user cancels at the front panel).
//
// JOB FORMAT: any byte stream (not inspected).
// DEVICE: accepts data; may take less than offered.
// ENTRY POINTS: startPrintJob, writePrintData (sample order), endPrintJob.
//
// EXPECTED OUTCOME: aborted (for any job longer than 3000 bytes)
// DEVICE BYTES: exactly the first 3000 bytes of the job, nothing else.
//   startPrintJob sends nothing; endPrintJob (still called for clean-up) sends
//   nothing and returns Success.
// CALLS (64 KiB buffers, "sim"): writePrintData twice: the first call writes
//   3000 bytes and returns Success with ProcessedByteCount 3000, the second
//   returns AbortTheJob with ProcessedByteCount 0. bytes_consumed = 3000.
// A job of 3000 bytes or less (small_job.prn, empty.prn) is sent whole and
//   completes normally.
// RESPONSES: none.

var BYTES_BEFORE_ABORT = 3000;

function startPrintJob(jobContext, printerStream, printerBidiSchemaResponses) {
    jobContext.JobPropertyBag.SetInt32("BytesSent", 0);
    return jobContext.ReturnCodes.Success;
}

function writePrintData(jobContext, printData, printerStream, writePrintDataProgress, printerBidiSchemaResponses) {
    var bag = jobContext.JobPropertyBag;
    var sent = bag.GetInt32("BytesSent");
    var written;

    writePrintDataProgress.ProcessedByteCount = 0;
    if (sent >= BYTES_BEFORE_ABORT) {
        return jobContext.ReturnCodes.AbortTheJob;
    }

    written = printerStream.Write(printData.slice(0, BYTES_BEFORE_ABORT - sent));
    writePrintDataProgress.ProcessedByteCount = written;
    bag.SetInt32("BytesSent", sent + written);
    if (written === 0) {
        return jobContext.ReturnCodes.DeviceBusy;
    }
    return jobContext.ReturnCodes.Success;
}

function endPrintJob(jobContext, printerStream, printerBidiSchemaResponses) {
    return jobContext.ReturnCodes.Success;
}
