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
  const fireReady = () => { try { document.dispatchEvent(new Event('AlipayJSBridgeReady', { bubbles: true })); } catch (e) { /* ignore */ } };
  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', () => setTimeout(fireReady, 0), { once: true });
  } else {
    setTimeout(fireReady, 0);
  }
})();
