// The emulated phone's navigator, in every frame before the page's scripts (see
// crawler/browser/profiles.py, Device).  The user agent, client hints, platform and
// touch points are set through CDP (crawler/browser/emulation.py); this script makes
// the rest agree with them: no plugins, the vendor, the CPU count and memory, and the
// APIs the emulated browser does not have (navigator.userAgentData on iOS, SharedWorker
// in an Android WebView).  Replaced getters look native (instrument.js registers them).
(() => {
  const D = __QRAUDIT_DEVICE__;
  if (window.__qrauditDevice) return;
  try { Object.defineProperty(window, '__qrauditDevice', { value: true, enumerable: false }); } catch (e) { /* ignore */ }
  const native = typeof window.__qrauditNative === 'function' ? window.__qrauditNative : (f) => f;
  const getter = (proto, name, value) => {
    try {
      const get = native(function () { return value; }, 'get ' + name);
      Object.defineProperty(proto, name, { get, configurable: true, enumerable: true });
    } catch (e) { /* ignore */ }
  };
  const drop = (obj, name) => { try { delete obj[name]; } catch (e) { /* ignore */ } };
  const N = window.Navigator && Navigator.prototype;
  if (!N) return;
  getter(N, 'vendor', D.vendor);
  getter(N, 'platform', D.platform);
  getter(N, 'maxTouchPoints', D.maxTouchPoints);
  getter(N, 'hardwareConcurrency', D.hardwareConcurrency);
  if (D.deviceMemory == null) drop(N, 'deviceMemory'); else getter(N, 'deviceMemory', D.deviceMemory);
  if (!D.uaData) { drop(N, 'userAgentData'); drop(window, 'NavigatorUAData'); }
  else if (D.uaMeta && window.NavigatorUAData) {
    // a document the CDP override reached too late (a pop-up's first page): its userAgentData is
    // the device's all the same
    try {
      const d = navigator.userAgentData, M = D.uaMeta;
      const want = M.brands.map((b) => b.brand + '/' + b.version).join();
      if (!d || d.brands.map((b) => b.brand + '/' + b.version).join() !== want) {
        const low = { brands: M.brands, mobile: M.mobile, platform: M.platform };
        const ua = Object.create(NavigatorUAData.prototype, {
          brands: { value: M.brands, enumerable: true }, mobile: { value: M.mobile, enumerable: true },
          platform: { value: M.platform, enumerable: true },
          getHighEntropyValues: { value: native(function getHighEntropyValues(hints) {
            return Promise.resolve(Object.assign({}, low, ...((hints || []).filter((h) => h in M).map((h) => ({ [h]: M[h] })))));
          }, 'getHighEntropyValues') },
          toJSON: { value: native(function toJSON() { return low; }, 'toJSON') },
        });
        getter(N, 'userAgentData', ua);
      }
    } catch (e) { /* ignore */ }
  }
  if (!D.sharedWorker) drop(window, 'SharedWorker');
  // Workers: every dedicated worker starts from a small script of ours that makes its navigator
  // agree with the device (and lets live mode's hold keep its websocket frames), resolves
  // relative URLs against the real script's URL, then loads the real script (importScripts,
  // or import() for a module worker).  A worker whose script the browser fetched itself
  // would keep Chromium's own navigator: a CDP pause at start is always resumed by
  // Playwright first, and a worker whose script is served through request interception
  // cannot open websockets.  When a blob: worker is refused (CSP), the page's own constructor
  // runs as it is.
  const SHIM = function (BASE) {
    const abs = (u) => { try { return new URL(String(u), BASE).href; } catch (e) { return u; } };
    const wrapCtor = (name, fix) => {
      const Native = self[name];
      if (typeof Native !== 'function') return;
      const W = function (...args) { args[0] = fix(args[0]); return Reflect.construct(Native, args, new.target || W); };
      W.prototype = Native.prototype;
      try { Object.defineProperty(W, 'name', { value: name }); } catch (e) {}
      self[name] = W;
    };
    const nativeFetch = self.fetch;
    if (nativeFetch) self.fetch = function fetch(input, init) { return nativeFetch.call(self, typeof input === 'string' || input instanceof URL ? abs(input) : input, init); };
    if (self.XMLHttpRequest) {
      const open = XMLHttpRequest.prototype.open;
      XMLHttpRequest.prototype.open = function (m, u, ...rest) { return open.call(this, m, abs(u), ...rest); };
    }
    wrapCtor('WebSocket', (u) => { const a = abs(u); return a.replace(/^http/, 'ws'); });
    wrapCtor('EventSource', abs);
    wrapCtor('Worker', abs);
    if (self.importScripts) { const imp = self.importScripts; self.importScripts = function importScripts(...u) { return imp.apply(self, u.map(abs)); }; }
  };
  const wrapWorker = (name) => {
    const Native = window[name];
    if (typeof Native !== 'function') return;
    const Wrapped = function (url, opts) {
      if (!new.target) return Native(url, opts);
      let blobUrl = null;
      try {
        const abs = new URL(String(url), location.href).href;
        const module = !!(opts && opts.type === 'module');
        let body;
        if (/^(blob|data):/.test(abs)) {
          const x = new XMLHttpRequest();
          x.open('GET', abs, false);
          x.send();
          body = D.workerPatch + '\n' + x.responseText;
        } else if (module) {
          // imports are evaluated in order, before the importing module: ours first, then the real one
          const first = URL.createObjectURL(new Blob([D.workerPatch + '\n;(' + SHIM.toString() + ')(' + JSON.stringify(abs) + ');'],
            { type: 'text/javascript' }));
          body = 'import ' + JSON.stringify(first) + ';\nimport ' + JSON.stringify(abs) + ';';
        } else {
          body = D.workerPatch + '\n;(' + SHIM.toString() + ')(' + JSON.stringify(abs) + ');\n'
            + 'importScripts(' + JSON.stringify(abs) + ');';
        }
        blobUrl = URL.createObjectURL(new Blob([body], { type: 'text/javascript' }));
        return Reflect.construct(Native, [blobUrl, opts], new.target === Wrapped ? Native : new.target);
      } catch (e) {
        return Reflect.construct(Native, [url, opts], new.target === Wrapped ? Native : new.target);
      }
    };
    Wrapped.prototype = Native.prototype;
    try { Object.defineProperty(Wrapped, 'name', { value: name }); } catch (e) { /* ignore */ }
    native(Wrapped, name);
    try { Object.defineProperty(window, name, { value: Wrapped, configurable: true, writable: true, enumerable: false }); } catch (e) { /* ignore */ }
  };
  wrapWorker('Worker');
  if (D.sharedWorker) wrapWorker('SharedWorker');
  // a phone's browser lists no plugins and shows no PDF viewer
  try {
    const empty = (Proto) => {
      const o = Object.create(Proto.prototype);
      Object.defineProperties(o, {
        length: { value: 0 }, item: { value: native(function item() { return null; }, 'item') },
        namedItem: { value: native(function namedItem() { return null; }, 'namedItem') },
        [Symbol.iterator]: { value: function* () {} },
      });
      if (Proto === window.PluginArray) Object.defineProperty(o, 'refresh', { value: native(function refresh() {}, 'refresh') });
      return o;
    };
    if (window.PluginArray) getter(N, 'plugins', empty(PluginArray));
    if (window.MimeTypeArray) getter(N, 'mimeTypes', empty(MimeTypeArray));
    if ('pdfViewerEnabled' in N) getter(N, 'pdfViewerEnabled', false);
  } catch (e) { /* ignore */ }
})();
