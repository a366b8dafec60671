// temp_streams_fifo.js - a driver that stores the whole job before printing
// it (as a driver that must see the last page before sending the first one
// would). Exercises TemporaryStreams as FIFO queues.
//
// writePrintData appends every buffer to TemporaryStreams[0], consumes all of
// it and returns Success; it never writes to the printer.
// endPrintJob, on each call, first resends what the printer did not take last
// time (kept in TemporaryStreams[1]), otherwise reads the next 32768 bytes
// from TemporaryStreams[0] and writes them. It returns Retry while it sent
// something, and Success on the first call that finds both streams empty.
//
// JOB FORMAT: any byte stream (not inspected).
// DEVICE: accepts data; may take less than offered.
// ENTRY POINTS: startPrintJob, writePrintData (sample order), endPrintJob.
//
// EXPECTED OUTCOME: completed
// DEVICE BYTES: exactly the job bytes, in order; all of them written by
//   endPrintJob. startPrintJob and writePrintData send nothing.
// CALLS (on "sim", which takes every byte): writePrintData once per buffer,
//   all Success; endPrintJob ceil(job length / 32768) + 1 times: Retry for
//   each 32768-byte block, then Success (8 calls for the 204563-byte default
//   job, 1 call for an empty job).
// RESPONSES: none.

var BLOCK = 32768;

function startPrintJob(jobContext, printerStream, printerBidiSchemaResponses) {
    jobContext.JobPropertyBag.SetInt32("Unwritten", 0);
    return jobContext.ReturnCodes.Success;
}

function writePrintData(jobContext, printData, printerStream, writePrintDataProgress, printerBidiSchemaResponses) {
    var stored = jobContext.TemporaryStreams[0].Write(printData);
    writePrintDataProgress.ProcessedByteCount = stored;
    if (stored !== printData.length) {
        return jobContext.ReturnCodes.Failure;
    }
    return jobContext.ReturnCodes.Success;
}

function endPrintJob(jobContext, printerStream, printerBidiSchemaResponses) {
    var bag = jobContext.JobPropertyBag;
    var streams = jobContext.TemporaryStreams;
    var unwritten = bag.GetInt32("Unwritten");
    var block, written, rest;

    if (unwritten > 0) {
        block = streams[1].Read(unwritten);
    } else {
        block = streams[0].Read(BLOCK);
    }
    if (block.length === 0) {
        return jobContext.ReturnCodes.Success;
    }

    written = printerStream.Write(block);
    rest = block.slice(written);
    if (rest.length > 0 && streams[1].Write(rest) !== rest.length) {
        return jobContext.ReturnCodes.Failure;
    }
    bag.SetInt32("Unwritten", rest.length);
    return jobContext.ReturnCodes.Retry;
}
