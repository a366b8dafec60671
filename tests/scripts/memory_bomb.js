// memory_bomb.js - a driver that leaks without bound: writePrintData keeps
// every buffer copy it makes, doubling an array of numbers on each pass,
// until the engine runs out of memory (about 20 passes reach 64 MiB).
//
// JOB FORMAT: any byte stream (not inspected).
// DEVICE: none (nothing is written).
// ENTRY POINTS: startPrintJob, writePrintData (sample order), endPrintJob.
//
// EXPECTED OUTCOME: failed
// ERROR: entry "writePrintData", kind "memory" (the per-engine heap limit,
//   64 MiB by default; --memory-limit changes it). The host process survives.
// DEVICE BYTES: none. startPrintJob sends nothing; writePrintData runs out of
//   memory before writing; endPrintJob (still called for clean-up, in a
//   usable engine) sends nothing and returns Success.
// An empty job never calls writePrintData and completes.
// RESPONSES: none.

function startPrintJob(jobContext, printerStream, printerBidiSchemaResponses) {
    return jobContext.ReturnCodes.Success;
}

function writePrintData(jobContext, printData, printerStream, writePrintDataProgress, printerBidiSchemaResponses) {
    var hoard = [];
    var block = [0, 1, 2, 3, 4, 5, 6, 7];
    while (true) {
        block = block.concat(block);
        hoard.push(block);
    }
}

function endPrintJob(jobContext, printerStream, printerBidiSchemaResponses) {
    return jobContext.ReturnCodes.Success;
}
