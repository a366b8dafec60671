// busy_wait.js - loops that burn the call's time budget: waiting on the clock
// with no host call inside (BUSY-WAIT warnings) and a loop with no way out
// (ENDLESS-LOOP warning). Polling the device until a deadline is fine.

function sleep(ms) {
    var end = new Date().getTime() + ms;
    while (new Date().getTime() < end) {}                       // BUSY-WAIT
}

function pause(ms) {
    var start = Date.now();
    do {
        start = start + 0;
    } while (Date.now() - start < ms);                          // BUSY-WAIT (reported at `do`)
}

function readWithin(printerStream, ms) {
    var deadline = Date.now() + ms;
    var reply = [];
    while (Date.now() < deadline) {                             // fine: reads the device
        reply = printerStream.Read(64);
        if (reply.length > 0) {
            break;
        }
    }
    return reply;
}

function wait(printerStream, ms) {
    var start = new Date();
    for (;;) {                                                  // BUSY-WAIT
        if (new Date() - start > ms) {
            break;
        }
    }
    while (new Date() - start < ms) {                           // fine: calls a helper that reads
        readWithin(printerStream, 1);
    }
}

function getStatus(scriptContext, printerStream, printerBidiSchemaResponses) {
    var spins = 0;
    sleep(10);
    pause(10);
    wait(printerStream, 10);
    while (true) {                                              // ENDLESS-LOOP
        spins++;
    }
}
