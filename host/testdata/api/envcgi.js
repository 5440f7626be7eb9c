stdout.write("Content-Type: text/plain\n\n");
stdout.write([process.env.APP_MODE, String(process.env.HOME)].join(" "));
