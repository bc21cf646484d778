// WeChat in-app browser stand-ins: WeixinJSBridge (+ WeixinJSBridgeReady) and the
// JS-SDK object `wx` (jweixin).  Permission-type calls go through the qraudit
// instrumentation (window.__qrauditAsk) and are denied when it is absent.
// Payment and address calls always answer "cancel": the auditor never pays.
(() => {
  if (window.__qrauditWeChat) return;
  try { Object.defineProperty(window, '__qrauditWeChat', { value: true, enumerable: false }); } catch (e) { /* ignore */ }
  const ask = (name, api, c) => (typeof window.__qrauditAsk === 'function'
    ? window.__qrauditAsk(name, api, c) : Promise.resolve('denied'));
  const note = (kind, data) => { try { window.__qrauditNote && window.__qrauditNote(kind, data); } catch (e) { /* ignore */ } };
  const later = (fn, ...a) => { setTimeout(() => { try { fn && fn(...a); } catch (e) { /* page's own error */ } }, 0); };
  const CANARY = () => window.__qrauditCanaryPosition || { latitude: 31.2304, longitude: 121.4737 };
  // bridge names -> permission kind
  const PERM = {
    getLocation: 'geolocation', geoLocation: 'geolocation', openLocation: null,
    chooseImage: 'camera', scanQRCode: 'camera', startRecord: 'microphone', translateVoice: null,
  };
  const NEVER = { getBrandWCPayRequest: 'cancel', chooseWXPay: 'cancel', editAddress: 'cancel', openAddress: 'cancel',
    chooseInvoiceTitle: 'cancel', getRecevieBizHongBaoRequest: 'cancel', requestMerchantTransfer: 'cancel' };
  const grantedResult = (name) => {
    if (PERM[name] === 'geolocation') {
      const p = CANARY();
      return { latitude: p.latitude, longitude: p.longitude, speed: 0, accuracy: 30 };
    }
    if (name === 'chooseImage') return { localIds: ['wxLocalResource://qraudit-canary'], sourceType: 'camera' };
    if (name === 'scanQRCode') return { resultStr: '' };
    return {};
  };

  // ---- WeixinJSBridge ---------------------------------------------------
  const handlers = {};
  const bridgeInvoke = (name, params, cb) => {
    note('bridge', { bridge: 'WeixinJSBridge', api: String(name) });
    const done = (status, extra) => {
      const msg = name + ':' + status;
      later(cb, Object.assign({ err_msg: msg, errMsg: msg, err_desc: '' }, extra || {}));
    };
    if (NEVER[name]) return done(NEVER[name]);
    if (name === 'getNetworkType') {  // WeChat answers this one as "network_type:wifi"
      later(cb, { err_msg: 'network_type:wifi', errMsg: 'network_type:wifi', networkType: 'wifi', subtype: 'wifi' });
      return undefined;
    }
    if (name === 'preVerifyJSAPI') return done('ok');
    const kind = PERM[name];
    if (kind) {
      ask(kind, 'WeixinJSBridge.' + name, params || {}).then((a) => (a === 'granted' ? done('ok', grantedResult(name)) : done('fail auth deny')));
      return undefined;
    }
    return done('ok');
  };
  const bridge = {
    invoke: bridgeInvoke,
    call: (name, cb) => bridgeInvoke(name, {}, cb),
    on: (name, cb) => { (handlers[name] = handlers[name] || []).push(cb); },
    log: () => {},
    _qraudit: true,
  };
  try { Object.defineProperty(window, 'WeixinJSBridge', { value: bridge, writable: true, configurable: true, enumerable: false }); } catch (e) { window.WeixinJSBridge = bridge; }
  const fireReady = () => {
    try { document.dispatchEvent(new Event('WeixinJSBridgeReady', { bubbles: true })); } catch (e) { /* ignore */ }
  };
  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', () => setTimeout(fireReady, 0), { once: true });
  } else {
    setTimeout(fireReady, 0);
  }

  // ---- wx (JS-SDK) ------------------------------------------------------
  let configured = false;
  const readyFns = [];
  const flushReady = () => { configured = true; readyFns.splice(0).forEach((f) => later(f)); };
  const cbs = (opts, name, status, extra) => {
    const o = opts || {};
    const res = Object.assign({ errMsg: name + ':' + status }, extra || {});
    if (status === 'ok') later(o.success, res);
    else if (status === 'cancel') later(o.cancel || o.fail, res);
    else later(o.fail, res);
    later(o.complete, res);
  };
  const permApi = (name) => function (opts) {
    note('bridge', { bridge: 'wx', api: name });
    ask(PERM[name], 'wx.' + name, Object.assign({}, opts || {}, { success: undefined, fail: undefined, complete: undefined, cancel: undefined }))
      .then((a) => (a === 'granted' ? cbs(opts, name, 'ok', grantedResult(name)) : cbs(opts, name, 'fail auth deny')));
  };
  const base = {
    config: (c) => { note('bridge', { bridge: 'wx', api: 'config', jsApiList: (c && c.jsApiList) || [] }); setTimeout(flushReady, 0); },
    ready: (f) => { if (configured) later(f); else readyFns.push(f); },
    error: () => {},
    checkJsApi: (o) => {
      const r = {};
      ((o && o.jsApiList) || []).forEach((n) => { r[n] = true; });
      cbs(o, 'checkJsApi', 'ok', { checkResult: r });
    },
    getLocation: permApi('getLocation'),
    chooseImage: permApi('chooseImage'),
    scanQRCode: permApi('scanQRCode'),
    startRecord: permApi('startRecord'),
    getNetworkType: (o) => cbs(o, 'getNetworkType', 'ok', { networkType: 'wifi' }),
    chooseWXPay: (o) => { note('bridge', { bridge: 'wx', api: 'chooseWXPay' }); cbs(o, 'chooseWXPay', 'cancel'); },
    openAddress: (o) => { note('bridge', { bridge: 'wx', api: 'openAddress' }); cbs(o, 'openAddress', 'cancel'); },
    miniProgram: {
      getEnv: (cb) => later(cb, { miniprogram: false }),
      navigateTo: (o) => cbs(o, 'navigateTo', 'fail'), navigateBack: (o) => cbs(o, 'navigateBack', 'fail'),
      redirectTo: (o) => cbs(o, 'redirectTo', 'fail'), switchTab: (o) => cbs(o, 'switchTab', 'fail'),
      reLaunch: (o) => cbs(o, 'reLaunch', 'fail'), postMessage: () => {},
    },
  };
  // Any other jweixin API (hideMenuItems, updateAppMessageShareData, previewImage, ...) succeeds.
  const wx = new Proxy(base, {
    get(t, k) {
      if (k in t || typeof k !== 'string' || k === 'then' || k === 'toJSON' || k.startsWith('__')) return t[k];
      return (o) => { cbs(o, k, 'ok'); };
    },
  });
  window.wx = wx;
  window.jWeixin = wx;
  // Pages that never call wx.config still get their ready() callbacks once loaded.
  window.addEventListener('load', () => setTimeout(flushReady, 0), { once: true });
})();
