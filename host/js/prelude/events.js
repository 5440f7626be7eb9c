// events.js: Node's EventEmitter.
(function (native, need) {
  "use strict";
  const kEvents = Symbol("events");
  function listenersOf(em) {
    if (!Object.prototype.hasOwnProperty.call(em, kEvents)) {
      Object.defineProperty(em, kEvents, { value: new Map(), writable: true, configurable: true });
    }
    return em[kEvents];
  }
  function checkListener(l) {
    if (typeof l !== "function") {
      const err = new TypeError(`The "listener" argument must be of type function. Received ${l === null ? "null" : typeof l}`);
      err.code = "ERR_INVALID_ARG_TYPE";
      throw err;
    }
  }
  function EventEmitter(opts) {
    listenersOf(this);
    this._maxListeners = undefined;
  }
  EventEmitter.defaultMaxListeners = 10;
  EventEmitter.errorMonitor = Symbol("events.errorMonitor");
  const proto = EventEmitter.prototype;
  function add(em, name, listener, prepend, once) {
    checkListener(listener);
    const map = listenersOf(em);
    if (map.has("newListener") && name !== "newListener") em.emit("newListener", name, listener);
    let entry = listener;
    if (once) {
      let fired = false;
      entry = function (...args) {
        em.removeListener(name, entry);
        if (!fired) { fired = true; return listener.apply(this, args); }
      };
      entry.listener = listener;
    }
    const list = map.get(name) || [];
    if (prepend) list.unshift(entry); else list.push(entry);
    map.set(name, list);
    return em;
  }
  proto.on = proto.addListener = function (name, l) { return add(this, name, l, false, false); };
  proto.prependListener = function (name, l) { return add(this, name, l, true, false); };
  proto.once = function (name, l) { return add(this, name, l, false, true); };
  proto.prependOnceListener = function (name, l) { return add(this, name, l, true, true); };
  proto.off = proto.removeListener = function (name, l) {
    checkListener(l);
    const map = listenersOf(this), list = map.get(name);
    if (!list) return this;
    for (let i = list.length - 1; i >= 0; i--) {
      if (list[i] === l || list[i].listener === l) {
        list.splice(i, 1);
        if (list.length === 0) map.delete(name);
        if (map.has("removeListener")) this.emit("removeListener", name, l);
        break;
      }
    }
    return this;
  };
  proto.removeAllListeners = function (name) {
    const map = listenersOf(this);
    if (name === undefined) map.clear(); else map.delete(name);
    return this;
  };
  proto.emit = function (name, ...args) {
    const list = listenersOf(this).get(name);
    if (name === "error") {
      const monitors = listenersOf(this).get(EventEmitter.errorMonitor);
      if (monitors) for (const l of [...monitors]) l.apply(this, args);
      if (!list || list.length === 0) {
        const err = args[0];
        if (err instanceof Error) throw err;
        const e = new Error("Unhandled error." + (err === undefined ? "" : ` (${err})`));
        e.code = "ERR_UNHANDLED_ERROR";
        e.context = err;
        throw e;
      }
    }
    if (!list || list.length === 0) return false;
    for (const l of [...list]) l.apply(this, args);
    return true;
  };
  proto.listeners = function (name) { return (listenersOf(this).get(name) || []).map((l) => l.listener || l); };
  proto.rawListeners = function (name) { return [...(listenersOf(this).get(name) || [])]; };
  proto.listenerCount = function (name) { return (listenersOf(this).get(name) || []).length; };
  proto.eventNames = function () { return [...listenersOf(this).keys()]; };
  proto.setMaxListeners = function (n) { this._maxListeners = n; return this; };
  proto.getMaxListeners = function () { return this._maxListeners === undefined ? EventEmitter.defaultMaxListeners : this._maxListeners; };
  EventEmitter.EventEmitter = EventEmitter;
  EventEmitter.listenerCount = (em, name) => em.listenerCount(name);
  EventEmitter.once = function (em, name) {
    return new Promise((resolve, reject) => {
      const onError = (err) => { em.removeListener(name, onEvent); reject(err); };
      const onEvent = (...args) => { if (name !== "error") em.removeListener("error", onError); resolve(args); };
      em.once(name, onEvent);
      if (name !== "error") em.once("error", onError);
    });
  };
  EventEmitter.setMaxListeners = () => {};
  EventEmitter.getEventListeners = (em, name) => em.listeners(name);
  return { events: EventEmitter };
})
