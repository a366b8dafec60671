// es5_builtins.js - ES2015+ library calls that Windows' ES5 engine lacks
// (ES5-BUILTIN warnings). usbmon-js's engine has them, so the script works
// here and throws on Windows. A script's own `Map` is not reported.

function getSchemas(scriptContext, printerStream, schemaRequests, printerBidiSchemaResponses) {
    var reply = printerStream.Read(8);
    var model = scriptContext.QueueProperties.GetString("Model");
    var keys = Array.from(schemaRequests);                       // ES5-BUILTIN
    var ok = reply.includes(0x06);                               // ES5-BUILTIN
    var laser = model.startsWith("LJ");                          // ES5-BUILTIN
    var done = new Promise(function () {});                      // ES5-BUILTIN
    var n = Number.isInteger(reply[0]);                          // ES5-BUILTIN
    return keys.length > 0 && ok && laser && done && n ? 0 : 1;
}

function Map() {
    this.entries = {};
}

function requestStatus(scriptContext, printerStream, printerBidiSchemaResponses) {
    var seen = new Map();
    return seen.entries ? 0 : 2;
}
