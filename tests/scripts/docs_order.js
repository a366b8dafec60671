// docs_order.js - passthrough whose writePrintData uses the parameter order
// printed in Microsoft's documentation:
//   writePrintData(jobScriptContext, writePrintDataProgress, printData,
//                  printerStream, printerBidiSchemaResponses)
// (Microsoft's runnable sample uses a different order.) The second parameter's
// name contains "progress", so usbmon-js in "auto" mode calls it in the docs
// order and reports write_signature "docs".
//
// JOB FORMAT: any byte stream (not inspected).
// DEVICE: accepts data; may take less than offered.
// ENTRY POINTS: startPrintJob, writePrintData (docs order), endPrintJob.
//
// EXPECTED OUTCOME: completed (with --write-signature auto or docs)
// DEVICE BYTES: exactly the job bytes, in order. startPrintJob and endPrintJob
//   send nothing.
// RESPONSES: none.
// Called in the sample order (--write-signature sample) its `printerStream`
//   parameter receives the progress object, which has no Write member, so the
//   call printerStream.Write(...) throws a TypeError ("not a function"):
//   outcome failed, no byte reaches the device.

function startPrintJob(jobScriptContext, printerStream, printerBidiSchemaResponses) {
    return jobScriptContext.ReturnCodes.Success;
}

function writePrintData(jobScriptContext, writePrintDataProgress, printData, printerStream, printerBidiSchemaResponses) {
    var written = printerStream.Write(printData);
    writePrintDataProgress.ProcessedByteCount = written;
    if (written === 0) {
        return jobScriptContext.ReturnCodes.DeviceBusy;
    }
    return jobScriptContext.ReturnCodes.Success;
}

function endPrintJob(jobScriptContext, printerStream, printerBidiSchemaResponses) {
    return jobScriptContext.ReturnCodes.Success;
}
