// Spins until the route's timeout interrupts it.
function handle(req) { for (;;) {} }
