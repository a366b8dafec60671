// host_members.js - host-object misuse. Member names are case-insensitive
// (addBlob, jobPropertyBag, returnCodes.success are fine), but a member the
// interface does not have, a property called like a method, an assignment to a
// read-only member, a wrong argument count, or a case slip on a plain JS Array
// are errors. Types follow the entry point's parameters by position, simple
// aliases, member results and helpers called only directly.

function describe(stream) {
    return stream.Peek(4);                          // HOST-MEMBER (helper param typed by its callers)
}

function getSchemas(scriptContext, printerStream, schemaRequests, printerBidiSchemaResponses) {
    var queue = scriptContext.QueueProperties;
    var stream = queue.GetReadStream("Config");
    printerBidiSchemaResponses.addBlob("\\Printer.Extension:Raw", [1, 2]);
    printerBidiSchemaResponses.AddBLOB("\\Printer.Extension:Raw", [3]);
    printerBidiSchemaResponses.AddResult("\\Printer.Extension:Raw", 1);        // HOST-MEMBER
    printerBidiSchemaResponses.AddRequery("Configuration");                    // HOST-MEMBER
    printerBidiSchemaResponses.AddInt32("\\Printer.Extension:Size");           // HOST-ARGS
    queue.GetText("Model");                                                    // HOST-MEMBER
    stream.Rewind();                                                           // HOST-MEMBER
    stream.Seek(0, 0);
    printerStream.Flush();                                                     // HOST-MEMBER
    describe(printerStream);
    return schemaRequests.length > 0 ? 0 : 1;
}

function setSchema(scriptContext, printerStream, printerBidiSchemaElement) {
    var element = printerBidiSchemaElement;
    if (element.type === 7) {                                                  // HOST-MEMBER
        return 0;
    }
    if (typeof element.kind === "undefined") {       // an explicit probe: fine
        element.Value = 1;                                                     // HOST-READONLY
    }
    return element.name === "\\Printer.Extension:DeviceAction" ? 0 : 1;
}

function startPrintJob(jobScriptContext, printerStream, printerBidiSchemaResponses) {
    var ctx = jobScriptContext;
    var bag = ctx.JobPropertyBag();                                            // HOST-CALL-PROPERTY
    ctx.jobPropertyBag.SetInt32("Pages", 0);
    ctx.ReturnCodes = null;                                                    // HOST-READONLY
    ctx.TemporaryStreams.Read(10);                                             // HOST-MEMBER
    ctx.TemporaryStreams[0].Peek(1);                                           // HOST-MEMBER
    return ctx.returnCodes.success;
}

function writePrintData(jobScriptContext, printData, printerStream, writePrintDataProgress, printerBidiSchemaResponses) {
    var codes = jobScriptContext.ReturnCodes;
    var head = printerStream.Read(2);
    writePrintDataProgress.ProcessedByteCount = printData.Length;              // JS-MEMBER-CASE
    writePrintDataProgress.processedBytes = head.length;                       // HOST-MEMBER
    return codes.Sucess;                                                       // HOST-MEMBER
}

// getStatus's stream is opened read-only: Write throws (STATUS-WRITE).
// UserProperties always throws under USBMon (HOST-UNAVAILABLE), except as a
// deliberate probe inside try.
function getStatus(scriptContext, printerStream, printerBidiSchemaResponses) {
    var user = scriptContext.UserProperties;                                   // HOST-UNAVAILABLE
    try {
        user = scriptContext.userProperties;
    } catch (e) {
        user = null;
    }
    printerStream.Write([0x1B, 0x3F]);                                         // STATUS-WRITE
    return printerStream.Read(1).length > 0 ? 0 : 2;
}
