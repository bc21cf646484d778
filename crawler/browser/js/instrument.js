// qraudit instrumentation: runs in every frame before the page's own scripts.
// Records permission requests through the per-visit binding and answers them
// per the visit's permission mode; tracks DOM mutations for "settle".
(() => {
  const CFG = __QRAUDIT_CFG__;
  if (window.__qrauditInstalled) return;
  const hide = (obj, name, value) => {
    try { Object.defineProperty(obj, name, { value, configurable: true, enumerable: false, writable: true }); } catch (e) { /* ignore */ }
  };
  hide(window, '__qrauditInstalled', true);
  // Replaced browser APIs look native: enumerable like WebIDL operations, and
  // Function.prototype.toString shows "[native code]" for them.
  const natives = new WeakMap();
  const patch = (obj, name, fn) => {
    try {
      natives.set(fn, 'function ' + name + '() { [native code] }');
      Object.defineProperty(obj, name, { value: fn, configurable: true, enumerable: true, writable: true });
    } catch (e) { /* ignore */ }
  };
  try {
    const nativeToString = Function.prototype.toString;
    const toString = function toString() {
      return natives.has(this) ? natives.get(this) : nativeToString.call(this);
    };
    natives.set(toString, 'function toString() { [native code] }');
    Object.defineProperty(Function.prototype, 'toString', { value: toString, configurable: true, enumerable: false, writable: true });
  } catch (e) { /* ignore */ }

  // A function that looks native: toString says "[native code]" (for the device's getters too).
  hide(window, '__qrauditNative', (fn, name) => { natives.set(fn, 'function ' + name + '() { [native code] }'); return fn; });

  // navigator.webdriver: a real in-app browser says false.
  try {
    const get = function () { return false; };
    natives.set(get, 'function get webdriver() { [native code] }');
    Object.defineProperty(Navigator.prototype, 'webdriver', { get, configurable: true, enumerable: true });
  } catch (e) { /* ignore */ }

  // ---- closed shadow roots ------------------------------------------------
  // The page still gets a closed root (host.shadowRoot stays null for it); the
  // auditor keeps a reference so it can read and press what the diner sees inside.
  const closedRoots = new WeakMap();
  try {
    const nativeAttach = Element.prototype.attachShadow;
    if (typeof nativeAttach === 'function') {
      patch(Element.prototype, 'attachShadow', function attachShadow(...args) {
        const root = nativeAttach.apply(this, args);
        try { if (args[0] && args[0].mode === 'closed') closedRoots.set(this, root); } catch (e) { /* ignore */ }
        return root;
      });
    }
  } catch (e) { /* ignore */ }
  const shadowOf = (el) => (el && (el.shadowRoot || closedRoots.get(el))) || null;
  hide(window, '__qrauditShadow', shadowOf);
  // querySelector through every shadow root, closed ones included
  hide(window, '__qrauditDeepQuery', (sel) => {
    const find = (root) => {
      const e = root.querySelector(sel);
      if (e) return e;
      for (const h of root.querySelectorAll('*')) { const r = shadowOf(h); if (r) { const x = find(r); if (x) return x; } }
      return null;
    };
    try { return find(document); } catch (e) { return null; }
  });

  // ---- who answers a tap: the tap-like listeners each node registered ------------
  // A control is what answers a tap, whatever its tag or words: the scanner reads
  // this registry (one call per scan) instead of asking CDP per element.  Nodes that
  // only listen to touch events are controls a mouse click never reaches.
  const TAP_EVENTS = new Set(['click', 'touchstart', 'touchend', 'tap', 'pointerdown', 'pointerup', 'mousedown',
    'mouseup', 'dblclick']);
  const listeners = new WeakMap();
  try {
    const nativeAdd = EventTarget.prototype.addEventListener;
    patch(EventTarget.prototype, 'addEventListener', function addEventListener(type, fn, opts) {
      try {
        if (TAP_EVENTS.has(type)) {
          let s = listeners.get(this);
          if (!s) { s = new Set(); listeners.set(this, s); }
          s.add(type);
        }
      } catch (e) { /* ignore */ }
      return nativeAdd.call(this, type, fn, opts);
    });
  } catch (e) { /* ignore */ }
  const PROP_EVENTS = ['click', 'touchstart', 'touchend', 'mousedown', 'pointerdown', 'tap'];
  hide(window, '__qrauditListeners', (node) => {
    const out = [];
    try {
      const s = listeners.get(node);
      if (s) out.push(...s);
      for (const t of PROP_EVENTS) if (typeof node['on' + t] === 'function' && !out.includes(t)) out.push(t);
    } catch (e) { /* ignore */ }
    return out;
  });

  // ---- flashes: short words shown in a raised layer and taken away again (a toast) ----------
  // A toast of 1.5 s (uni.showToast's default) is gone before the page settles: what it said is
  // kept here, [ms since the page's start, text], the last 20, for the scanner to report.
  const flashes = [];
  const born = new WeakMap();
  try {
    const raised = (n) => {
      try {
        for (let e = n, i = 0; e && e.nodeType === 1 && i < 3; e = e.firstElementChild, i++) {
          if (getComputedStyle(e).position === 'fixed') return true;
        }
      } catch (e) { /* ignore */ }
      return false;
    };
    new MutationObserver((muts) => {
      const now = performance.now();
      for (const m of muts) {
        for (const n of m.addedNodes) if (n.nodeType === 1 && raised(n)) born.set(n, now);
        for (const n of m.removedNodes) {
          const b = n.nodeType === 1 ? born.get(n) : undefined;
          if (b === undefined || now - b > 6000) continue;
          const t = (n.textContent || '').replace(/\s+/g, ' ').trim();
          if (t.length >= 2 && t.length <= 60) { flashes.push([Math.round(now), t]); if (flashes.length > 20) flashes.shift(); }
        }
      }
    }).observe(document, { subtree: true, childList: true });
  } catch (e) { /* ignore */ }
  hide(window, '__qrauditFlashes', () => flashes.slice());

  // ---- DOM quiet tracker ------------------------------------------------
  let lastMutation = performance.now();
  try {
    new MutationObserver(() => { lastMutation = performance.now(); })
      .observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
  } catch (e) { /* ignore */ }

  // ---- short timers still to fire -------------------------------------------
  // A page that does setTimeout(loadMenu, 700) is not settled yet.  Timers of at
  // most 1.5 s count, unless they are the 3rd+ generation of a timer chain (polling).
  const pendingTimers = new Map();
  // every timer (≤ 10 s, any generation) and interval: can the page still change by itself?
  const laterTimers = new Map();
  const intervals = new Set();
  let timerDepth = 0;
  const nativeSetTimeout = window.setTimeout;
  try {
    const nativeClear = window.clearTimeout;
    patch(window, 'setTimeout', function setTimeout(fn, delay, ...rest) {
      if (typeof fn !== 'function') return nativeSetTimeout.call(window, fn, delay, ...rest);
      const depth = timerDepth;
      const d = Number(delay) || 0;
      let id = 0;
      const wrapped = function () {
        pendingTimers.delete(id);
        laterTimers.delete(id);
        const saved = timerDepth;
        timerDepth = depth + 1;
        try { return fn.apply(this, rest); } finally { timerDepth = saved; }
      };
      id = nativeSetTimeout.call(window, wrapped, delay);
      if (d <= 1500 && depth <= 1) pendingTimers.set(id, 1);
      if (d <= 10000) laterTimers.set(id, 1);
      return id;
    });
    patch(window, 'clearTimeout', function clearTimeout(id) { pendingTimers.delete(id); laterTimers.delete(id); return nativeClear.call(window, id); });
    const nativeSetInterval = window.setInterval;
    const nativeClearInterval = window.clearInterval;
    patch(window, 'setInterval', function setInterval(fn, delay, ...rest) {
      const id = nativeSetInterval.call(window, fn, delay, ...rest);
      if ((Number(delay) || 0) <= 10000) intervals.add(id);
      return id;
    });
    patch(window, 'clearInterval', function clearInterval(id) { intervals.delete(id); return nativeClearInterval.call(window, id); });
  } catch (e) { /* ignore */ }

  // ---- animation frames still to run ------------------------------------------------
  // A page that renders in requestAnimationFrame (a transition's "next frame", a
  // scroller's layout) is not settled yet.  A callback counts while it is at most the
  // 2nd generation of a frame chain (an animation loop asks for every frame) and
  // younger than 250 ms (a frame the browser does not draw, e.g. a hidden iframe's,
  // may never come).
  const pendingFrames = new Map();
  let frameDepth = 0;
  try {
    const nativeRaf = window.requestAnimationFrame;
    const nativeCaf = window.cancelAnimationFrame;
    if (typeof nativeRaf === 'function') {
      patch(window, 'requestAnimationFrame', function requestAnimationFrame(fn) {
        if (typeof fn !== 'function') return nativeRaf.call(window, fn);
        const depth = frameDepth;
        let id = 0;
        id = nativeRaf.call(window, function (ts) {
          pendingFrames.delete(id);
          const saved = frameDepth;
          frameDepth = depth + 1;
          try { return fn.call(this, ts); } finally { frameDepth = saved; }
        });
        if (depth <= 1) pendingFrames.set(id, performance.now());
        return id;
      });
      if (typeof nativeCaf === 'function') {
        patch(window, 'cancelAnimationFrame', function cancelAnimationFrame(id) { pendingFrames.delete(id); return nativeCaf.call(window, id); });
      }
    }
  } catch (e) { /* ignore */ }
  const framesPending = (now) => {
    let n = 0;
    for (const [id, t] of pendingFrames) {
      if (now - t < 250) n++; else pendingFrames.delete(id);
    }
    return n;
  };

  // ---- response bodies the page read (kept: see RequestCollector) --------------------
  let keptBodies = 0;
  const keepBody = (url, text) => {
    try {
      if (typeof text !== 'string' || !text || text.length > 262144 || keptBodies >= 100) return;
      keptBodies++;
      report({ kind: 'response_body', url: String(url || ''), body: text });
    } catch (e) { /* ignore */ }
  };

  // ---- requests the page's scripts still wait for ------------------------------
  // Counted here, synchronously, so "settle" right after a click cannot miss a
  // fetch the click started (the browser's request events arrive later).  Requests
  // open longer than 2 s (long polls) do not count.
  const inflight = new Map();
  let fetchSeq = 0;
  // Done one macrotask after the promise settles, so the page's own .then() (render)
  // has run by then, however slow the machine.
  const track = () => {
    const id = ++fetchSeq;
    inflight.set(id, performance.now());
    return () => { try { nativeSetTimeout.call(window, () => { inflight.delete(id); }, 0); } catch (e) { inflight.delete(id); } };
  };
  try {
    // reading a response body (r.json(), r.text(), ...) is part of the request for the page
    const RP = window.Response && window.Response.prototype;
    if (RP) {
      for (const name of ['json', 'text', 'arrayBuffer', 'blob', 'formData']) {
        const native = RP[name];
        if (typeof native !== 'function') continue;
        patch(RP, name, { [name](...args) {
          const done = track();
          const resp = this;
          let p;
          try { p = native.apply(this, args); } catch (e) { done(); throw e; }
          try {
            p.then((v) => {
              // what the page read is kept now: a navigation right after drops the browser's copy
              if (name === 'text') keepBody(resp.url, v); else if (name === 'json') keepBody(resp.url, JSON.stringify(v));
              done();
            }, done);
          } catch (e) { done(); }
          return p;
        } }[name]);
      }
    }
  } catch (e) { /* ignore */ }
  try {
    const nativeFetch = window.fetch;
    if (typeof nativeFetch === 'function') {
      patch(window, 'fetch', function fetch(...args) {
        const done = track();
        let p;
        try { p = nativeFetch.apply(window, args); } catch (e) { done(); throw e; }
        try { p.then(done, done); } catch (e) { done(); }
        return p;
      });
    }
    const XP = window.XMLHttpRequest && window.XMLHttpRequest.prototype;
    if (XP && typeof XP.send === 'function') {
      const nativeSend = XP.send;
      patch(XP, 'send', function send(...args) {
        const done = track();
        const xhr = this;
        try { this.addEventListener('loadend', done, { once: true }); } catch (e) { done(); }
        try {
          this.addEventListener('load', () => {
            try {
              if (xhr.responseType === '' || xhr.responseType === 'text') keepBody(xhr.responseURL, xhr.responseText);
              else if (xhr.responseType === 'json') keepBody(xhr.responseURL, JSON.stringify(xhr.response));
            } catch (e) { /* ignore */ }
          }, { once: true });
        } catch (e) { /* ignore */ }
        try { return nativeSend.apply(this, args); } catch (e) { done(); throw e; }
      });
    }
  } catch (e) { /* ignore */ }

  // ---- the document is being left ------------------------------------------------
  // A form's submit, a link's click or a script's location change starts a navigation
  // before the browser's request events reach the auditor (later still on a loaded
  // machine), and a submit or a link schedules it as a task of its own, which may run
  // after the auditor's next look.  So the old document counts as waiting for a request
  // from the first sign on, until it is replaced (2 s at most: a navigation that ends in
  // a download or a 204 leaves it): "beforeunload", a call of form.submit() (which fires
  // no event), or a submit event or a click on a link to another document that the
  // page's own listeners did not cancel (read when the state is asked).
  let leavingAt = -1e9;
  let lastSubmit = null;
  let lastLink = null;
  const leaves = (a) => {
    try {
      if (!a || (a.target && a.target !== '_self')) return false;
      const href = a.getAttribute('href');
      if (!href || /^\s*javascript:/i.test(href) || a.hasAttribute('download')) return false;
      const u = new URL(a.href, location.href);
      return !(u.origin === location.origin && u.pathname === location.pathname && u.search === location.search && u.hash);
    } catch (e) { return false; }
  };
  try {
    window.addEventListener('beforeunload', () => { leavingAt = performance.now(); }, true);
    window.addEventListener('submit', (e) => {
      const f = e.target;
      const target = (e.submitter && e.submitter.getAttribute('formtarget')) || (f && f.getAttribute && f.getAttribute('target'));
      if (f && f.method !== 'dialog' && (!target || target === '_self')) lastSubmit = [e, performance.now()];
    }, true);
    window.addEventListener('click', (e) => {
      const path = typeof e.composedPath === 'function' ? e.composedPath() : [e.target];
      const a = path.find((n) => n && n.tagName === 'A' && typeof n.hasAttribute === 'function' && n.hasAttribute('href'));
      if (leaves(a)) lastLink = [e, performance.now()];
    }, true);
    const FP = window.HTMLFormElement && window.HTMLFormElement.prototype;
    if (FP && typeof FP.submit === 'function') {
      const nativeSubmit = FP.submit;
      patch(FP, 'submit', function submit() {
        const target = this.getAttribute && this.getAttribute('target');
        if (!target || target === '_self') leavingAt = performance.now();
        return nativeSubmit.apply(this, arguments);
      });
    }
  } catch (e) { /* ignore */ }
  const leaving = (now) => now - leavingAt < 2000
    || (lastSubmit && !lastSubmit[0].defaultPrevented && now - lastSubmit[1] < 2000)
    || (lastLink && !lastLink[0].defaultPrevented && now - lastLink[1] < 2000);

  // ---- the frame's settle state ---------------------------------------------
  // [ms since the last DOM mutation, short timers (and young animation frames) to fire,
  //  young requests in flight (and a navigation away begun),
  //  finite animations/transitions still running (≤ 1.5 s left), document.readyState,
  //  timers (≤ 10 s) + intervals that may still change the page by itself]
  hide(window, '__qrauditSettleState', () => {
    const now = performance.now();
    let fetches = 0;
    for (const t of inflight.values()) if (now - t < 2000) fetches++;
    if (leaving(now)) fetches++;
    let anims = 0;
    try {
      if (document.getAnimations) {
        for (const a of document.getAnimations()) {
          if (a.playState !== 'running' && a.playState !== 'pending') continue;
          const tm = a.effect && a.effect.getComputedTiming ? a.effect.getComputedTiming() : null;
          if (!tm || !isFinite(tm.endTime)) continue;
          const left = tm.endTime - (Number(tm.localTime) || 0);
          if (left > 0 && left <= 1500) anims++;
        }
      }
    } catch (e) { /* ignore */ }
    return [now - lastMutation, pendingTimers.size + pendingAsks + framesPending(now), fetches, anims, document.readyState,
      laterTimers.size + intervals.size];
  });

  // ---- report channel ---------------------------------------------------
  const report = (payload) => {
    try {
      const f = window[CFG.binding];
      if (typeof f === 'function') return Promise.resolve(f(payload)).catch(() => null);
    } catch (e) { /* ignore */ }
    return Promise.resolve(null);
  };
  // Did the diner just act?  Not navigator.userActivation: the auditor's own evaluations run with a
  // user gesture (DevTools' userGesture), so that reads "active" soon after any look at the page.
  // A trusted input that activates in Chromium (keydown, mousedown, pointerdown, pointerup,
  // touchend) or the auditor's own tap (__qrauditGesture) within the last 5 s (Chromium's
  // transient activation) is what counts.
  let lastGesture = -1e9;
  const gesture = () => { lastGesture = performance.now(); };
  for (const t of ['keydown', 'mousedown', 'pointerdown', 'pointerup', 'touchend']) {
    try { window.addEventListener(t, (e) => { if (e.isTrusted) gesture(); }, { capture: true, passive: true }); } catch (e) { /* ignore */ }
  }
  hide(window, '__qrauditGesture', gesture);
  const active = () => performance.now() - lastGesture < 5000;
  const plain = (v) => { try { return JSON.parse(JSON.stringify(v === undefined ? {} : v)); } catch (e) { return { unserialisable: String(v) }; } };
  let pendingAsks = 0;  // permission answers on their way: the page is not settled
  const ask = (name, api, constraints) => {
    pendingAsks++;
    return report({ kind: 'permission', name, api, constraints: plain(constraints), user_initiated: active() })
      .then((a) => (a === 'granted' ? 'granted' : 'denied'))
      .finally(() => { setTimeout(() => { pendingAsks--; }, 0); });
  };
  const note = (kind, data) => { report(Object.assign({ kind }, plain(data))); };
  hide(window, '__qrauditAsk', ask);
  hide(window, '__qrauditNote', note);
  const later = (fn, ...args) => { setTimeout(() => { try { fn && fn(...args); } catch (e) { /* page's own error */ } }, 0); };

  // ---- dialog floods ----------------------------------------------------
  // Like Chrome's "prevent this page from creating additional dialogs": after
  // CFG.dialogCap native dialogs in one document, further ones are not shown
  // (alert returns at once, confirm false, prompt null) and this is reported.
  try {
    let shown = 0;
    let reported = false;
    const cap = CFG.dialogCap || 50;
    for (const [name, quiet] of [['alert', undefined], ['confirm', false], ['prompt', null]]) {
      const native = window[name];
      if (typeof native !== 'function') continue;
      patch(window, name, function (...args) {
        if (++shown > cap) {
          if (!reported) { reported = true; report({ kind: 'dialogs_suppressed', after: cap }); }
          return quiet;
        }
        return native.apply(window, args);
      });
    }
  } catch (e) { /* ignore */ }

  // ---- geolocation ------------------------------------------------------
  const CANARY = { latitude: 31.2304, longitude: 121.4737 };
  hide(window, '__qrauditCanaryPosition', CANARY);
  const fakePosition = () => ({
    coords: { latitude: CANARY.latitude, longitude: CANARY.longitude, accuracy: 30, altitude: null,
      altitudeAccuracy: null, heading: null, speed: null },
    timestamp: Date.now(),
  });
  const deniedError = () => {
    const proto = (window.GeolocationPositionError || Object).prototype;
    const e = Object.create(proto);
    Object.defineProperties(e, {
      code: { value: 1, enumerable: true }, message: { value: 'User denied Geolocation', enumerable: true },
      PERMISSION_DENIED: { value: 1 }, POSITION_UNAVAILABLE: { value: 2 }, TIMEOUT: { value: 3 },
    });
    return e;
  };
  const geoOptions = (o) => (o ? { enableHighAccuracy: !!o.enableHighAccuracy, timeout: o.timeout, maximumAge: o.maximumAge } : {});
  try {
    const geo = navigator.geolocation;
    if (geo) {
      const proto = Object.getPrototypeOf(geo);
      let watchId = 0;
      const answer = (api, ok, err, opts) => ask('geolocation', api, geoOptions(opts)).then((a) => {
        if (a === 'granted') later(ok, fakePosition()); else later(err, deniedError());
      });
      patch(proto, 'getCurrentPosition', function getCurrentPosition(ok, err, opts) { answer('getCurrentPosition', ok, err, opts); });
      patch(proto, 'watchPosition', function watchPosition(ok, err, opts) { answer('watchPosition', ok, err, opts); return ++watchId; });
      patch(proto, 'clearWatch', function clearWatch() {});
    }
  } catch (e) { /* ignore */ }

  // ---- camera / microphone ------------------------------------------------
  const fakeStream = (c) => {
    const tracks = [];
    try {
      if (!c || c.video) {
        const cv = document.createElement('canvas'); cv.width = 320; cv.height = 240;
        const g = cv.getContext('2d'); g.fillStyle = '#808080'; g.fillRect(0, 0, 320, 240);
        tracks.push(...cv.captureStream(5).getVideoTracks());
      }
      if (c && c.audio) {
        const ac = new (window.AudioContext || window.webkitAudioContext)();
        tracks.push(...ac.createMediaStreamDestination().stream.getAudioTracks());
      }
    } catch (e) { /* ignore */ }
    return new MediaStream(tracks);
  };
  const mediaName = (c) => (c && !c.video && c.audio ? 'microphone' : 'camera');
  const notAllowed = () => new DOMException('Permission denied', 'NotAllowedError');
  const gum = (api, c) => ask(mediaName(c), api, c).then((a) => {
    if (a === 'granted') return fakeStream(c);
    throw notAllowed();
  });
  try {
    if (navigator.mediaDevices) {
      const proto = Object.getPrototypeOf(navigator.mediaDevices);
      patch(proto, 'getUserMedia', function getUserMedia(c) { return gum('getUserMedia', c); });
      if (proto.getDisplayMedia) patch(proto, 'getDisplayMedia', function getDisplayMedia(c) { return gum('getDisplayMedia', c); });
    }
    for (const legacy of ['webkitGetUserMedia', 'getUserMedia', 'mozGetUserMedia']) {
      if (typeof Navigator.prototype[legacy] === 'function' || typeof navigator[legacy] === 'function') {
        patch(Navigator.prototype, legacy, function (c, ok, err) {
          gum(legacy, c).then((s) => later(ok, s), (e) => later(err, e));
        });
      }
    }
  } catch (e) { /* ignore */ }

  // ---- notifications ----------------------------------------------------
  try {
    if (window.Notification) {
      patch(Notification, 'requestPermission', function requestPermission(cb) {
        return ask('notifications', 'Notification.requestPermission', {}).then((a) => {
          const r = a === 'granted' ? 'granted' : 'denied';
          later(cb, r);
          return r;
        });
      });
    }
  } catch (e) { /* ignore */ }

  // ---- permission states --------------------------------------------------
  // navigator.permissions.query agrees with how requests are answered now: "prompt" while
  // the auditor refuses (a phone's browser asks each time), "granted" once it grants.  A
  // page that reads the state before asking then asks; one waiting for "granted" goes on.
  try {
    const PP = window.Permissions && Permissions.prototype;
    if (PP && typeof PP.query === 'function') {
      const nativeQuery = PP.query;
      const ASKED = { geolocation: 1, camera: 1, microphone: 1, notifications: 1 };
      patch(PP, 'query', function query(desc) {
        const name = desc && desc.name;
        const p = nativeQuery.call(this, desc);
        if (!ASKED[name]) return p;
        return Promise.all([p, report({ kind: 'permission_state', name })]).then(([st, a]) => {
          const state = a === 'granted' ? 'granted' : 'prompt';
          try { Object.defineProperty(st, 'state', { get: () => state, configurable: true, enumerable: true }); } catch (e) { /* ignore */ }
          return st;
        });
      });
    }
  } catch (e) { /* ignore */ }

  // ---- clipboard read -----------------------------------------------------
  try {
    if (navigator.clipboard && navigator.clipboard.readText) {
      const proto = Object.getPrototypeOf(navigator.clipboard);
      patch(proto, 'readText', function readText() {
        return ask('clipboard', 'clipboard.readText', {}).then((a) => {
          if (a === 'granted') return '';
          throw notAllowed();
        });
      });
    }
  } catch (e) { /* ignore */ }
})();
