// syntax_error.js - does not parse even as ES2017: a SYNTAX finding at the
// offending token (line 7, column 21: the `)` where an expression belongs).
// A SYNTAX error is an error finding (exit 3), not bad input (exit 2): the
// file exists and was read.

function getStatus(scriptContext, printerStream, printerBidiSchemaResponses) {
    var reply = 1 + );
    return 0;
}
