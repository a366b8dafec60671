// pjl_passthrough.js - USBMon JavaScript extender for a PJL/PCL laser printer
//
// WHAT IT DOES
//   Sends the print job to the printer unchanged. Before the job starts it asks
//   the printer for its PJL status and reports the printer state through Bidi,
//   so the queue shows "Idle"/"Processing"/"Stopped" while the job runs.
//
// JOB FORMAT EXPECTED
//   Any byte stream (normally a PJL-wrapped PCL or PostScript job). The script
//   never looks inside the job data.
//
// DEVICE BEHAVIOUR RELIED ON
//   - Standard PJL status read-back: after
//       ESC%-12345X@PJL<CR><LF>@PJL INFO STATUS<CR><LF>ESC%-12345X
//     the printer answers on the bulk IN pipe with
//       @PJL INFO STATUS<CR><LF>CODE=nnnnn<CR><LF>DISPLAY="..."<CR><LF>
//       ONLINE=TRUE|FALSE<CR><LF><FF>
//     (the reply ends with a form feed, 0x0C).
//   - The printer may accept fewer bytes than offered while its input buffer
//     is full (Write returns less, or 0 after the write timeout).
//
// ENTRY POINTS
//   getSchemas      answers \Printer.Status.Summary:State (PJL status query)
//                   and \Printer.Extension:JobsSent
//   startPrintJob   PJL status query; reports \Printer.Status.Summary:State;
//                   stores the job properties "PjlStatusCode" (Int32) and
//                   "PjlDisplay" (String); always returns Success
//   writePrintData  (sample parameter order) writes printData, sets
//                   ProcessedByteCount to what the printer took; Success, or
//                   DeviceBusy when the printer took nothing
//   endPrintJob     reports \Printer.Extension:JobsSent; returns Success
//
// BYTES THAT REACH THE DEVICE, IN ORDER
//   1. the 42-byte status query (startPrintJob):
//        1B "%-12345X@PJL" 0D 0A "@PJL INFO STATUS" 0D 0A 1B "%-12345X"
//   2. the job bytes, exactly and in order (writePrintData).
//   endPrintJob sends nothing.
//
// NOTE
//   JobsSent counts jobs finished since the script was loaded. USBMon does not
//   promise that script globals survive between calls, so the count is only a
//   best effort: it restarts at 0 whenever the spooler reloads the script.

var UEL = "\u001B%-12345X";
var STATUS_QUERY = UEL + "@PJL\r\n@PJL INFO STATUS\r\n" + UEL;
var STATE_PATH = "\\Printer.Status.Summary:State";
var JOBS_SENT_PATH = "\\Printer.Extension:JobsSent";
var REPLY_END = 0x0C;          // a PJL reply ends with a form feed
var MAX_REPLY_BYTES = 4096;
var MAX_EMPTY_READS = 5;       // each empty Read waits about 50 ms

var jobsSent = 0;

function stringToBytes(text) {
    var bytes = [];
    var i;
    for (i = 0; i < text.length; i++) {
        bytes.push(text.charCodeAt(i) & 0xFF);
    }
    return bytes;
}

function bytesToString(bytes) {
    var text = "";
    var i;
    for (i = 0; i < bytes.length; i++) {
        text += String.fromCharCode(bytes[i]);
    }
    return text;
}

// Reads one PJL reply: everything up to and including the form feed, or what
// arrived before the printer went quiet. Returns "" when nothing came back.
function readPjlReply(printerStream) {
    var reply = [];
    var emptyReads = 0;
    var chunk;
    var i;

    while (emptyReads < MAX_EMPTY_READS && reply.length < MAX_REPLY_BYTES) {
        chunk = printerStream.Read(256);
        if (chunk.length === 0) {
            emptyReads++;
            continue;
        }
        emptyReads = 0;
        for (i = 0; i < chunk.length; i++) {
            reply.push(chunk[i]);
            if (chunk[i] === REPLY_END) {
                return bytesToString(reply);
            }
        }
    }
    return bytesToString(reply);
}

