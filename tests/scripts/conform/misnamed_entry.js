// misnamed_entry.js - BROKEN ON PURPOSE (conformance category: loading)
//
// BUG: the vendor wrote "WritePrintData" (as the COM members are spelt). Host
// object members are case-insensitive, entry points are not: USBMon never
// calls it and sends the job to the printer unchanged, so the PCL reset this
// driver adds in front of the data is never sent.
//
// EXPECTED MANDATORY FAILURES: LOAD-006 (entry point name in the wrong case).

var RESET = [0x1B, 0x45];

function startPrintJob(jobContext, printerStream, printerBidiSchemaResponses) {
    jobContext.JobPropertyBag.SetBool("ResetSent", false);
    return jobContext.ReturnCodes.Success;
}

function WritePrintData(jobContext, printData, printerStream, writePrintDataProgress, printerBidiSchemaResponses) {
    var bag = jobContext.JobPropertyBag;
    var written;
    if (!bag.GetBool("ResetSent")) {
        printerStream.Write(RESET);
        bag.SetBool("ResetSent", true);
    }
    written = printerStream.Write(printData);
    writePrintDataProgress.ProcessedByteCount = written;
    return written === 0 ? jobContext.ReturnCodes.DeviceBusy : jobContext.ReturnCodes.Success;
}

function endPrintJob(jobContext, printerStream, printerBidiSchemaResponses) {
    return jobContext.ReturnCodes.Success;
}
