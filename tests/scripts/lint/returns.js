// returns.js - entry points must return one of their numeric codes on every
// path. Non-numbers are RETURN-TYPE errors; numbers the entry point does not
// define are RETURN-CODE warnings; falling off the end or a bare `return;` are
// RETURN-MISSING warnings; a writePrintData that never sets
// ProcessedByteCount is a PROGRESS-NOT-SET warning.

function getSchemas(scriptContext, printerStream, schemaRequests, printerBidiSchemaResponses) {
    if (schemaRequests.length === 0) {
        return true;                                            // RETURN-TYPE
    }
    if (schemaRequests.length === 1) {
        return "0";                                             // RETURN-TYPE
    }
    if (schemaRequests.length === 2) {
        return;                                                 // RETURN-MISSING
    }
    return schemaRequests.length > 3 ? 1 : 2;                   // RETURN-CODE (the 2)
}

function getStatus(scriptContext, printerStream, printerBidiSchemaResponses) {
    var reply = printerStream.Read(1);
    if (reply.length === 0) {
        return -1;                                              // RETURN-CODE
    }
    if (reply[0] === 0x2B) {
        return 2;
    }
}                                                               // RETURN-MISSING (can fall off the end)

function startPrintJob(jobContext, printerStream, printerBidiSchemaResponses) {
    var codes = jobContext.ReturnCodes;
    try {
        printerStream.Write([0x1B, 0x45]);
    } catch (e) {
        return codes.Retry;                                     // RETURN-CODE (startPrintJob: 0 or 1)
    }
    return codes.Success;
}

function writePrintData(jobContext, printData, printerStream, writePrintDataProgress) {   // PROGRESS-NOT-SET
    printerStream.Write(printData);
    switch (printData.length) {
    case 0:
        return jobContext.ReturnCodes.Success;
    default:
        throw new Error("not implemented");
    }
}

function endPrintJob(jobContext, printerStream, printerBidiSchemaResponses) {
    var status = { ok: 0 };
    while (true) {
        if (printerStream.Read(1).length > 0) {
            return status;                                      // RETURN-TYPE
        }
    }
}