// Parses "@PJL INFO STATUS" reply text. Returns null when no CODE= line is found.
function parseStatus(text) {
    var lines = text.split(/\r?\n/);
    var status = { code: -1, display: "", online: true };
    var match;
    var i;

    for (i = 0; i < lines.length; i++) {
        if ((match = /^CODE=(\d+)/.exec(lines[i])) !== null) {
            status.code = parseInt(match[1], 10);
        } else if ((match = /^DISPLAY="([^"]*)"/.exec(lines[i])) !== null) {
            status.display = match[1];
        } else if ((match = /^ONLINE=(\w+)/.exec(lines[i])) !== null) {
            status.online = match[1].toUpperCase() !== "FALSE";
        }
    }
    return status.code < 0 ? null : status;
}

// Maps a PJL status code to the Bidi summary state (Idle | Processing | Stopped).
function summaryState(status) {
    var code = status.code;
    if (!status.online) {
        return "Stopped";
    }
    if (code === 10000 || code === 10001 || code === 10006) {
        return "Idle";          // power save, ready, ready with toner low
    }
    if (code >= 10002 && code < 20000) {
        return "Processing";    // warming up, self test, printing, ...
    }
    return "Stopped";           // 3xxxx/4xxxx: operator attention, jams, ...
}

// Sends the status query and parses the answer. Returns null when the printer
// did not take the whole query or did not answer.
function queryStatus(printerStream) {
    var query = stringToBytes(STATUS_QUERY);
    if (printerStream.Write(query) !== query.length) {
        return null;
    }
    return parseStatus(readPjlReply(printerStream));
}

function getSchemas(scriptContext, printerStream, schemaRequests, printerBidiSchemaResponses) {
    var needsRetry = false;
    var status;
    var i;

    for (i = 0; i < schemaRequests.length; i++) {
        if (schemaRequests[i] === STATE_PATH) {
            status = queryStatus(printerStream);
            if (status === null) {
                printerBidiSchemaResponses.AddRequeryKey(STATE_PATH);
                needsRetry = true;
            } else {
                printerBidiSchemaResponses.AddString(STATE_PATH, summaryState(status));
            }
        } else if (schemaRequests[i] === JOBS_SENT_PATH) {
            printerBidiSchemaResponses.AddInt32(JOBS_SENT_PATH, jobsSent);
        }
    }
    return needsRetry ? 1 : 0;
}

function startPrintJob(jobContext, printerStream, printerBidiSchemaResponses) {
    var bag = jobContext.JobPropertyBag;
    var status = queryStatus(printerStream);

    if (status !== null) {
        printerBidiSchemaResponses.AddString(STATE_PATH, summaryState(status));
        bag.SetInt32("PjlStatusCode", status.code);
        bag.SetString("PjlDisplay", status.display);
    } else {
        // No answer: print anyway, the printer buffers the job.
        bag.SetInt32("PjlStatusCode", -1);
        bag.SetString("PjlDisplay", "");
    }
    return jobContext.ReturnCodes.Success;
}

function writePrintData(jobContext, printData, printerStream, writePrintDataProgress, printerBidiSchemaResponses) {
    var codes = jobContext.ReturnCodes;
    var written;

    if (printData.length === 0) {
        writePrintDataProgress.ProcessedByteCount = 0;
        return codes.Success;
    }

    written = printerStream.Write(printData);
    writePrintDataProgress.ProcessedByteCount = written;

    // A short write is fine: USBMon presents the rest of the buffer again.
    // Nothing taken at all means the printer is busy, so let USBMon back off.
    return written === 0 ? codes.DeviceBusy : codes.Success;
}

function endPrintJob(jobContext, printerStream, printerBidiSchemaResponses) {
    jobsSent++;
    printerBidiSchemaResponses.AddInt32(JOBS_SENT_PATH, jobsSent);
    return jobContext.ReturnCodes.Success;
}
