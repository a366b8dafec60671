// global_job_state.js - BROKEN ON PURPOSE (conformance category: robustness)
//
// BUG: startPrintJob keeps the job's state in a script global instead of the
// JobPropertyBag. Windows does not promise that globals survive between calls:
// when the spooler reloads the script, writePrintData finds no state and throws.
//
// EXPECTED MANDATORY FAILURES: ROB-002 (fails when the script is reloaded
// before every call). Everything else conforms.

var job = null;

function startPrintJob(jobContext, printerStream, printerBidiSchemaResponses) {
    job = { bytesSent: 0 };                                  // BUG: state in a global
    return jobContext.ReturnCodes.Success;
}

function writePrintData(jobContext, printData, printerStream, writePrintDataProgress, printerBidiSchemaResponses) {
    var written = printerStream.Write(printData);
    job.bytesSent += written;                                // TypeError when the script was reloaded
    writePrintDataProgress.ProcessedByteCount = written;
    return written === 0 ? jobContext.ReturnCodes.DeviceBusy : jobContext.ReturnCodes.Success;
}

function endPrintJob(jobContext, printerStream, printerBidiSchemaResponses) {
    return jobContext.ReturnCodes.Success;
}
