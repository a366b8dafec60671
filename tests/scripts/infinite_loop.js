// infinite_loop.js - a driver that hangs: writePrintData spins forever in pure
// JavaScript (no host calls), e.g. a parser that never advances.
//
// JOB FORMAT: any byte stream (not inspected).
// DEVICE: none (nothing is written).
// ENTRY POINTS: startPrintJob, writePrintData (sample order), endPrintJob.
//
// EXPECTED OUTCOME: failed
// ERROR: entry "writePrintData", kind "timeout" (the per-call deadline, 10 s
//   by default; --call-timeout shortens it).
// DEVICE BYTES: none. startPrintJob sends nothing; writePrintData hangs
//   before writing; endPrintJob (still called for clean-up) sends nothing and
//   returns Success.
// An empty job never calls writePrintData and completes.
// RESPONSES: none.

function startPrintJob(jobContext, printerStream, printerBidiSchemaResponses) {
    return jobContext.ReturnCodes.Success;
}

function writePrintData(jobContext, printData, printerStream, writePrintDataProgress, printerBidiSchemaResponses) {
    var spins = 0;
    while (true) {
        spins++;
    }
}

function endPrintJob(jobContext, printerStream, printerBidiSchemaResponses) {
    return jobContext.ReturnCodes.Success;
}
