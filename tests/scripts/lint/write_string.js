// write_string.js - strings where the host needs a byte array (Write,
// SetBytes, AddBlob take an Array of numbers 0-255): HOST-STRING-BYTES
// errors. Arrays, Read results and slices of printData are fine.

var UEL = "\u001B%-12345X";

function toBytes(text) {
    var bytes = [];
    var i;
    for (i = 0; i < text.length; i++) {
        bytes.push(text.charCodeAt(i));
    }
    return bytes;
}

function send(stream, text) {
    return stream.Write(text);                                  // fine: every caller passes an Array
}

function startPrintJob(jobContext, printerStream, printerBidiSchemaResponses) {
    var command = UEL + "@PJL\r\n";
    var bag = jobContext.JobPropertyBag;
    printerStream.Write("@PJL ENTER LANGUAGE=PCL\r\n");         // HOST-STRING-BYTES
    printerStream.write(UEL + "@PJL JOB\r\n");                  // HOST-STRING-BYTES
    printerStream.Write(command);                               // HOST-STRING-BYTES
    printerStream.Write(toBytes(command));
    printerStream.Write([0x1B, 0x45]);
    bag.SetBytes("Header", "ESC E");                            // HOST-STRING-BYTES
    printerBidiSchemaResponses.AddBlob("\\Printer.Extension:Raw", command.split(""));   // HOST-STRING-BYTES
    send(printerStream, [1, 2]);
    return 0;
}

function writePrintData(jobContext, printData, printerStream, writePrintDataProgress, printerBidiSchemaResponses) {
    var stream = jobContext.TemporaryStreams[0];
    var chunk = printData.slice(0, 16);
    stream.Write(chunk);
    writePrintDataProgress.ProcessedByteCount = printerStream.Write(printerStream.Read(4).concat(chunk));
    return 0;
}

// Passed around as a value, so nothing is known about its parameter's type:
// the name says it is a stream, and a string literal is never a byte array.
var handlers = {
    trailer: function (tailStream) {
        return tailStream.Write("\u001B%-12345X");             // HOST-STRING-BYTES
    }
};

function endPrintJob(jobContext, outStream, printerBidiSchemaResponses) {
    handlers.trailer(outStream);
    outStream.Write("\f");                                      // HOST-STRING-BYTES
    return 0;
}
