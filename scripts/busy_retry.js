// busy_retry.js - USBMon JavaScript extender for a printer with a small input
//                 buffer that is often busy
//
// WHAT IT DOES
//   Sends the job to the printer unchanged, in slices of at most 2048 bytes,
//   and tells USBMon exactly how much the printer took:
//     - printer took nothing  -> DeviceBusy, ProcessedByteCount = 0
//                                (USBMon marks the job busy and calls again
//                                after a back-off)
//     - printer took part     -> Retry, ProcessedByteCount = bytes taken
//     - printer took it all   -> Success, ProcessedByteCount = slice length
//                                (USBMon presents the rest of the buffer again)
//   Every run of consecutive busy answers counts as one "busy episode"; the
//   total is reported from endPrintJob as \Printer.Extension:BusyEpisodes.
//
// JOB FORMAT EXPECTED
//   Any byte stream; the script never looks inside it.
//
// DEVICE BEHAVIOUR RELIED ON
//   The printer may take fewer bytes than offered, or none while it is busy
//   (Write returns 0 after the write timeout). Nothing is ever read back.
//
// ENTRY POINTS
//   startPrintJob   sets the job properties BusyEpisodes = 0, Busy = false
//   writePrintData  (sample parameter order) as above
//   endPrintJob     AddInt32("\Printer.Extension:BusyEpisodes", n); Success
//
// BYTES THAT REACH THE DEVICE
//   The job bytes, exactly and in order; nothing else. On the built-in "sim"
//   printer BusyEpisodes is 0; writePrintData is called once per 2048-byte
//   slice (ceil(job length / 2048) calls when the buffers are 64 KiB).

var MAX_SLICE = 2048;
var BUSY_EPISODES_PATH = "\\Printer.Extension:BusyEpisodes";

function startPrintJob(jobContext, printerStream, printerBidiSchemaResponses) {
    var bag = jobContext.JobPropertyBag;
    bag.SetInt32("BusyEpisodes", 0);
    bag.SetBool("Busy", false);
    return jobContext.ReturnCodes.Success;
}

function writePrintData(jobContext, printData, printerStream, writePrintDataProgress, printerBidiSchemaResponses) {
    var bag = jobContext.JobPropertyBag;
    var codes = jobContext.ReturnCodes;
    var slice = printData.length > MAX_SLICE ? printData.slice(0, MAX_SLICE) : printData;
    var written = slice.length === 0 ? 0 : printerStream.Write(slice);

    writePrintDataProgress.ProcessedByteCount = written;

    if (slice.length > 0 && written === 0) {
        if (!bag.GetBool("Busy")) {
            bag.SetBool("Busy", true);
            bag.SetInt32("BusyEpisodes", bag.GetInt32("BusyEpisodes") + 1);
        }
        return codes.DeviceBusy;
    }

    bag.SetBool("Busy", false);
    if (written < slice.length) {
        return codes.Retry;
    }
    return codes.Success;
}

function endPrintJob(jobContext, printerStream, printerBidiSchemaResponses) {
    printerBidiSchemaResponses.AddInt32(BUSY_EPISODES_PATH, jobContext.JobPropertyBag.GetInt32("BusyEpisodes"));
    return jobContext.ReturnCodes.Success;
}
