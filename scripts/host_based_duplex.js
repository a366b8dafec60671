// host_based_duplex.js - USBMon JavaScript extender for a host-based printer
//                        with manual duplex
//
// WHAT IT DOES
//   Paginates the job, counts the pages as they reach the printer and, when
//   the printer has no duplex unit, prints the job double-sided by hand: the
//   front sides (pages 1, 3, 5, ...) are printed while the job spools, the
//   back sides (pages 2, 4, 6, ...) are kept in TemporaryStreams[1]; at the end
//   of the job the user is asked (Bidi event) to put the printed sheets back
//   in the tray, and once the printer says it is ready the back sides follow,
//   one page per endPrintJob call.
//
// JOB FORMAT EXPECTED
//   A page stream in which every page ends with a form feed (0x0C) and 0x0C
//   appears nowhere else, e.g. PJL-wrapped PCL text:
//     <PJL/PCL job header> text FF text FF ... text FF <PJL end-of-job trailer>
//   "Page k" below means the bytes after the (k-1)th form feed up to and
//   including the k-th form feed, so page 1 carries the job header. The bytes
//   after the last form feed are the "trailer"; the trailer is not a page.
//   A page may straddle WritePort buffers. A buffer without a page end is
//   taken whole into the current page (held in a temporary stream), so data
//   is never lost whatever the buffer size.
//
// DEVICE BEHAVIOUR RELIED ON
//   - Duplex unit query: the host sends 0D 0D 02 CA FE; the printer answers
//     one byte, 01 = duplex unit installed, anything else (e.g. 00) = none.
//     No answer counts as "none".
//   - Flip query: the host sends 58 85; the printer answers 1C 02 when the
//     sheets are back in the tray and it is ready for the back sides, and
//     anything else (or nothing) while it is still waiting.
//   - The printer may accept fewer bytes than offered (Write returns less, or
//     0 when it stayed busy); the rest is kept and sent first next time.
//
// ENTRY POINTS
//   startPrintJob   asks for the duplex unit, sets up the job properties
//   writePrintData  (sample parameter order) takes at most one page per call:
//                   front sides go to the printer, back sides are parked;
//                   sets PrintedPageCount to the pages fully sent
//   endPrintJob     sends what is still held, raises ManualDuplexEvent
//                   (AddNull) and returns Retry, polls with 58 85 (Retry while
//                   not ready), then sends one parked page per call (Retry)
//                   and returns Success when both temporary streams are empty
//
// JOB PROPERTIES (JobPropertyBag)
//   ManualDuplex (Bool)    true when the printer has no duplex unit
//   PageNumber (Int32)     number of the page now arriving (from 1)
//   PartialBytes (Int32)   start of the current front-side page, held in
//                          TemporaryStreams[0] until its page end arrives
//   UnsentBytes (Int32)    bytes in TemporaryStreams[0] that the printer has
//                          not taken yet (never at the same time as PartialBytes)
//   ParkedBytes (Int32)    bytes waiting in TemporaryStreams[1]
//   ParkedPages (Int32)    whole back-side pages in TemporaryStreams[1]
//   PagesPrinted (Int32)   pages fully sent; mirrored to PrintedPageCount
//   EndStage (Int32)       endPrintJob progress: 0 flush, 1 wait for flip,
//                          2 send back sides
//
// TEMPORARY STREAMS (FIFO)
//   [0]  data already taken from printData (or from stream [1]) that must
//        reach the printer next: a partial front-side page, or bytes a short
//        Write left behind
//   [1]  the back-side pages, in order, followed by the trailer
//
// BYTES THAT REACH THE DEVICE, IN ORDER
//   Manual duplex (no duplex unit; the built-in "sim" printer answers 00):
//     1. 0D 0D 02 CA FE                        startPrintJob
//     2. page 1, page 3, page 5, ...           writePrintData, front sides
//     3. 58 85, once per poll until the        endPrintJob ("sim" answers 1C 02
//        printer answers 1C 02                 at once: exactly one 58 85)
//     4. page 2, page 4, page 6, ...           endPrintJob, back sides
//     5. the trailer                           endPrintJob, last
//   The 6-page default job on "sim" therefore gives
//     0D 0D 02 CA FE, p1 p3 p5, 58 85, p2 p4 p6, trailer
//   and PrintedPageCount 6, one ManualDuplexEvent.
//   A job with fewer than two pages has no back side: no event, no 58 85; the
//   device gets 0D 0D 02 CA FE followed by the job bytes exactly.
//   Automatic duplex (the printer answers 01): 0D 0D 02 CA FE followed by the
//   job bytes exactly; no event.
//   An empty job: 0D 0D 02 CA FE only.

