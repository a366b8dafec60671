// pjl_info_bidi.js - USBMon JavaScript extender for a PJL laser printer:
//                    Bidi values from PJL INFO / DINQUIRE, settings through
//                    PJL DEFAULT, and unsolicited status (USTATUS) while printing.
//
// WHAT IT DOES
//   getSchemas      one PJL query per requested query key (see the table below)
//   setSchema       \Printer.Extension:EconoMode (ON/OFF, PJL DEFAULT plus a
//                   read-back) and the \Printer.Maintenance:CleanHead action
//   getStatus       while a job prints: parses the printer's unsolicited
//                   "@PJL USTATUS DEVICE" messages into the status summary
//   startPrintJob   switches unsolicited device status on (USTATUS DEVICE=ON)
//   writePrintData  sends the job unchanged (sample parameter order)
//   endPrintJob     nothing to do
//
// PJL BASICS RELIED ON
//   - Every command block is wrapped in the Universal Exit Language sequence:
//       ESC%-12345X@PJL<CR><LF> <commands, each ending CR LF> ESC%-12345X
//   - Replies to INFO/INQUIRE/DINQUIRE/ECHO arrive on the bulk IN pipe. A reply
//     repeats the command as its first line ("@PJL INFO STATUS") and ends with
//     a form feed (0x0C). An unknown variable is answered with "?".
//   - Unsolicited status messages ("@PJL USTATUS DEVICE", CODE=, DISPLAY=,
//     ONLINE=) use the same framing, so they can arrive in the middle of a
//     query: the reader skips every message whose first line is not the echo
//     it waits for.
//   - This printer family announces that it has switched unsolicited status
//     off (front-panel setting, or another host sent @PJL USTATUSOFF) with a
//     message whose first line is "@PJL USTATUSOFF". getStatus returns 2 then,
//     which tells USBMon to stop polling for the rest of the job.
//
// QUERY KEYS (schemaRequests) -> PJL -> BIDI VALUES
//   "Status"  @PJL INFO STATUS   \Printer.Status.Summary:State        BIDI_STRING
//                                \Printer.Status.Summary:StateReason  BIDI_STRING
//                                \Printer.Extension:PanelDisplay      BIDI_STRING
//   "Config"  @PJL INFO CONFIG   \Printer.Configuration.Memory:Size   BIDI_INT (KB; MEMORY= is bytes)
//                                \Printer.Configuration.DuplexUnit:Installed BIDI_BOOL
//                                \Printer.Layout.InputBins.Tray1:Installed   BIDI_BOOL
//   "\Printer.Extension:EconoMode"  @PJL DINQUIRE ECONOMODE  BIDI_ENUM ON|OFF
//   "\Printer.Extension:PageCount"  @PJL INFO PAGECOUNT      BIDI_INT
//   (\Printer.DeviceInfo:Category is a Const in the XML: USBMon answers it.)
//   A query that gets no reply (printer busy) is handed back with
//   AddRequeryKey and getSchemas returns 1, so USBMon asks again shortly.
//
// SETTING VALUES
//   EconoMode: sends "@PJL DEFAULT ECONOMODE=<ON|OFF>" and reads the default
//   back with DINQUIRE in the same block. When the printer is busy it does not
//   apply new defaults yet and reads back the old value (or does not answer):
//   setSchema returns 1 and USBMon calls it again a little later. "?" means
//   the model has no EconoMode: that is an error (throws).
//   CleanHead (Set only): when set to true, sends the vendor command
//   "@PJL EXECUTE CLEANHEAD" (not in the PJL reference; this printer family's
//   extension). It is not read back, so a retry can never clean twice: it
//   returns 1 only if the printer did not take the command at all.
//
// STATUS CODES (simplified from the PJL status code groups)
//   10000/10001 Idle, 10006 Idle + MarkerSupplyLow, other 1xxxx Processing,
//   3xxxx Processing + AttentionRequired, 40021 DoorOpen, 40022/42xxx MediaJam,
//   40038 MarkerSupplyLow, 41xxx MediaEmpty, anything else AttentionRequired;
//   every 4xxxx/5xxxx is Stopped, and ONLINE=FALSE makes any state Stopped.

var UEL = "\u001B%-12345X";
var FORM_FEED = 0x0C;
var MAX_EMPTY_READS = 5;        // each empty Read waits about 50 ms
var MAX_SKIPPED_MESSAGES = 16;  // unrelated messages skipped while waiting for a reply
var MAX_MESSAGE_BYTES = 8192;
var MAX_STATUS_READS = 16;      // reads per getStatus call

