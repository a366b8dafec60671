// binary_bidi.js - USBMon JavaScript Bidi extender for a printer that speaks a
//                  binary query protocol ("Q/R frames"), with a secondary
//                  status interface for requestStatus.
//
// WHAT IT DOES
//   getSchemas answers the Bidi values declared in binary_bidi.xml by sending
//   one query frame per requested query key and decoding the reply frame.
//   requestStatus (called instead of getStatus while a job prints, because the
//   manifest names BidiUSBStatusInterface) asks the status interface for the
//   printer state. The driver has no job functions: USBMon sends print data to
//   the printer unchanged.
//
// THE PROTOCOL
//   Request frame, host -> printer (print interface or status interface):
//       1B 51 <cmd> <len> <payload: len bytes> <sum>          ("ESC Q ...")
//   Reply frame, printer -> host:
//       1B 52 <cmd> <status> <len hi> <len lo> <payload> <sum> ("ESC R ...")
//   <sum> is the low byte of the sum of every byte before it in the frame.
//   All integers are big-endian. <cmd> in a reply echoes the request's.
//   Reply <status>:
//       00 OK
//       01 warming up: the data is not available yet, ask again later
//       02 command not supported by this model
//       03 status reporting is switched off (STATUS command only)
//
//   Commands and their reply payloads:
//     10 CONSUMABLES   request payload: 1 byte supply mask, bit 0 black,
//                      bit 1 cyan, bit 2 magenta, bit 3 yellow.
//                      reply: <count>, then <count> records <supply id> <level>;
//                      id 1 black, 2 cyan, 3 magenta, 4 yellow; level is a
//                      percentage 0..100, FF = unknown (reported as -1).
//     20 CONFIGURATION no payload. reply: <option flags> <memory KB: 4 bytes>;
//                      flag bit 0 = duplex unit installed.
//     30 ENGINE        no payload. reply: <fuser temperature: IEEE-754 float32,
//                      degrees Celsius> <counter block: the rest, opaque bytes
//                      passed on as a BLOB for the vendor's service tool>.
//     40 STATUS        request payload: 01 (summary). reply: <state>
//                      <reason bits: 2 bytes>; state 0 idle, 1 processing,
//                      2 stopped; reason bit 0 media empty, 1 media jam,
//                      2 door open, 3 toner low, 4 toner empty,
//                      5 output bin full, 6 paused.
//
// QUERY KEYS (schemaRequests) -> COMMAND -> BIDI VALUES
//   "Consumables"   -> 10 -> \Printer.Consumables.<Black|Cyan|Magenta|Yellow>Toner:Level (BIDI_INT)
//   "Configuration" -> 20 -> \Printer.Configuration.DuplexUnit:Installed (BIDI_BOOL)
//                            \Printer.Configuration.Memory:Size (BIDI_INT, KB)
//   "Engine"        -> 30 -> \Printer.Extension.Engine:FuserTemperature (BIDI_FLOAT)
//                            \Printer.Extension.Engine:CounterBlock (BIDI_BLOB)
//   "Status"        -> 40 -> \Printer.Status.Summary:State, :StateReason (BIDI_STRING)
//
// ERRORS
//   - "warming up" (01): the key is handed back with AddRequeryKey and
//     getSchemas returns 1, so USBMon asks for that key again a little later.
//   - a query the printer does not take (short Write): same as warming up.
//   - no reply at all, or a reply that is not a valid frame (wrong header,
//     wrong command echo, bad checksum, truncated): getSchemas throws an Error
//     naming the problem. USBMon then fails the Bidi request (the device is
//     treated as offline) - guessing values from a corrupt frame would be worse.
//   - "not supported" (02) or "reporting off" (03): the values are left out.
//
// READING
//   printerStream.Read(n) returns at most n bytes, or an empty array after a
//   short timeout. The script reads exactly the bytes still missing from the
//   frame, so it never swallows the start of anything that follows, and gives
//   up after MAX_EMPTY_READS empty reads in a row.

