// http_bidi.js - USBMon JavaScript Bidi extender for a printer that tunnels
//                small HTTP/1.1 exchanges over its USB print interface.
//
// WHAT IT DOES
//   getSchemas  one HTTP GET per requested query key; the reply body is a list
//               of key=value lines that become Bidi values
//   setSchema   \Printer.Extension.Settings:SleepMinutes with an HTTP POST
//   An alert in the status body raises the Bidi event
//   \Printer.Extension:AlertEvent (AddNull), which a driver events file can
//   turn into a notification for the user.
//
// THE TUNNEL
//   Request (host -> printer), plain HTTP/1.1 text:
//       GET /bidi/status HTTP/1.1<CR><LF>Host: printer<CR><LF><CR><LF>
//   a POST adds Content-Type and Content-Length headers and a UTF-8 body.
//   Reply (printer -> host):
//       HTTP/1.1 200 OK<CR><LF><headers><CR><LF><CR><LF><body>
//   The script parses the status line, the headers (names are case-
//   insensitive) and reads exactly Content-Length body bytes, however the
//   printer splits them over USB transfers. A reply without Content-Length
//   ends when the printer goes quiet. Chunked transfer coding is not used by
//   this printer family and is rejected. Body: UTF-8 text, one key=value per
//   line (keys case-insensitive), "#" starts a comment line.
//
// QUERY KEYS (schemaRequests) -> REQUEST -> BIDI VALUES
//   "Status"  GET /bidi/status
//       state=   \Printer.Status.Summary:State          BIDI_STRING
//       reason=  \Printer.Status.Summary:StateReason    BIDI_STRING
//       panel=   \Printer.Extension.Panel:Message       BIDI_TEXT
//       alert=   \Printer.Extension.Panel:Alert         BIDI_TEXT ("" when none)
//                and, when not empty, the event \Printer.Extension:AlertEvent
//       pages=   \Printer.Extension.Counters:PageCount  BIDI_INT
//   "Info"    GET /bidi/info
//       firmware=    \Printer.DeviceInfo:FirmwareVersion           BIDI_STRING
//       description= \Printer.Extension.Info:Description           BIDI_TEXT
//       duplex=      \Printer.Configuration.DuplexUnit:Installed   BIDI_BOOL
//   "\Printer.Extension.Settings:SleepMinutes" (declared without queryKey,
//   so USBMon asks for it under its full path)
//       GET /bidi/settings/SleepMinutes, body SleepMinutes=<n>     BIDI_INT
//
// HTTP STATUS HANDLING
//   2xx      success
//   503      the printer is busy: getSchemas hands the key back with
//            AddRequeryKey and returns 1; setSchema returns 1 (USBMon retries)
//   404      the model lacks this resource: its values are left out
//   other    an Error naming the status (USBMon fails the Bidi request)
//   A request the printer does not take (short Write) counts as busy. No reply
//   at all fails a Get (the printer is offline) but is retried for a Set (a
//   repeated Set of the same value does no harm).

var MAX_EMPTY_READS = 5;        // each empty Read waits about 50 ms
var MAX_HEAD_BYTES = 4096;
var MAX_BODY_BYTES = 16384;

var STATE_PATH = "\\Printer.Status.Summary:State";
var STATE_REASON_PATH = "\\Printer.Status.Summary:StateReason";
var PANEL_PATH = "\\Printer.Extension.Panel:Message";
var ALERT_PATH = "\\Printer.Extension.Panel:Alert";
var ALERT_EVENT_PATH = "\\Printer.Extension:AlertEvent";
var PAGECOUNT_PATH = "\\Printer.Extension.Counters:PageCount";
var FIRMWARE_PATH = "\\Printer.DeviceInfo:FirmwareVersion";
var DESCRIPTION_PATH = "\\Printer.Extension.Info:Description";
var DUPLEX_PATH = "\\Printer.Configuration.DuplexUnit:Installed";
var SLEEP_PATH = "\\Printer.Extension.Settings:SleepMinutes";

var BIDI_INT = 1;

// ---------------------------------------------------------------- bytes and text

function toBytes(binary) {
    var bytes = [];
    var i;
    for (i = 0; i < binary.length; i++) {
        bytes.push(binary.charCodeAt(i) & 0xFF);
    }
    return bytes;
}

function toBinary(bytes) {
    var text = "";
    var i;
    for (i = 0; i < bytes.length; i++) {
        text += String.fromCharCode(bytes[i]);
    }
    return text;
}

function utf8Encode(text) {
    return toBytes(unescape(encodeURIComponent(text)));
}

// UTF-8 bytes -> string; bytes that are not valid UTF-8 are kept one char per byte.
function utf8Decode(bytes) {
    var binary = toBinary(bytes);
    try {
        return decodeURIComponent(escape(binary));
    } catch (e) {
        return binary;
    }
}

function printable(text) {
    return text.length > 40 ? JSON.stringify(text.substring(0, 40)) + "..." : JSON.stringify(text);
}

