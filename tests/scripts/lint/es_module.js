// es_module.js - ES module syntax: USBMon evaluates a classic script, so
// `import` and `export` are errors (ES5-MODULE). esprima's parseScript
// rejects them; the linter re-parses as a module to report each one and to
// go on checking the rest.

import { helper } from "./helper.js";

export function getStatus(scriptContext, printerStream, printerBidiSchemaResponses) {
    helper(printerStream);
    return 0;
}

export default 3;
