io.write("Content-Type: text/plain\n\n")
io.write(os.getenv("APP_MODE"), " ", tostring(os.getenv("HOME")))
