// own_globals.js - a script that provides its own `console`, `alert` and
// `setTimeout`: they are the script's names, not missing host globals, so
// nothing is reported (the script is clean).

var console = { log: function (text) { return text; } };

alert = function (text) {
    return text;
};

function getStatus(scriptContext, printerStream, printerBidiSchemaResponses) {
    var setTimeout = 5;
    console.log("status");
    alert("ok");
    return setTimeout > 0 ? 0 : 2;
}