var PAGE_END = 0x0C;
var DUPLEX_UNIT_QUERY = [0x0D, 0x0D, 0x02, 0xCA, 0xFE];
var DUPLEX_UNIT_INSTALLED = 0x01;
var FLIP_QUERY = [0x58, 0x85];
var FLIP_READY = [0x1C, 0x02];
var MAX_EMPTY_READS = 5;       // each empty Read waits about 50 ms
var STREAM_CHUNK = 32768;      // bytes per temporary-stream Read
var EVENT_PATH = "\\Printer.Extension:ManualDuplexEvent";

var PROP_MANUAL_DUPLEX = "ManualDuplex";
var PROP_PAGE_NUMBER = "PageNumber";
var PROP_PARTIAL = "PartialBytes";
var PROP_UNSENT = "UnsentBytes";
var PROP_PARKED_BYTES = "ParkedBytes";
var PROP_PARKED_PAGES = "ParkedPages";
var PROP_PAGES_PRINTED = "PagesPrinted";
var PROP_END_STAGE = "EndStage";

var STAGE_FLUSH = 0;
var STAGE_WAIT_FOR_FLIP = 1;
var STAGE_BACK_SIDES = 2;

// ---------------------------------------------------------------- helpers

function findPageEnd(bytes) {
    var i;
    for (i = 0; i < bytes.length; i++) {
        if (bytes[i] === PAGE_END) {
            return i;
        }
    }
    return -1;
}

function countPageEnds(bytes, count) {
    var pages = 0;
    var i;
    for (i = 0; i < count; i++) {
        if (bytes[i] === PAGE_END) {
            pages++;
        }
    }
    return pages;
}

// Reads `count` bytes back from a temporary stream (oldest first).
function takeBytes(stream, count) {
    var data = [];
    var chunk;
    while (data.length < count) {
        chunk = stream.Read(Math.min(STREAM_CHUNK, count - data.length));
        if (chunk.length === 0) {
            throw new Error("temporary stream returned " + data.length + " of " + count + " bytes");
        }
        data = data.concat(chunk);
    }
    return data;
}

// Appends bytes to a temporary stream.
function putBytes(stream, bytes) {
    if (bytes.length > 0 && stream.Write(bytes) !== bytes.length) {
        throw new Error("temporary stream did not take " + bytes.length + " bytes");
    }
}

// Reads a short reply from the printer: stops once `wanted` bytes arrived or
// the printer stayed quiet for MAX_EMPTY_READS reads.
function readReply(printerStream, wanted) {
    var reply = [];
    var emptyReads = 0;
    var chunk;
    while (reply.length < wanted && emptyReads < MAX_EMPTY_READS) {
        chunk = printerStream.Read(64);
        if (chunk.length === 0) {
            emptyReads++;
        } else {
            reply = reply.concat(chunk);
        }
    }
    return reply;
}

function hasDuplexUnit(printerStream) {
    var reply;
    if (printerStream.Write(DUPLEX_UNIT_QUERY) !== DUPLEX_UNIT_QUERY.length) {
        return false;
    }
    reply = readReply(printerStream, 1);
    return reply.length > 0 && reply[0] === DUPLEX_UNIT_INSTALLED;
}

function printerReadyForBackSides(printerStream) {
    var reply;
    if (printerStream.Write(FLIP_QUERY) !== FLIP_QUERY.length) {
        return false;
    }
    reply = readReply(printerStream, FLIP_READY.length);
    return reply.length >= 2 && reply[0] === FLIP_READY[0] && reply[1] === FLIP_READY[1];
}

// Sends bytes to the printer; every page end that went out is a page printed.
function sendToPrinter(jobContext, printerStream, bytes) {
    var bag = jobContext.JobPropertyBag;
    var written = bytes.length === 0 ? 0 : printerStream.Write(bytes);
    var finished = countPageEnds(bytes, written);
    var printed;

    if (finished > 0) {
        printed = bag.GetInt32(PROP_PAGES_PRINTED) + finished;
        bag.SetInt32(PROP_PAGES_PRINTED, printed);
        jobContext.PrintedPageCount = printed;
    }
    return written;
}