var ESC = 0x1B;
var REQUEST_MARK = 0x51;        // 'Q'
var REPLY_MARK = 0x52;          // 'R'
var REPLY_HEADER_LENGTH = 6;    // 1B 52 cmd status lenHi lenLo
var MAX_REPLY_PAYLOAD = 4096;
var MAX_EMPTY_READS = 5;        // each empty Read waits about 50 ms

var CMD_CONSUMABLES = 0x10;
var CMD_CONFIGURATION = 0x20;
var CMD_ENGINE = 0x30;
var CMD_STATUS = 0x40;

var REPLY_OK = 0x00;
var REPLY_WARMING_UP = 0x01;
var REPLY_NOT_SUPPORTED = 0x02;
var REPLY_STATUS_OFF = 0x03;

var ALL_SUPPLIES = 0x0F;
var SUPPLY_NAMES = { 1: "BlackToner", 2: "CyanToner", 3: "MagentaToner", 4: "YellowToner" };
var UNKNOWN_LEVEL = 0xFF;

var DUPLEX_PATH = "\\Printer.Configuration.DuplexUnit:Installed";
var MEMORY_PATH = "\\Printer.Configuration.Memory:Size";
var FUSER_PATH = "\\Printer.Extension.Engine:FuserTemperature";
var COUNTERS_PATH = "\\Printer.Extension.Engine:CounterBlock";
var STATE_PATH = "\\Printer.Status.Summary:State";
var STATE_REASON_PATH = "\\Printer.Status.Summary:StateReason";

var STATE_NAMES = ["Idle", "Processing", "Stopped"];
// Reason bit -> \Printer.Status.Summary:StateReason keyword, lowest bit first.
var REASON_NAMES = [
    "MediaEmpty", "MediaJam", "DoorOpen", "MarkerSupplyLow",
    "MarkerSupplyEmpty", "OutputAreaFull", "Paused"
];

var ERROR_PREFIX = "binary_bidi: ";

// ---------------------------------------------------------------- helpers

function hex(bytes, count) {
    var text = [];
    var i;
    var limit = Math.min(bytes.length, count);
    for (i = 0; i < limit; i++) {
        text.push((bytes[i] < 0x10 ? "0" : "") + bytes[i].toString(16).toUpperCase());
    }
    return text.join(" ") + (bytes.length > limit ? " ..." : "");
}

function commandName(command) {
    switch (command) {
    case CMD_CONSUMABLES: return "CONSUMABLES (0x10)";
    case CMD_CONFIGURATION: return "CONFIGURATION (0x20)";
    case CMD_ENGINE: return "ENGINE (0x30)";
    case CMD_STATUS: return "STATUS (0x40)";
    default: return "command 0x" + command.toString(16);
    }
}

function checksum(bytes, count) {
    var sum = 0;
    var i;
    for (i = 0; i < count; i++) {
        sum = (sum + bytes[i]) & 0xFF;
    }
    return sum;
}

function buildRequest(command, payload) {
    var frame = [ESC, REQUEST_MARK, command, payload.length];
    var i;
    for (i = 0; i < payload.length; i++) {
        frame.push(payload[i]);
    }
    frame.push(checksum(frame, frame.length));
    return frame;
}

function uint16(bytes, offset) {
    return (bytes[offset] << 8) | bytes[offset + 1];
}

function uint32(bytes, offset) {
    // Multiplication instead of << 24 keeps values >= 2^31 positive.
    return bytes[offset] * 16777216 + (bytes[offset + 1] << 16) + (bytes[offset + 2] << 8) + bytes[offset + 3];
}

