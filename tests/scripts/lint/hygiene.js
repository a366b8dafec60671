// hygiene.js - constructs that work but make a driver fragile: `with`
// (NO-WITH), eval and Function (NO-EVAL), and assignments to undeclared names
// inside functions (IMPLICIT-GLOBAL, reported once per function and name).
// Top-level implicit globals (how many vendors define entry points) are fine.

startPrintJob = function (jobContext, printerStream, printerBidiSchemaResponses) {
    pages = 0;                                                  // IMPLICIT-GLOBAL
    pages = pages + 1;
    with (jobContext) {                                         // NO-WITH
        PrintedPageCount = 0;                                   // may be jobContext's member: not IMPLICIT-GLOBAL
    }
    return 0;
};

function getStatus(scriptContext, printerStream, printerBidiSchemaResponses) {
    var code = eval("0");                                       // NO-EVAL
    var make = new Function("return 2;");                       // NO-EVAL
    for (i = 0; i < 2; i++) {                                   // IMPLICIT-GLOBAL
        code += i;
    }
    return 0;
}