// Sends what TemporaryStreams[0] holds for the printer. Returns the number of
// bytes still unsent.
function flushUnsent(jobContext, printerStream) {
    var bag = jobContext.JobPropertyBag;
    var stream = jobContext.TemporaryStreams[0];
    var held = takeBytes(stream, bag.GetInt32(PROP_UNSENT));
    var written = sendToPrinter(jobContext, printerStream, held);

    putBytes(stream, held.slice(written));
    bag.SetInt32(PROP_UNSENT, held.length - written);
    return held.length - written;
}

// Back sides of a manual-duplex job are the even pages.
function isBackSide(bag, pageNumber) {
    return bag.GetBool(PROP_MANUAL_DUPLEX) && pageNumber % 2 === 0;
}

function park(jobContext, bytes) {
    var bag = jobContext.JobPropertyBag;
    putBytes(jobContext.TemporaryStreams[1], bytes);
    bag.SetInt32(PROP_PARKED_BYTES, bag.GetInt32(PROP_PARKED_BYTES) + bytes.length);
}

// Keeps the start of the current page until its page end arrives.
function holdPartialPage(jobContext, bytes, pageNumber) {
    var bag = jobContext.JobPropertyBag;
    if (isBackSide(bag, pageNumber)) {
        park(jobContext, bytes);
    } else {
        putBytes(jobContext.TemporaryStreams[0], bytes);
        bag.SetInt32(PROP_PARTIAL, bag.GetInt32(PROP_PARTIAL) + bytes.length);
    }
}

// Sends the next parked page (or the trailer) to the printer.
function sendNextBackSide(jobContext, printerStream) {
    var bag = jobContext.JobPropertyBag;
    var streams = jobContext.TemporaryStreams;
    var data = takeBytes(streams[0], bag.GetInt32(PROP_UNSENT));
    var parked = bag.GetInt32(PROP_PARKED_BYTES);
    var haveWholePage = findPageEnd(data) >= 0;
    var chunk, pageEnd, page, written, rest;

    // Gather one whole page, or whatever is left at the end of the job.
    while (!haveWholePage && parked > 0) {
        chunk = streams[1].Read(Math.min(STREAM_CHUNK, parked));
        if (chunk.length === 0) {
            throw new Error("TemporaryStreams[1] lost " + parked + " parked bytes");
        }
        parked -= chunk.length;
        haveWholePage = findPageEnd(chunk) >= 0;
        data = data.concat(chunk);
    }
    bag.SetInt32(PROP_PARKED_BYTES, parked);

    pageEnd = findPageEnd(data);
    page = pageEnd < 0 ? data : data.slice(0, pageEnd + 1);
    written = sendToPrinter(jobContext, printerStream, page);

    rest = data.slice(written);
    putBytes(streams[0], rest);
    bag.SetInt32(PROP_UNSENT, rest.length);

    if (rest.length === 0 && parked === 0) {
        return jobContext.ReturnCodes.Success;
    }
    return jobContext.ReturnCodes.Retry;
}

// ------------------------------------------------------------ entry points

function startPrintJob(jobContext, printerStream, printerBidiSchemaResponses) {
    var bag = jobContext.JobPropertyBag;

    bag.SetBool(PROP_MANUAL_DUPLEX, !hasDuplexUnit(printerStream));
    bag.SetInt32(PROP_PAGE_NUMBER, 1);
    bag.SetInt32(PROP_PARTIAL, 0);
    bag.SetInt32(PROP_UNSENT, 0);
    bag.SetInt32(PROP_PARKED_BYTES, 0);
    bag.SetInt32(PROP_PARKED_PAGES, 0);
    bag.SetInt32(PROP_PAGES_PRINTED, 0);
    bag.SetInt32(PROP_END_STAGE, STAGE_FLUSH);
    return jobContext.ReturnCodes.Success;
}

