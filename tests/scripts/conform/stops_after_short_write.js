// stops_after_short_write.js - BROKEN ON PURPOSE (conformance category: job)
//
// BUG: after the first short Write the driver decides the printer is
// "offline" and from then on answers Success without consuming anything,
// instead of DeviceBusy and trying again. USBMon keeps calling; nothing moves
// until the host's no-progress bound fails the job.
//
// EXPECTED MANDATORY FAILURES: JOB-014 (the job fails on the stalling printer)
// and JOB-023 (no progress).

function startPrintJob(jobContext, printerStream, printerBidiSchemaResponses) {
    jobContext.JobPropertyBag.SetBool("Offline", false);
    return jobContext.ReturnCodes.Success;
}

function writePrintData(jobContext, printData, printerStream, writePrintDataProgress, printerBidiSchemaResponses) {
    var bag = jobContext.JobPropertyBag;
    var written;
    if (bag.GetBool("Offline")) {
        writePrintDataProgress.ProcessedByteCount = 0;       // BUG: waits for nothing, forever
        return jobContext.ReturnCodes.Success;
    }
    written = printerStream.Write(printData);
    writePrintDataProgress.ProcessedByteCount = written;
    if (written < printData.length) {
        bag.SetBool("Offline", true);
    }
    return jobContext.ReturnCodes.Success;
}

function endPrintJob(jobContext, printerStream, printerBidiSchemaResponses) {
    return jobContext.ReturnCodes.Success;
}
