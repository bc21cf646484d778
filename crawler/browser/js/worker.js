// The emulated phone in a worker: put before the worker's own script (see profiles.Profile.worker_script).
(() => {
  if (self.__qrauditWorker) return;
  try { Object.defineProperty(self, '__qrauditWorker', { value: true, enumerable: false }); } catch (e) {}
  const D = __QRAUDIT_DEVICE__, M = __QRAUDIT_UA_DATA__;
  const N = self.WorkerNavigator && WorkerNavigator.prototype;
  const getter = (proto, name, value) => { try { Object.defineProperty(proto, name, { get: () => value, configurable: true, enumerable: true }); } catch (e) {} };
  if (N) {
    getter(N, 'platform', D.platform);
    getter(N, 'hardwareConcurrency', D.hardwareConcurrency);
    if (D.deviceMemory == null) { try { delete N.deviceMemory; } catch (e) {} } else getter(N, 'deviceMemory', D.deviceMemory);
    if (!M) { try { delete N.userAgentData; } catch (e) {} }
    else if (self.NavigatorUAData) {
      const low = { brands: M.brands, mobile: M.mobile, platform: M.platform };
      const ua = Object.create(NavigatorUAData.prototype, {
        brands: { value: M.brands, enumerable: true }, mobile: { value: M.mobile, enumerable: true },
        platform: { value: M.platform, enumerable: true },
        getHighEntropyValues: { value: (hints) => Promise.resolve(Object.assign({}, low,
          ...((hints || []).filter((h) => h in M).map((h) => ({ [h]: M[h] }))))) },
        toJSON: { value: () => low },
      });
      getter(N, 'userAgentData', ua);
    }
  }
  try { Object.defineProperty(self, '__qrauditHeld', { value: __QRAUDIT_HELD__, writable: true, enumerable: false }); } catch (e) {}
  try {
    const WS = self.WebSocket && WebSocket.prototype;
    if (WS) {
      const kept = [];
      Object.defineProperty(self, '__qrauditHeldFrames', { value: kept, enumerable: false });
      const nativeSend = WS.send;
      WS.send = function send(data) {
        if (!self.__qrauditHeld) return nativeSend.call(this, data);
        let payload = '';
        try {
          if (typeof data === 'string') payload = data;
          else {
            const u8 = data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer || data);
            let b = ''; for (let i = 0; i < Math.min(u8.length, 65536); i++) b += String.fromCharCode(u8[i]);
            payload = 'base64:' + btoa(b);
          }
        } catch (e) { payload = '[unreadable]'; }
        kept.push({ url: this.url, payload });
      };
    }
  } catch (e) {}
})();
