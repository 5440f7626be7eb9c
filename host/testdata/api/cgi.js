// CGI mode: no handle; the whole script runs per request. Top-level let
// must work again on the second request.
let n = 0;
const q = params.QUERY_STRING;
n++;
stdout.write("Content-Type: text/plain\r\n\r\n");
stdout.write(`query: ${q}\nbody: ${stdin.read()}\nn=${n}\n`);