// IEEE-754 single precision, big-endian, decoded by hand (ES5 has no DataView
// guarantee on every Windows script engine).
function float32(bytes, offset) {
    var b0 = bytes[offset];
    var b1 = bytes[offset + 1];
    var sign = (b0 & 0x80) ? -1 : 1;
    var exponent = ((b0 & 0x7F) << 1) | (b1 >> 7);
    var mantissa = (b1 & 0x7F) * 65536 + (bytes[offset + 2] << 8) + bytes[offset + 3];
    if (exponent === 0xFF) {
        return mantissa ? NaN : sign * Infinity;
    }
    if (exponent === 0) {
        return sign * mantissa * Math.pow(2, -149);   // subnormal
    }
    return sign * (1 + mantissa / 8388608) * Math.pow(2, exponent - 127);
}

// Reads one reply frame for `command`. Returns {status, payload}, or null when
// the printer sent nothing at all. Throws when what arrived is not a valid frame.
function readReply(printerStream, command) {
    var frame = [];
    var needed = REPLY_HEADER_LENGTH + 1;   // header + checksum until the length is known
    var lengthKnown = false;
    var emptyReads = 0;
    var chunk;
    var length;
    var i;

    while (frame.length < needed) {
        chunk = printerStream.Read(needed - frame.length);
        if (chunk.length === 0) {
            emptyReads++;
            if (emptyReads >= MAX_EMPTY_READS) {
                if (frame.length === 0) {
                    return null;
                }
                throw new Error(ERROR_PREFIX + "reply to " + commandName(command) +
                    " is truncated: got " + frame.length + " of " + needed + " bytes (" + hex(frame, 16) + ")");
            }
            continue;
        }
        emptyReads = 0;
        for (i = 0; i < chunk.length; i++) {
            frame.push(chunk[i]);
        }
        if (frame[0] !== ESC || (frame.length > 1 && frame[1] !== REPLY_MARK)) {
            throw new Error(ERROR_PREFIX + "reply to " + commandName(command) +
                " is not a reply frame: it starts with " + hex(frame, 8) + " instead of 1B 52");
        }
        if (!lengthKnown && frame.length >= REPLY_HEADER_LENGTH) {
            length = uint16(frame, 4);
            if (length > MAX_REPLY_PAYLOAD) {
                throw new Error(ERROR_PREFIX + "reply to " + commandName(command) +
                    " announces " + length + " payload bytes (at most " + MAX_REPLY_PAYLOAD + " expected)");
            }
            needed = REPLY_HEADER_LENGTH + length + 1;
            lengthKnown = true;
        }
    }

    if (frame[2] !== command) {
        throw new Error(ERROR_PREFIX + "reply to " + commandName(command) +
            " answers " + commandName(frame[2]) + " instead");
    }
    if (checksum(frame, needed - 1) !== frame[needed - 1]) {
        throw new Error(ERROR_PREFIX + "reply to " + commandName(command) +
            " has checksum 0x" + frame[needed - 1].toString(16) + ", expected 0x" +
            checksum(frame, needed - 1).toString(16) + " (" + hex(frame, 16) + ")");
    }
    return { status: frame[3], payload: frame.slice(REPLY_HEADER_LENGTH, needed - 1) };
}

// Sends one request and returns the reply, or null when the printer did not
// take the whole request (it is busy). Throws when the printer does not answer.
function exchange(printerStream, command, payload) {
    var request = buildRequest(command, payload);
    var reply;
    if (printerStream.Write(request) !== request.length) {
        return null;
    }
    reply = readReply(printerStream, command);
    if (reply === null) {
        throw new Error(ERROR_PREFIX + "the printer did not answer " + commandName(command));
    }
    return reply;
}

function expectPayload(reply, command, minimum) {
    if (reply.payload.length < minimum) {
        throw new Error(ERROR_PREFIX + commandName(command) + " reply has " + reply.payload.length +
            " payload bytes, at least " + minimum + " expected");
    }
}

// ---------------------------------------------------------------- decoding

function addConsumables(reply, responses) {
    var payload = reply.payload;
    var count;
    var i;
    var name;
    var level;

    expectPayload(reply, CMD_CONSUMABLES, 1);
    count = payload[0];
    expectPayload(reply, CMD_CONSUMABLES, 1 + 2 * count);
    for (i = 0; i < count; i++) {
        name = SUPPLY_NAMES[payload[1 + 2 * i]];
        level = payload[2 + 2 * i];
        if (name === undefined) {
            continue;   // a supply this driver does not declare (e.g. a waste toner box)
        }
        responses.AddInt32("\\Printer.Consumables." + name + ":Level", level === UNKNOWN_LEVEL ? -1 : Math.min(level, 100));
    }
}