var STATE_PATH = "\\Printer.Status.Summary:State";
var STATE_REASON_PATH = "\\Printer.Status.Summary:StateReason";
var DISPLAY_PATH = "\\Printer.Extension:PanelDisplay";
var MEMORY_PATH = "\\Printer.Configuration.Memory:Size";
var DUPLEX_PATH = "\\Printer.Configuration.DuplexUnit:Installed";
var TRAY1_PATH = "\\Printer.Layout.InputBins.Tray1:Installed";
var ECONOMODE_PATH = "\\Printer.Extension:EconoMode";
var PAGECOUNT_PATH = "\\Printer.Extension:PageCount";
var CLEANHEAD_PATH = "\\Printer.Maintenance:CleanHead";

var BIDI_BOOL = 3;
var BIDI_STRING = 4;
var BIDI_ENUM = 6;

// Bytes of a status message cut off at the end of the previous getStatus call.
// Best effort only: USBMon does not promise that globals survive between calls.
var statusCarry = [];

// ---------------------------------------------------------------- helpers

function toBytes(text) {
    var bytes = [];
    var i;
    for (i = 0; i < text.length; i++) {
        bytes.push(text.charCodeAt(i) & 0xFF);
    }
    return bytes;
}

function toText(bytes) {
    var text = "";
    var i;
    for (i = 0; i < bytes.length; i++) {
        text += String.fromCharCode(bytes[i]);
    }
    return text;
}

function pjlBlock(commands) {
    return toBytes(UEL + "@PJL\r\n" + commands.join("\r\n") + "\r\n" + UEL);
}

function normalise(line) {
    return line.replace(/^\s+|\s+$/g, "").replace(/\s+/g, " ").toUpperCase();
}

// The lines of one message (form feed already removed), without empty lines.
function messageLines(bytes) {
    var raw = toText(bytes).split(/\r?\n/);
    var lines = [];
    var i;
    for (i = 0; i < raw.length; i++) {
        if (/\S/.test(raw[i])) {
            lines.push(raw[i]);
        }
    }
    return lines;
}

// KEY=VALUE lines -> { KEY: "VALUE" } (quotes around the value removed).
function variables(lines) {
    var found = {};
    var match;
    var i;
    for (i = 0; i < lines.length; i++) {
        match = /^\s*([A-Za-z0-9_]+)\s*=\s*(.*?)\s*$/.exec(lines[i]);
        if (match !== null) {
            found[match[1].toUpperCase()] = match[2].replace(/^"(.*)"$/, "$1");
        }
    }
    return found;
}

// Reads messages until one starts with `echo`; returns its other lines, or
// null when the printer went quiet first. Unrelated messages are skipped.
function readReply(printerStream, echo) {
    var message = [];
    var skipped = 0;
    var emptyReads = 0;
    var chunk;
    var lines;
    var i;

    while (emptyReads < MAX_EMPTY_READS) {
        chunk = printerStream.Read(512);
        if (chunk.length === 0) {
            emptyReads++;
            continue;
        }
        emptyReads = 0;
        for (i = 0; i < chunk.length; i++) {
            if (chunk[i] !== FORM_FEED) {
                message.push(chunk[i]);
                if (message.length > MAX_MESSAGE_BYTES) {
                    throw new Error("pjl_info_bidi: a reply longer than " + MAX_MESSAGE_BYTES +
                        " bytes without a form feed; is this a PJL printer?");
                }
                continue;
            }
            lines = messageLines(message);
            message = [];
            if (lines.length > 0 && normalise(lines[0]) === echo) {
                return lines.slice(1);
            }
            skipped++;
            if (skipped > MAX_SKIPPED_MESSAGES) {
                return null;
            }
        }
    }
    return null;
}

// Sends `commands` as one PJL block and waits for the reply that echoes `echo`.
// Returns the reply lines, or null when the printer is busy or silent.
function query(printerStream, commands, echo) {
    var block = pjlBlock(commands);
    if (printerStream.Write(block) !== block.length) {
        return null;
    }
    return readReply(printerStream, echo);
}

function summarize(code, online) {
    var state = "Stopped";
    var reason = "AttentionRequired";

    if (code === 10000 || code === 10001) {
        state = "Idle";
        reason = "None";
    } else if (code === 10006) {
        state = "Idle";
        reason = "MarkerSupplyLow";
    } else if (code >= 10000 && code < 20000) {
        state = "Processing";
        reason = "None";
    } else if (code >= 30000 && code < 40000) {
        state = "Processing";
    } else if (code === 40021) {
        reason = "DoorOpen";
    } else if (code === 40022 || (code >= 42000 && code < 43000)) {
        reason = "MediaJam";
    } else if (code === 40038) {
        reason = "MarkerSupplyLow";
    } else if (code >= 41000 && code < 42000) {
        reason = "MediaEmpty";
    }
    if (!online && state !== "Stopped") {
        state = "Stopped";
        if (reason === "None") {
            reason = "Paused";
        }
    }
    return { state: state, reason: reason };
}

