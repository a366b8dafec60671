// temp_stream_leak.js - BROKEN ON PURPOSE (conformance category: job)
//
// BUG: every buffer is also copied into TemporaryStreams[0] "in case the
// printer asks for a reprint", and nothing ever reads it back. The job prints,
// but the stream holds the whole job when the job ends.
//
// EXPECTED MANDATORY FAILURES: JOB-024 (TemporaryStreams not drained).

function startPrintJob(jobContext, printerStream, printerBidiSchemaResponses) {
    return jobContext.ReturnCodes.Success;
}

function writePrintData(jobContext, printData, printerStream, writePrintDataProgress, printerBidiSchemaResponses) {
    var written = printerStream.Write(printData);
    if (written > 0) {
        jobContext.TemporaryStreams[0].Write(printData.slice(0, written));   // BUG: never read back
    }
    writePrintDataProgress.ProcessedByteCount = written;
    return written === 0 ? jobContext.ReturnCodes.DeviceBusy : jobContext.ReturnCodes.Success;
}

function endPrintJob(jobContext, printerStream, printerBidiSchemaResponses) {
    return jobContext.ReturnCodes.Success;
}