function writePrintData(jobContext, printData, printerStream, writePrintDataProgress, printerBidiSchemaResponses) {
    var bag = jobContext.JobPropertyBag;
    var codes = jobContext.ReturnCodes;
    var unsentBefore = bag.GetInt32(PROP_UNSENT);
    var unsent, pageNumber, pageEnd, piece, page, written;

    writePrintDataProgress.ProcessedByteCount = 0;

    // 1. The printer has not taken all of the previous page yet: finish it
    //    before taking anything new.
    if (unsentBefore > 0) {
        unsent = flushUnsent(jobContext, printerStream);
        if (unsent === unsentBefore) {
            return codes.DeviceBusy;
        }
        if (unsent > 0) {
            return codes.Retry;
        }
    }
    if (printData.length === 0) {
        return codes.Success;
    }

    pageNumber = bag.GetInt32(PROP_PAGE_NUMBER);
    pageEnd = findPageEnd(printData);

    // 2. No page end in this buffer: all of it belongs to the current page.
    if (pageEnd < 0) {
        holdPartialPage(jobContext, printData, pageNumber);
        writePrintDataProgress.ProcessedByteCount = printData.length;
        return codes.Success;
    }

    // 3. The current page ends in this buffer. Take it, and only it: USBMon
    //    presents the rest of the buffer again on the next call.
    piece = printData.slice(0, pageEnd + 1);
    writePrintDataProgress.ProcessedByteCount = piece.length;
    bag.SetInt32(PROP_PAGE_NUMBER, pageNumber + 1);

    if (isBackSide(bag, pageNumber)) {
        park(jobContext, piece);
        bag.SetInt32(PROP_PARKED_PAGES, bag.GetInt32(PROP_PARKED_PAGES) + 1);
        return codes.Success;
    }

    page = takeBytes(jobContext.TemporaryStreams[0], bag.GetInt32(PROP_PARTIAL)).concat(piece);
    bag.SetInt32(PROP_PARTIAL, 0);
    written = sendToPrinter(jobContext, printerStream, page);
    if (written < page.length) {
        // The page is consumed from printData either way; what the printer
        // did not take waits in TemporaryStreams[0] and goes first next call.
        putBytes(jobContext.TemporaryStreams[0], page.slice(written));
        bag.SetInt32(PROP_UNSENT, page.length - written);
        if (written === 0) {
            return codes.DeviceBusy;
        }
    }
    return codes.Success;
}

function endPrintJob(jobContext, printerStream, printerBidiSchemaResponses) {
    var bag = jobContext.JobPropertyBag;
    var codes = jobContext.ReturnCodes;
    var stage = bag.GetInt32(PROP_END_STAGE);
    var partial;

    if (stage === STAGE_FLUSH) {
        // 1. Whatever writePrintData could not hand to the printer yet.
        if (flushUnsent(jobContext, printerStream) > 0) {
            return codes.Retry;
        }

        // 2. The bytes after the last page end (the trailer), if they were
        //    held as the start of a front-side page: they must come last, so
        //    they follow the parked back sides, or go now if there are none.
        partial = bag.GetInt32(PROP_PARTIAL);
        if (partial > 0) {
            bag.SetInt32(PROP_PARTIAL, 0);
            if (bag.GetInt32(PROP_PARKED_PAGES) > 0) {
                park(jobContext, takeBytes(jobContext.TemporaryStreams[0], partial));
            } else {
                bag.SetInt32(PROP_UNSENT, partial);
                if (flushUnsent(jobContext, printerStream) > 0) {
                    return codes.Retry;
                }
            }
        }

        if (bag.GetInt32(PROP_PARKED_BYTES) === 0) {
            return codes.Success;
        }

        // 3. Back sides are waiting: ask the user to turn the sheets over.
        if (bag.GetInt32(PROP_PARKED_PAGES) > 0) {
            printerBidiSchemaResponses.AddNull(EVENT_PATH);
            bag.SetInt32(PROP_END_STAGE, STAGE_WAIT_FOR_FLIP);
            return codes.Retry;
        }
        stage = STAGE_BACK_SIDES;       // only a trailer is parked
        bag.SetInt32(PROP_END_STAGE, stage);
    }

    if (stage === STAGE_WAIT_FOR_FLIP) {
        if (!printerReadyForBackSides(printerStream)) {
            return codes.Retry;
        }
        bag.SetInt32(PROP_END_STAGE, STAGE_BACK_SIDES);
    }

    // 4. One back side per call; Success once both streams are empty.
    return sendNextBackSide(jobContext, printerStream);
}
