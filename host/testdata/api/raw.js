// Rule 3: raw output first means the script writes its own CGI header
// block; LF and CRLF line ends; Status: and Location: as in CGI.
function handle(req) {
  const shapes = {
    lf: "Content-Type: text/plain\n\nhello",
    crlf: "Content-Type: text/plain\r\nX-A: 1\r\n\r\nhello",
    location: "Location: /elsewhere\r\n\r\n",
    status: "Status: 404 Not Found\r\nContent-Type: text/plain\r\n\r\nnope",
    cookies: "Set-Cookie: a=1\r\nSet-Cookie: b=2\r\n\r\n",
    te: "Transfer-Encoding: chunked\r\nContent-Type: text/plain\r\n\r\nplain",
    garbage: "garbage line\r\n\r\n",
    noblank: "hello",
    badstatus: "Status: abc\r\n\r\n",
    status99: "Status: 99\r\n\r\n",
    interim: "Status: 101 Switching Protocols\r\n\r\n",
    twostatus: "Status: 200\r\nStatus: 404\r\n\r\n",
    twotypes: "Content-Type: a/b\r\nContent-Type: c/d\r\n\r\n",
    nph: "HTTP/1.1 404 Not Found\r\n\r\n",
    badname: "Bad Name: x\r\n\r\n",
  };
  const s = shapes[req.query.shape];
  // Written in two pieces to show the header block may span writes.
  stdout.write(s.slice(0, 5));
  stdout.write(s.slice(5));
}
