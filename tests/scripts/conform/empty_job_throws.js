// empty_job_throws.js - BROKEN ON PURPOSE (conformance category: job)
//
// BUG: endPrintJob reads the job property "BytesSent", which only
// writePrintData creates. A job without data (USBMon never calls
// writePrintData then) makes endPrintJob throw, and the job fails.
//
// EXPECTED MANDATORY FAILURES: JOB-002 (the empty job fails).

var BYTES_SENT_PATH = "\\Printer.Extension:BytesSent";

function startPrintJob(jobContext, printerStream, printerBidiSchemaResponses) {
    return jobContext.ReturnCodes.Success;
}

function writePrintData(jobContext, printData, printerStream, writePrintDataProgress, printerBidiSchemaResponses) {
    var bag = jobContext.JobPropertyBag;
    var written = printerStream.Write(printData);
    var before = 0;
    try {
        before = bag.GetInt32("BytesSent");
    } catch (e) {
        before = 0;
    }
    bag.SetInt32("BytesSent", before + written);
    writePrintDataProgress.ProcessedByteCount = written;
    return written === 0 ? jobContext.ReturnCodes.DeviceBusy : jobContext.ReturnCodes.Success;
}

function endPrintJob(jobContext, printerStream, printerBidiSchemaResponses) {
    var sent = jobContext.JobPropertyBag.GetInt32("BytesSent");   // BUG: throws for an empty job
    printerBidiSchemaResponses.AddInt32(BYTES_SENT_PATH, sent);
    return jobContext.ReturnCodes.Success;
}