// Index of the CR LF CR LF that ends the head, or -1.
function headEnd(bytes) {
    var i;
    for (i = 0; i + 3 < bytes.length; i++) {
        if (bytes[i] === 13 && bytes[i + 1] === 10 && bytes[i + 2] === 13 && bytes[i + 3] === 10) {
            return i;
        }
    }
    return -1;
}

// ---------------------------------------------------------------- HTTP

// Status line and headers -> { status, reason, headers, length (or null) }.
function parseHead(text) {
    var lines = text.split("\r\n");
    var status = /^HTTP\/(\d)\.(\d) (\d{3})(?: (.*))?$/.exec(lines[0]);
    var headers = {};
    var last = null;
    var match;
    var name;
    var length = null;
    var i;

    if (status === null) {
        throw new Error("http_bidi: not an HTTP response; the status line is " + printable(lines[0]));
    }
    for (i = 1; i < lines.length; i++) {
        if (/^[ \t]/.test(lines[i]) && last !== null) {
            headers[last] += " " + lines[i].replace(/^\s+|\s+$/g, "");   // obsolete line folding
            continue;
        }
        match = /^([!#$%&'*+.\^_`|~0-9A-Za-z\-]+):[ \t]*(.*?)[ \t]*$/.exec(lines[i]);
        if (match === null) {
            throw new Error("http_bidi: malformed HTTP header line " + printable(lines[i]));
        }
        name = match[1].toLowerCase();
        headers[name] = headers.hasOwnProperty(name) ? headers[name] + ", " + match[2] : match[2];
        last = name;
    }
    if (headers.hasOwnProperty("transfer-encoding") && !/^identity$/i.test(headers["transfer-encoding"])) {
        throw new Error("http_bidi: the printer used Transfer-Encoding '" + headers["transfer-encoding"] +
            "'; only Content-Length replies are supported");
    }
    if (headers.hasOwnProperty("content-length")) {
        if (!/^\d+$/.test(headers["content-length"])) {
            throw new Error("http_bidi: invalid Content-Length " + printable(headers["content-length"]));
        }
        length = parseInt(headers["content-length"], 10);
        if (length > MAX_BODY_BYTES) {
            throw new Error("http_bidi: Content-Length " + length + " is over the " + MAX_BODY_BYTES + " byte limit");
        }
    } else if (/^(1\d\d|204|304)$/.test(status[3])) {
        length = 0;     // these never have a body
    }
    return { status: parseInt(status[3], 10), reason: status[4] || "", headers: headers, length: length };
}

// Reads one response. Returns { status, reason, headers, body } or null when
// the printer sent nothing at all. Throws on a malformed or truncated reply.
function readResponse(printerStream) {
    var bytes = [];
    var head = null;
    var bodyStart = -1;
    var emptyReads = 0;
    var wanted;
    var chunk;
    var end;
    var i;

    for (;;) {
        if (head !== null && head.length !== null && bytes.length - bodyStart >= head.length) {
            break;                                      // the body is complete
        }
        wanted = head !== null && head.length !== null ? head.length - (bytes.length - bodyStart) : 512;
        chunk = printerStream.Read(wanted);
        if (chunk.length === 0) {
            emptyReads++;
            if (emptyReads < MAX_EMPTY_READS) {
                continue;
            }
            if (bytes.length === 0) {
                return null;
            }
            if (head !== null && head.length === null) {
                break;                                  // no Content-Length: quiet ends the body
            }
            throw new Error("http_bidi: the reply stopped after " + bytes.length + " bytes" +
                (head === null ? " without the end of its headers" :
                    ", " + (bytes.length - bodyStart) + " of " + head.length + " body bytes"));
        }
        emptyReads = 0;
        for (i = 0; i < chunk.length; i++) {
            bytes.push(chunk[i]);
        }
        if (head === null) {
            end = headEnd(bytes);
            if (end < 0) {
                if (bytes.length > MAX_HEAD_BYTES) {
                    throw new Error("http_bidi: no end of the HTTP headers within " + MAX_HEAD_BYTES + " bytes");
                }
                continue;
            }
            head = parseHead(toBinary(bytes.slice(0, end)));
            bodyStart = end + 4;
        } else if (bytes.length - bodyStart > MAX_BODY_BYTES) {
            throw new Error("http_bidi: the reply body is over the " + MAX_BODY_BYTES + " byte limit");
        }
    }
    end = head.length === null ? bytes.length : bodyStart + head.length;
    head.body = utf8Decode(bytes.slice(bodyStart, end));   // anything after the body is ignored
    return head;
}

// Sends one request; returns the response, "busy" when the printer did not
// take the whole request, or null when it did not answer.
function httpExchange(printerStream, method, target, body) {
    var payload = body === null ? [] : utf8Encode(body);
    var head = method + " " + target + " HTTP/1.1\r\nHost: printer\r\n";
    var request;

    if (body !== null) {
        head += "Content-Type: text/plain; charset=utf-8\r\nContent-Length: " + payload.length + "\r\n";
    }
    request = toBytes(head + "\r\n").concat(payload);
    if (printerStream.Write(request) !== request.length) {
        return "busy";
    }
    return readResponse(printerStream);
}

// Body key=value lines -> { lowercased key: value }.
function fields(body) {
    var lines = body.split(/\r?\n/);
    var found = {};
    var match;
    var i;
    for (i = 0; i < lines.length; i++) {
        match = /^\s*([^#=\s][^=]*?)\s*=\s*(.*?)\s*$/.exec(lines[i]);
        if (match !== null) {
            found[match[1].toLowerCase()] = match[2];
        }
    }
    return found;
}

function parseBool(text) {
    return /^(true|yes|on|1)$/i.test(text);
}

function isInteger(text) {
    return /^-?\d+$/.test(text);
}

// ---------------------------------------------------------------- values

function reportStatus(values, responses) {
    var alert = values.alert || "";
    if (values.state !== undefined) {
        responses.AddString(STATE_PATH, values.state);
    }
    if (values.reason !== undefined) {
        responses.AddString(STATE_REASON_PATH, values.reason === "" ? "None" : values.reason);
    }
    if (values.panel !== undefined) {
        responses.AddText(PANEL_PATH, values.panel);
    }
    if (values.pages !== undefined && isInteger(values.pages)) {
        responses.AddInt32(PAGECOUNT_PATH, parseInt(values.pages, 10));
    }
    responses.AddText(ALERT_PATH, alert);
    if (alert !== "") {
        responses.AddNull(ALERT_EVENT_PATH);    // raise the event declared in http_bidi.xml
    }
}

function reportInfo(values, responses) {
    if (values.firmware !== undefined) {
        responses.AddString(FIRMWARE_PATH, values.firmware);
    }
    if (values.description !== undefined) {
        responses.AddText(DESCRIPTION_PATH, values.description);
    }
    if (values.duplex !== undefined) {
        responses.AddBool(DUPLEX_PATH, parseBool(values.duplex));
    }
}

function reportSleep(values, responses) {
    if (values.sleepminutes !== undefined && isInteger(values.sleepminutes)) {
        responses.AddInt32(SLEEP_PATH, parseInt(values.sleepminutes, 10));
    }
}

var QUERIES = {
    "Status": { target: "/bidi/status", report: reportStatus },
    "Info": { target: "/bidi/info", report: reportInfo },
    "\\Printer.Extension.Settings:SleepMinutes": { target: "/bidi/settings/SleepMinutes", report: reportSleep }
};

// ---------------------------------------------------------------- entry points

function getSchemas(scriptContext, printerStream, schemaRequests, printerBidiSchemaResponses) {
    var done = {};
    var requery = false;
    var key;
    var response;
    var i;

    for (i = 0; i < schemaRequests.length; i++) {
        key = schemaRequests[i];
        if (done.hasOwnProperty(key) || !QUERIES.hasOwnProperty(key)) {
            continue;
        }
        done[key] = true;
        response = httpExchange(printerStream, "GET", QUERIES[key].target, null);
        if (response === null) {
            throw new Error("http_bidi: no HTTP response to GET " + QUERIES[key].target);
        }
        if (response === "busy" || response.status === 503) {
            printerBidiSchemaResponses.AddRequeryKey(key);
            requery = true;
        } else if (response.status >= 200 && response.status < 300) {
            QUERIES[key].report(fields(response.body), printerBidiSchemaResponses);
        } else if (response.status !== 404) {
            throw new Error("http_bidi: GET " + QUERIES[key].target + " answered " +
                response.status + " " + response.reason);
        }
    }
    return requery ? 1 : 0;
}

function setSchema(scriptContext, printerStream, printerBidiSchemaElement) {
    var name = printerBidiSchemaElement.Name;
    var value = printerBidiSchemaElement.Value;
    var response;

    if (name !== SLEEP_PATH) {
        throw new Error("http_bidi: " + name + " cannot be set by this driver");
    }
    if (printerBidiSchemaElement.BidiType !== BIDI_INT || typeof value !== "number" ||
            value !== Math.floor(value) || value < 0) {
        throw new Error("http_bidi: SleepMinutes takes a whole number of minutes, not " + value);
    }
    response = httpExchange(printerStream, "POST", "/bidi/settings", "SleepMinutes=" + value + "\r\n");
    if (response === null || response === "busy" || response.status === 503) {
        return 1;                       // busy (503 Service Unavailable) or silent: retry later
    }
    if (response.status >= 200 && response.status < 300) {
        return 0;
    }
    throw new Error("http_bidi: the printer refused SleepMinutes=" + value + ": " +
        response.status + " " + response.reason + (response.body ? " (" + response.body.replace(/\s+$/, "") + ")" : ""));
}
