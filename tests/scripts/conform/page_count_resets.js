// page_count_resets.js - BROKEN ON PURPOSE (conformance category: job)
//
// BUG: PrintedPageCount is set to the number of page ends in the current
// printData instead of the pages printed so far in the job, so the spooler's
// progress goes backwards at every WritePort buffer.
//
// EXPECTED MANDATORY FAILURES: JOB-025 (PrintedPageCount went down).

function countPageEnds(bytes, count) {
    var pages = 0;
    var i;
    for (i = 0; i < count; i++) {
        if (bytes[i] === 0x0C) {
            pages++;
        }
    }
    return pages;
}

function startPrintJob(jobContext, printerStream, printerBidiSchemaResponses) {
    return jobContext.ReturnCodes.Success;
}

function writePrintData(jobContext, printData, printerStream, writePrintDataProgress, printerBidiSchemaResponses) {
    var written = printerStream.Write(printData);
    jobContext.PrintedPageCount = countPageEnds(printData, written);   // BUG: per buffer, not per job
    writePrintDataProgress.ProcessedByteCount = written;
    return written === 0 ? jobContext.ReturnCodes.DeviceBusy : jobContext.ReturnCodes.Success;
}

function endPrintJob(jobContext, printerStream, printerBidiSchemaResponses) {
    return jobContext.ReturnCodes.Success;
}
