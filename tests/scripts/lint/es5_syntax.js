// es5_syntax.js - ES2015+ syntax that Windows' ES5-level engine rejects.
// Every construct below is an error finding (rule id in the comment); the
// script otherwise works, so nothing else is reported.

let count = 0;                                  // ES5-LET
const LIMIT = 0x10;                             // ES5-CONST
var double = function (x) { return x * 2; };
var twice = (x) => x * 2;                       // ES5-ARROW
class Framer {}                                 // ES5-CLASS
var label = `page ${count}`;                    // ES5-TEMPLATE
var tagged = String.raw`a\nb`;                  // ES5-TAGGED-TEMPLATE
var { a, b } = { a: 1, b: 2 };                  // ES5-DESTRUCTURING
var joined = [].concat(...[[1], [2]]);          // ES5-SPREAD
function collect(first, ...others) {            // ES5-REST
    return others.length + first;
}
function pad(text, width = 8) {                 // ES5-DEFAULT-PARAM
    return text + width;
}
for (var item of [1, 2]) { count += item; }     // ES5-FOR-OF
function* pages() { yield 1; }                  // ES5-GENERATOR
async function later() { await 0; }             // ES5-ASYNC
var key = "k";
var table = { [key]: 1 };                       // ES5-COMPUTED-KEY
var short = { key, size() { return 1; } };      // ES5-SHORTHAND (twice)
var squared = count ** 2;                       // ES5-EXPONENT
function Made() { return new.target; }          // ES5-NEW-TARGET
var sticky = /ab/y;                             // ES5-REGEX-FLAG
var mask = 0b1010 + 0o17;                       // ES5-NUMERIC-LITERAL (twice)
var total = double(1, 2,);                      // ES5-TRAILING-COMMA
var smile = "\u{1F600}";                        // ES5-UNICODE-ESCAPE
var fine = "\\u{41}";                           // an escaped backslash: fine

function getStatus(scriptContext, printerStream, printerBidiSchemaResponses) {
    return 0;
}
