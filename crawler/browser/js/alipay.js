// Alipay in-app browser stand-ins: AlipayJSBridge (+ AlipayJSBridgeReady) and `ap`/`my` basics.
// Permission-type calls go through window.__qrauditAsk; payment always answers "user cancelled".
(() => {
  if (window.__qrauditAlipay) return;
  try { Object.defineProperty(window, '__qrauditAlipay', { value: true, enumerable: false }); } catch (e) { /* ignore */ }
  const ask = (name, api, c) => (typeof window.__qrauditAsk === 'function'
    ? window.__qrauditAsk(name, api, c) : Promise.resolve('denied'));
  const note = (kind, data) => { try { window.__qrauditNote && window.__qrauditNote(kind, data); } catch (e) { /* ignore */ } };
  const later = (fn, ...a) => { setTimeout(() => { try { fn && fn(...a); } catch (e) { /* page's own error */ } }, 0); };
  const CANARY = () => window.__qrauditCanaryPosition || { latitude: 31.2304, longitude: 121.4737 };
  const PERM = { getLocation: 'geolocation', getCurrentLocation: 'geolocation', scan: 'camera', chooseImage: 'camera', startRecord: 'microphone' };
  const PAY = new Set(['tradePay', 'pay', 'startPay']);
  const call = (name, params, cb) => {
    if (typeof params === 'function') { cb = params; params = {}; }
    note('bridge', { bridge: 'AlipayJSBridge', api: String(name) });
    if (PAY.has(name)) return later(cb, { resultCode: '6001', memo: 'user cancelled', error: 6001 });
    if (name === 'getAuthCode') {  // in-app OAuth: auth_base is silent, auth_user asks the diner
      const scopes = [].concat((params && (params.scopeNicks || params.scopes)) || ['auth_base']);
      const code = 'qraudit_' + Math.random().toString(36).slice(2, 10);
      if (!scopes.some((x) => String(x) !== 'auth_base')) return later(cb, { authCode: code, success: true });
      ask('profile_auth', 'AlipayJSBridge.getAuthCode', { scopes }).then((a) => later(cb, a === 'granted'
        ? { authCode: code, success: true } : { error: 11, errorMessage: '用户取消授权', success: false }));
      return undefined;
    }
    const kind = PERM[name];
    if (kind) {
      ask(kind, 'AlipayJSBridge.' + name, params || {}).then((a) => {
        if (a !== 'granted') return later(cb, { error: 11, errorMessage: 'user denied', success: false });
        if (kind === 'geolocation') { const p = CANARY(); return later(cb, { latitude: p.latitude, longitude: p.longitude, accuracy: 30, success: true }); }
        return later(cb, { success: true, code: '', qrCode: '', apFilePaths: [] });
      });
      return undefined;
    }
    if (name === 'getNetworkType') return later(cb, { networkType: 'WIFI', networkAvailable: true, success: true });
    return later(cb, { success: true });
  };
  const listeners = {};
  const bridge = {
    call,
    on: (n, f) => { (listeners[n] = listeners[n] || []).push(f); },
    off: () => {},
    trigger: () => {},
    _qraudit: true,
  };
  try { Object.defineProperty(window, 'AlipayJSBridge', { value: bridge, writable: true, configurable: true, enumerable: false }); } catch (e) { window.AlipayJSBridge = bridge; }
  // `ap` (alipayjsapi): every ap.X(opts) is AlipayJSBridge.call(X, opts) with callbacks and a Promise.
  const apCall = (name) => (opts) => new Promise((resolve, reject) => {
    const o = opts || {};
    call(name, o, (res) => {
      const bad = res && (res.error || res.success === false);
      if (bad) { later(o.fail, res); reject(res); } else { later(o.success, res); resolve(res); }
      later(o.complete, res);
    });
  });
  if (!window.ap) {
    window.ap = new Proxy({}, { get: (t, k) => (typeof k !== 'string' || k === 'then' ? undefined : (t[k] = t[k] || apCall(k))) });
  }
  const fireReady = () => { try { document.dispatchEvent(new Event('AlipayJSBridgeReady', { bubbles: true })); } catch (e) { /* ignore */ } };
  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', () => setTimeout(fireReady, 0), { once: true });
  } else {
    setTimeout(fireReady, 0);
  }
})();