function addConfiguration(reply, responses) {
    expectPayload(reply, CMD_CONFIGURATION, 5);
    responses.AddBool(DUPLEX_PATH, (reply.payload[0] & 0x01) !== 0);
    responses.AddInt32(MEMORY_PATH, uint32(reply.payload, 1));
}

function addEngine(reply, responses) {
    var temperature;
    expectPayload(reply, CMD_ENGINE, 4);
    temperature = float32(reply.payload, 0);
    if (isFinite(temperature)) {
        responses.AddFloat(FUSER_PATH, temperature);
    }
    responses.AddBlob(COUNTERS_PATH, reply.payload.slice(4));
}

function addStatus(reply, responses) {
    var reasons = [];
    var bits;
    var i;

    expectPayload(reply, CMD_STATUS, 3);
    bits = uint16(reply.payload, 1);
    for (i = 0; i < REASON_NAMES.length; i++) {
        if (bits & (1 << i)) {
            reasons.push(REASON_NAMES[i]);
        }
    }
    if (STATE_NAMES[reply.payload[0]] !== undefined) {
        responses.AddString(STATE_PATH, STATE_NAMES[reply.payload[0]]);
    }
    responses.AddString(STATE_REASON_PATH, reasons.length ? reasons.join(" ") : "None");
}

// query key -> how to ask and how to decode the answer
var QUERIES = {
    Consumables: { command: CMD_CONSUMABLES, payload: [ALL_SUPPLIES], decode: addConsumables },
    Configuration: { command: CMD_CONFIGURATION, payload: [], decode: addConfiguration },
    Engine: { command: CMD_ENGINE, payload: [], decode: addEngine },
    Status: { command: CMD_STATUS, payload: [0x01], decode: addStatus }
};

// ---------------------------------------------------------------- entry points

function getSchemas(scriptContext, printerStream, schemaRequests, printerBidiSchemaResponses) {
    var done = {};
    var requery = false;
    var key;
    var query;
    var reply;
    var i;

    for (i = 0; i < schemaRequests.length; i++) {
        key = schemaRequests[i];
        if (done.hasOwnProperty(key) || !QUERIES.hasOwnProperty(key)) {
            continue;   // asked twice, or not a key this driver declares
        }
        done[key] = true;
        query = QUERIES[key];
        reply = exchange(printerStream, query.command, query.payload);
        if (reply === null || reply.status === REPLY_WARMING_UP) {
            printerBidiSchemaResponses.AddRequeryKey(key);
            requery = true;
        } else if (reply.status === REPLY_OK) {
            query.decode(reply, printerBidiSchemaResponses);
        }
        // REPLY_NOT_SUPPORTED / REPLY_STATUS_OFF: nothing to report for this key.
    }
    return requery ? 1 : 0;
}

// Called repeatedly while a job prints, with printerStream on the secondary
// status interface (read and write). Returns 2 to stop the polling once the
// printer says status reporting is off.
function requestStatus(scriptContext, printerStream, printerBidiSchemaResponses) {
    var request = buildRequest(CMD_STATUS, [0x01]);
    var reply;

    if (printerStream.Write(request) !== request.length) {
        return 0;   // the interface is busy: try again at the next poll
    }
    reply = readReply(printerStream, CMD_STATUS);
    if (reply === null) {
        return 0;   // no answer this time: try again at the next poll
    }
    if (reply.status === REPLY_STATUS_OFF || reply.status === REPLY_NOT_SUPPORTED) {
        return 2;
    }
    if (reply.status === REPLY_OK) {
        addStatus(reply, printerBidiSchemaResponses);
    }
    return 0;
}
