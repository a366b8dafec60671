// syntax_error.js - a driver that does not parse: the condition of the `if`
// in writePrintData is missing its closing parenthesis.
//
// JOB FORMAT: any byte stream (not inspected).
// DEVICE: none.
// ENTRY POINTS: startPrintJob, writePrintData (sample order), endPrintJob.
//
// EXPECTED: rejected before anything runs (CLI exit status 2, "bad input"),
//   with a syntax error at LINE 22, COLUMN 30 of this file (columns counted
//   from 1; the offending token is the `{` right after `printData.length > 0`).
//   QuickJS says "Unexpected token '{'" at 22:30, node --check and esprima
//   point at the same token.
// DEVICE BYTES: none; no entry point is called.

function startPrintJob(jobContext, printerStream, printerBidiSchemaResponses) {
    return jobContext.ReturnCodes.Success;
}

function writePrintData(jobContext, printData, printerStream, writePrintDataProgress, printerBidiSchemaResponses) {
    var written = 0;

    if (printData.length > 0 {
        written = printerStream.Write(printData);
    }
    writePrintDataProgress.ProcessedByteCount = written;
    return jobContext.ReturnCodes.Success;
}

function endPrintJob(jobContext, printerStream, printerBidiSchemaResponses) {
    return jobContext.ReturnCodes.Success;
}
