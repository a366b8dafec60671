// no_entry.js - helpers only: no global function USBMon would call
// (ENTRY-NONE at 1:1). `getSchema` is a near miss of getSchemas (ENTRY-NAME).

function getSchema(scriptContext, printerStream) {
    return 0;
}

function checksum(bytes) {
    var sum = 0;
    var i;
    for (i = 0; i < bytes.length; i++) {
        sum = (sum + bytes[i]) & 0xFF;
    }
    return sum;
}
