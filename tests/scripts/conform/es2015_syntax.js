// es2015_syntax.js - BROKEN ON PURPOSE (conformance category: loading)
//
// BUG: written for a modern engine: `const`, `let`, an arrow function and a
// template literal. QuickJS runs it and every job prints, but Windows runs
// driver scripts in an ES5-level engine, where the file does not even load.
//
// EXPECTED ADVISORY FAILURES: LOAD-009 (syntax beyond ES5, the linter's
// ES5-CONST, ES5-LET, ES5-ARROW and ES5-TEMPLATE findings with their places).
// No mandatory failure: the script conforms as far as usbmon-js can run it.

const SUCCESS = 0;
const DEVICE_BUSY = 3;

function startPrintJob(jobContext, printerStream, printerBidiSchemaResponses) {
    return SUCCESS;
}

function writePrintData(jobContext, printData, printerStream, writePrintDataProgress, printerBidiSchemaResponses) {
    let written = printerStream.Write(printData);
    const busy = () => written === 0;
    writePrintDataProgress.ProcessedByteCount = written;
    jobContext.JobPropertyBag.SetString("LastWrite", `${written} of ${printData.length}`);
    return busy() ? DEVICE_BUSY : SUCCESS;
}

function endPrintJob(jobContext, printerStream, printerBidiSchemaResponses) {
    return SUCCESS;
}
