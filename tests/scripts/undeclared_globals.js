// undeclared_globals.js - vendor-style passthrough in the loose style of many
// shipping USBMon scripts.
//
// STYLE UNDER TEST
//   - entry points assigned as undeclared globals (startPrintJob = function ...)
//   - implicit globals (bag, written, feeds, i, total are never declared)
//   - a labelled statement (scan:) with a labelled continue
//   - a debugger; statement (a no-op outside debug mode)
//   - host members spelled in lower case: jobPropertyBag, getInt32, setInt32,
//     returnCodes.success / .deviceBusy, printerStream.write,
//     processedByteCount, printedPageCount (assigned)
//
// JOB FORMAT: any byte stream (not inspected).
// DEVICE: accepts data; may take less than offered.
// ENTRY POINTS: startPrintJob, writePrintData (sample order), endPrintJob.
//
// EXPECTED OUTCOME: completed
// DEVICE BYTES: exactly the job bytes, in order. startPrintJob and endPrintJob
//   send nothing.
// PAGES: PrintedPageCount = number of 0x0C bytes in the job (6 for the default
//   job, 2 for small_job.prn, 10 for pages_10.prn); null for an empty job
//   (writePrintData is never called).
// RESPONSES: none.

startPrintJob = function (jobContext, printerStream, responses) {
    jobContext.jobPropertyBag.setInt32("formFeeds", 0);
    return jobContext.returnCodes.success;
};

writePrintData = function (jobContext, printData, printerStream, progress, responses) {
    debugger;
    bag = jobContext.jobPropertyBag;
    written = printerStream.write(printData);
    progress.processedByteCount = written;
    if (written == 0) {
        return jobContext.returnCodes.deviceBusy;
    }

    feeds = 0;
    scan:
    for (i = 0; i < written; i++) {
        if (printData[i] != 0x0C) {
            continue scan;
        }
        feeds++;
    }
    total = bag.getInt32("formFeeds") + feeds;
    bag.setInt32("formFeeds", total);
    jobContext.printedPageCount = total;
    return jobContext.returnCodes.success;
};

endPrintJob = function (jobContext, printerStream, responses) {
    return jobContext.returnCodes.success;
};