// Adds the summary values for a status reply or USTATUS DEVICE message.
// Returns false when the message carries no status code.
function addDeviceStatus(vars, responses) {
    var summary;
    if (!/^\d+$/.test(vars.CODE || "")) {
        return false;
    }
    summary = summarize(parseInt(vars.CODE, 10), (vars.ONLINE || "TRUE").toUpperCase() !== "FALSE");
    responses.AddString(STATE_PATH, summary.state);
    responses.AddString(STATE_REASON_PATH, summary.reason);
    if (vars.DISPLAY !== undefined) {
        responses.AddString(DISPLAY_PATH, vars.DISPLAY);
    }
    return true;
}

// "@PJL INFO CONFIG" lines: "NAME [n ENUMERATED]" starts a list whose items
// are the following indented lines; other lines are KEY=VALUE or bare flags.
function addConfig(lines, responses) {
    var section = "";
    var tray1 = false;
    var duplex = false;
    var memory = null;
    var line;
    var word;
    var match;
    var i;

    for (i = 0; i < lines.length; i++) {
        line = lines[i];
        if (/^\s/.test(line)) {
            word = normalise(line).split(" ")[0];
            if (section === "IN TRAYS" && (word === "INTRAY1" || word === "TRAY1")) {
                tray1 = true;
            }
            if (word === "DUPLEX" || word === "DUPLEXER") {
                duplex = true;
            }
            continue;
        }
        match = /^(.*?)\s*\[\s*\d+\s+[A-Z]+\s*\]\s*$/.exec(normalise(line));
        if (match !== null) {
            section = match[1];
            continue;
        }
        section = "";
        match = /^([A-Z0-9_]+)\s*(?:=\s*(.*))?$/.exec(normalise(line));
        if (match === null) {
            continue;
        }
        if (match[1] === "MEMORY" && /^\d+$/.test(match[2] || "")) {
            memory = Math.floor(parseInt(match[2], 10) / 1024);
        } else if (match[1] === "DUPLEX" || match[1] === "DUPLEXER") {
            duplex = match[2] === undefined || match[2] === "" || match[2] === "TRUE" || match[2] === "ON";
        }
    }
    if (memory !== null) {
        responses.AddInt32(MEMORY_PATH, memory);
    }
    responses.AddBool(DUPLEX_PATH, duplex);
    responses.AddBool(TRAY1_PATH, tray1);
}

function firstNumber(lines) {
    var match;
    var i;
    for (i = 0; i < lines.length; i++) {
        match = /^\s*(?:PAGECOUNT\s*=\s*)?(\d+)\s*$/i.exec(lines[i]);
        if (match !== null) {
            return parseInt(match[1], 10);
        }
    }
    return null;
}

// Each query key: the PJL commands, the reply echo, and how to report it.
// `report` returns nothing; an unknown variable ("?") simply reports nothing.
var QUERIES = {
    "Status": {
        commands: ["@PJL INFO STATUS"],
        echo: "@PJL INFO STATUS",
        report: function (lines, responses) {
            addDeviceStatus(variables(lines), responses);
        }
    },
    "Config": {
        commands: ["@PJL INFO CONFIG"],
        echo: "@PJL INFO CONFIG",
        report: addConfig
    },
    "\\Printer.Extension:EconoMode": {
        commands: ["@PJL DINQUIRE ECONOMODE"],
        echo: "@PJL DINQUIRE ECONOMODE",
        report: function (lines, responses) {
            var value = lines.length ? normalise(lines[0]) : "";
            if (value === "ON" || value === "OFF") {
                responses.AddEnum(ECONOMODE_PATH, value);
            }
        }
    },
    "\\Printer.Extension:PageCount": {
        commands: ["@PJL INFO PAGECOUNT"],
        echo: "@PJL INFO PAGECOUNT",
        report: function (lines, responses) {
            var count = firstNumber(lines);
            if (count !== null) {
                responses.AddInt32(PAGECOUNT_PATH, count);
            }
        }
    }
};

// ---------------------------------------------------------------- Bidi

