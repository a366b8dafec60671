// busy_loop.js - BROKEN ON PURPOSE (conformance category: robustness)
//
// BUG: writePrintData loops until the printer has taken every byte instead of
// returning DeviceBusy. On a printer that stalls for longer than the call's
// deadline the loop never ends: the call runs into its deadline (timeout) and
// the job fails, blocking the port meanwhile.
//
// EXPECTED MANDATORY FAILURES: JOB-014 (the job fails on the stalling printer)
// and ROB-006 (a call ran into its deadline); with a call deadline shorter than
// the busy printer's 3 s busy period (the tests use --call-timeout 2) also
// JOB-012 (the job fails on the printer that is busy at times).

function startPrintJob(jobContext, printerStream, printerBidiSchemaResponses) {
    return jobContext.ReturnCodes.Success;
}

function writePrintData(jobContext, printData, printerStream, writePrintDataProgress, printerBidiSchemaResponses) {
    var sent = 0;
    while (sent < printData.length) {                        // BUG: spins while the printer is busy
        sent += printerStream.Write(printData.slice(sent));
    }
    writePrintDataProgress.ProcessedByteCount = sent;
    return jobContext.ReturnCodes.Success;
}

function endPrintJob(jobContext, printerStream, printerBidiSchemaResponses) {
    return jobContext.ReturnCodes.Success;
}
