// host_call_loop.js - a driver that hangs inside host calls: writePrintData
// waits forever for a status byte the printer never sends, calling
// printerStream.Read(1) in a loop. Almost all the time is spent in the host
// (each empty Read waits up to 50 ms), so a deadline that is only checked
// while JavaScript runs would never fire.
//
// JOB FORMAT: any byte stream (not inspected).
// DEVICE: Read returns [] when the device has nothing to say.
// ENTRY POINTS: startPrintJob, writePrintData (sample order), endPrintJob.
//
// EXPECTED OUTCOME: failed
// ERROR: entry "writePrintData", kind "timeout" (the per-call deadline, 10 s
//   by default; --call-timeout shortens it).
// DEVICE BYTES: none. Nothing is ever written: startPrintJob sends nothing,
//   writePrintData only reads, endPrintJob (still called for clean-up) sends
//   nothing and returns Success. (On a device that does send bytes unasked,
//   the loop still never ends: it waits for a byte of 0xA5.)
// An empty job never calls writePrintData and completes.
// RESPONSES: none.

function startPrintJob(jobContext, printerStream, printerBidiSchemaResponses) {
    return jobContext.ReturnCodes.Success;
}

function writePrintData(jobContext, printData, printerStream, writePrintDataProgress, printerBidiSchemaResponses) {
    var reply;
    while (true) {
        reply = printerStream.Read(1);
        if (reply.length === 1 && reply[0] === 0xA5 && printData.length < 0) {
            break;              // never true: printData.length is never negative
        }
    }
    writePrintDataProgress.ProcessedByteCount = 0;
    return jobContext.ReturnCodes.Success;
}

function endPrintJob(jobContext, printerStream, printerBidiSchemaResponses) {
    return jobContext.ReturnCodes.Success;
}
