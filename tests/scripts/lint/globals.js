// globals.js - globals that do not exist in the spooler's script host
// (GLOBAL-UNAVAILABLE errors), used as free identifiers. A `typeof` probe,
// and a use guarded by one, are not reported.

function getStatus(scriptContext, printerStream, printerBidiSchemaResponses) {
    console.log("polling");                                     // GLOBAL-UNAVAILABLE
    var shell = new ActiveXObject("WScript.Shell");             // GLOBAL-UNAVAILABLE
    WScript.Echo("hello");                                      // GLOBAL-UNAVAILABLE
    setTimeout(function () {}, 10);                             // GLOBAL-UNAVAILABLE
    var fs = require("fs");                                     // GLOBAL-UNAVAILABLE
    var xhr = new XMLHttpRequest();                             // GLOBAL-UNAVAILABLE
    var w = window.location;                                    // GLOBAL-UNAVAILABLE
    document.write("x");                                        // GLOBAL-UNAVAILABLE
    alert("paper out");                                         // GLOBAL-UNAVAILABLE
    var e = new Enumerator([]);                                 // GLOBAL-UNAVAILABLE
    var o = GetObject("winmgmts:");                             // GLOBAL-UNAVAILABLE
    if (typeof console !== "undefined") {
        console.log("guarded: fine");
    }
    return 0;
}