function getSchemas(scriptContext, printerStream, schemaRequests, printerBidiSchemaResponses) {
    var done = {};
    var requery = false;
    var key;
    var lines;
    var i;

    for (i = 0; i < schemaRequests.length; i++) {
        key = schemaRequests[i];
        if (done.hasOwnProperty(key) || !QUERIES.hasOwnProperty(key)) {
            continue;
        }
        done[key] = true;
        lines = query(printerStream, QUERIES[key].commands, QUERIES[key].echo);
        if (lines === null) {
            printerBidiSchemaResponses.AddRequeryKey(key);
            requery = true;
        } else {
            QUERIES[key].report(lines, printerBidiSchemaResponses);
        }
    }
    return requery ? 1 : 0;
}

function setEconoMode(printerStream, element) {
    var wanted;
    var lines;
    var value;

    if (element.BidiType !== BIDI_ENUM && element.BidiType !== BIDI_STRING) {
        throw new Error("pjl_info_bidi: EconoMode is set with an enum value, not BidiType " + element.BidiType);
    }
    wanted = normalise(String(element.Value));
    if (wanted !== "ON" && wanted !== "OFF") {
        throw new Error("pjl_info_bidi: EconoMode is ON or OFF, not '" + element.Value + "'");
    }
    lines = query(printerStream,
        ["@PJL DEFAULT ECONOMODE=" + wanted, "@PJL DINQUIRE ECONOMODE"],
        "@PJL DINQUIRE ECONOMODE");
    if (lines === null) {
        return 1;                       // busy or silent: try again later
    }
    value = lines.length ? normalise(lines[0]) : "";
    if (value === "?") {
        throw new Error("pjl_info_bidi: this printer has no ECONOMODE setting");
    }
    return value === wanted ? 0 : 1;    // old value read back: not applied yet
}

function cleanHead(printerStream, element) {
    var block;
    if (element.BidiType !== BIDI_BOOL) {
        throw new Error("pjl_info_bidi: CleanHead is set with a bool value, not BidiType " + element.BidiType);
    }
    if (!element.Value) {
        return 0;                       // "false": nothing to do
    }
    block = pjlBlock(["@PJL EXECUTE CLEANHEAD"]);
    return printerStream.Write(block) === block.length ? 0 : 1;
}

function setSchema(scriptContext, printerStream, printerBidiSchemaElement) {
    var name = printerBidiSchemaElement.Name;
    if (name === ECONOMODE_PATH) {
        return setEconoMode(printerStream, printerBidiSchemaElement);
    }
    if (name === CLEANHEAD_PATH) {
        return cleanHead(printerStream, printerBidiSchemaElement);
    }
    throw new Error("pjl_info_bidi: " + name + " cannot be set by this driver");
}

// Called over and over while a job prints. printerStream is read-only here.
function getStatus(scriptContext, printerStream, printerBidiSchemaResponses) {
    var bytes = statusCarry;
    var message = [];
    var latest = null;
    var stop = false;
    var chunk;
    var lines;
    var head;
    var reads;
    var i;

    statusCarry = [];
    for (reads = 0; reads < MAX_STATUS_READS; reads++) {
        chunk = printerStream.Read(1024);
        if (chunk.length === 0) {
            break;                      // nothing more for now
        }
        bytes = bytes.concat(chunk);
    }

    for (i = 0; i < bytes.length; i++) {
        if (bytes[i] !== FORM_FEED) {
            message.push(bytes[i]);
            continue;
        }
        lines = messageLines(message);
        message = [];
        head = lines.length ? normalise(lines[0]) : "";
        if (head === "@PJL USTATUSOFF") {
            stop = true;
        } else if (head === "@PJL USTATUS DEVICE") {
            latest = variables(lines.slice(1));   // only the newest status counts
        }
        // Other messages (USTATUS JOB/PAGE/TIMED, stray replies) are not used.
    }
    if (message.length > 0 && message.length <= MAX_MESSAGE_BYTES) {
        statusCarry = message;          // the rest arrives with the next call
    }

    if (latest !== null) {
        addDeviceStatus(latest, printerBidiSchemaResponses);
    }
    return stop ? 2 : 0;
}

// ---------------------------------------------------------------- job

function startPrintJob(jobContext, printerStream, printerBidiSchemaResponses) {
    // Ask for unsolicited device status while this job prints. If the printer
    // does not take it, print anyway: status is a nicety, not a requirement.
    printerStream.Write(pjlBlock(["@PJL USTATUS DEVICE=ON"]));
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
    return written === 0 ? codes.DeviceBusy : codes.Success;
}

function endPrintJob(jobContext, printerStream, printerBidiSchemaResponses) {
    return jobContext.ReturnCodes.Success;
}
