// [env]: process.env has the configured values and nothing else.
const atTop = process.env.APP_MODE;
function handle(req) {
  return [atTop, process.env.APP_MODE, process.env.SECRET, String(process.env.HOME), String(process.env.PATH),
    Object.keys(process.env).join(",")].join(" ");
}
