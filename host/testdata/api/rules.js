// Rules 1, 2 and 5, header injection and status().
function handle(req) {
  switch (req.query.case) {
  case "late": // rule 1: header()/status() after output throws
    send("body;");
    try { header("X-Late", "1"); } catch (e) { send(" header: " + e.message); }
    try { status(500); } catch (e) { send(" status: " + e.message); }
    return;
  case "printed": // raw output in a handler, not a header block
    stdout.write("hello\n");
    return;
  case "default": // rule 2: default Content-Type
    status(201);
    send("made");
    return;
  case "api-then-write": // rule 3: header() first, then stdout.write is body
    header("X-A", "1");
    stdout.write("Content-Type: not/a-header\r\n\r\n");
    return;
  case "inject":
    header("X-Evil", "a\r\nSet-Cookie: x=1");
    return;
  case "badstatus":
    status(42);
    return;
  case "interim": // 1xx is not a final status
    for (const c of [100, 101, 103]) { try { status(c); } catch (e) { send(e.message + ";"); } }
    return;
  case "statusheader": // header("Status", …) is status()
    header("Status", "404 Not Found");
    return "gone";
  case "headerreplace": // a later header() replaces, unless append
    header("Content-Type", "text/plain");
    header("Content-Type", "application/json");
    header("X-Multi", "1");
    header("X-Multi", "2", true);
    return "{}";
  case "empty": // rule 5
    return;
  case "cookies":
    header("Set-Cookie", "a=1");
    header("Set-Cookie", "b=2");
    return "two";
  case "redirect":
    status(302);
    header("Location", "/there");
    return;
  case "print":
    stdout.write(new Uint8Array([67, 111, 110, 116, 101, 110, 116, 45, 84, 121, 112, 101, 58, 32, 120, 47, 121, 10, 10]));
    stdout.write(new Uint8Array([104, 105]).buffer);
    return;
  }
}
