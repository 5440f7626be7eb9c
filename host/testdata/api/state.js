// The top level runs once per interpreter; globals persist between requests.
globalThis.tops = (globalThis.tops || 0) + 1;
let served = 0;
function handle(req) {
  served++;
  return `top=${tops} served=${served}`;
}
