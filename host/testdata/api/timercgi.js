// CGI mode runs until nothing is pending, as a node process does.
stdout.write("Content-Type: text/plain\n\n");
setTimeout(() => stdout.write("later\n"), 10);
stdout.write("first\n");
