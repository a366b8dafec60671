// clean.js - valid ES5 in the loose style of real vendor scripts; nothing
// here may be reported. Member names in any case, entry points defined in
// the three usual ways, labelled loops, debugger, for-in, getters, a helper
// that takes either kind of stream, byte arrays built from strings.

var retries = 0;                // a top-level global: fine
var SEPARATOR = [0x5C, 0x72];

function bytesOf(text) {
    var out = [];
    var i;
    for (i = 0; i < text.length; i++) {
        out.push(text.charCodeAt(i) & 0xFF);
    }
    return out;
}

function drain(stream, limit) {
    var data = [];
    var chunk;
    do {
        chunk = stream.read(limit);
        data = data.concat(chunk);
    } while (chunk.length > 0 && data.length < limit);
    return data;
}

var settings = {
    get model() { return "LJ"; },
    set model(value) { retries = value.length; }
};

this.getSchemas = function (scriptContext, printerStream, schemaRequests, printerBidiSchemaResponses) {
    var bag = scriptContext.queueProperties;
    var stream = bag.getReadStream("Blob");
    var key;
    stream.seek(0, 0);
    stream.setSize(0);
    stream.commit();
    drain(stream, 16);
    drain(printerStream, 16);
    for (key in schemaRequests) {
        if (schemaRequests.hasOwnProperty(key)) {
            printerBidiSchemaResponses.addString("\\Printer.DeviceInfo:Model", bag.GetString("Model") + key);
        }
    }
    printerBidiSchemaResponses.AddBLOB("\\Printer.Extension:Raw", bytesOf(settings.model));
    printerBidiSchemaResponses.addRequeryKey("Configuration");
    return 1;
};

function setSchema(scriptContext, printerStream, printerBidiSchemaElement) {
    var written;
    debugger;
    if (printerBidiSchemaElement.bidiType === 3 && printerBidiSchemaElement.value) {
        written = printerStream.Write([0x65, 0x24, 0x0A]);
    } else {
        written = printerStream.write(bytesOf(printerBidiSchemaElement.Name));
    }
    return written > 0 ? 0 : 1;
}

function myWrite(jobContext, printData, printerStream, writePrintDataProgress, printerBidiSchemaResponses) {
    var codes = jobContext.returnCodes;
    var i;
    var end = -1;
    scan:
    for (i = 0; i + 1 < printData.length; i++) {
        if (printData[i] === SEPARATOR[0] && printData[i + 1] === SEPARATOR[1]) {
            end = i + 2;
            break scan;
        }
    }
    if (end < 0) {
        return codes.abortTheJob;
    }
    jobContext.TemporaryStreams[1].Write(printData.slice(0, end));
    jobContext.printedPageCount++;
    writePrintDataProgress.processedByteCount = end;
    return codes.Success;
}

var writePrintData = myWrite;

endPrintJob = function (jobContext, printerStream, printerBidiSchemaResponses) {
    var pending = jobContext.temporaryStreams[1].Read(32768);
    if (pending.length === 0) {
        return jobContext.ReturnCodes.Success;
    }
    if (printerStream.Write(pending) < pending.length) {
        return jobContext.ReturnCodes.Failure;
    }
    jobContext.JobPropertyBag.SetBytes("Tail", bytesOf("done"));
    printerBidiSchemaResponses.AddNull("\\Printer.Extension:ManualDuplexEvent");
    return jobContext.ReturnCodes.Retry;
};
