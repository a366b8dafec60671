// job_counter_global.js - BROKEN ON PURPOSE (conformance category: robustness)
//
// BUG: a global job counter goes into the PJL job name, so the second job on
// a port is not the same as the first (and a spooler restart starts over): the
// printer output depends on how many jobs the engine has seen.
//
// EXPECTED MANDATORY FAILURES: ROB-004 (the second job prints differently).

var jobNumber = 0;

function toBytes(text) {
    var bytes = [];
    var i;
    for (i = 0; i < text.length; i++) {
        bytes.push(text.charCodeAt(i) & 0xFF);
    }
    return bytes;
}

function startPrintJob(jobContext, printerStream, printerBidiSchemaResponses) {
    jobNumber++;                                             // BUG: survives from job to job
    printerStream.Write(toBytes("@PJL COMMENT JOB " + jobNumber + "\r\n"));
    return jobContext.ReturnCodes.Success;
}

function writePrintData(jobContext, printData, printerStream, writePrintDataProgress, printerBidiSchemaResponses) {
    var written = printerStream.Write(printData);
    writePrintDataProgress.ProcessedByteCount = written;
    return written === 0 ? jobContext.ReturnCodes.DeviceBusy : jobContext.ReturnCodes.Success;
}

function endPrintJob(jobContext, printerStream, printerBidiSchemaResponses) {
    return jobContext.ReturnCodes.Success;
}
