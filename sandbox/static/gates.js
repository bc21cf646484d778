/* Shared gate toolkit of the sandbox's JS vendors ("QG").  Configured by window.QA:
   {mid, base, lang, table, tp, skin:{p, color, div}, gates:[...], checkout:{...}, leak:{...}|null}.
   Vendors call QG.run(stage, next) at stage hooks: entry, add, cart, checkout, submit. */
(function () {
  var C = window.QA || {};
  var L = C.lang || 'zhs';
  var SK = C.skin || {p: 'qg', color: '#f60', div: false};
  var P = SK.p;
  var X = {
    zhs: {phone_t: '请输入手机号后点餐', phone_ph: '请输入手机号', ok: '确定', bad_phone: '请输入正确的手机号',
      pp: '隐私政策', pp_note: '您的信息将依据', pp_note2: '处理', sms_t: '手机号登录后点餐', sms_get: '获取验证码',
      sms_ph: '请输入验证码', sms_sent: '验证码已发送', login: '登录', bad_code: '请输入6位验证码',
      onetap_t: '欢迎光临', onetap_btn: '手机号一键登录', onetap_sub: '登录后即可点餐',
      follow_t: '关注公众号后即可点餐', follow_sub: '长按识别二维码关注公众号', follow_done: '我已关注，继续点餐',
      member_t: '注册会员后下单', member_btn: '立即开卡', name: '姓名', birthday: '生日', gender: '性别',
      email: '邮箱', phone: '手机号', id_number: '身份证号', address: '收货地址', fill: '请填写',
      optional: '（选填）', male: '男', female: '女', auth_go: '正在跳转微信授权…', auth_need: '需要授权才能点餐',
      auth_btn: '授权登录', auth_avatar: '授权头像昵称后点餐', auth_avatar_btn: '授权头像昵称',
      face_t: '刷脸点餐 · 人脸识别', face_sub: '请将脸部对准摄像头，完成人脸识别后点餐', face_fail: '需完成人脸识别才能点餐',
      face_retry: '重新识别', face_ok: '识别成功', loc_t: '正在获取您的位置…', loc_fail: '请开启定位后点餐',
      loc_sub: '为确认您在店内，需要获取您的位置', loc_retry: '重新定位',
      re_t: '输入手机号，领取专属优惠', re_close: '暂不', coupon_t: '领取新人券：输入手机号', coupon_btn: '领取',
      toast: '关注我们，获取更多优惠', banner: '关注公众号领券，下单立减3元', offer_t: '加入会员享95折',
      offer_yes: '立即加入', offer_no: '暂不加入', offer_ok: '请到前台办理入会',
      priv_t: '隐私保护提示', priv_body: '欢迎使用扫码点餐。我们将按照《隐私政策》处理您的个人信息，您可以选择同意或不同意。',
      agree: '同意', disagree: '不同意', table: '桌号', remark: '备注', remark_ph: '口味、偏好等要求',
      mode: '用餐方式', dine_in: '堂食', pickup: '自提', delivery: '外卖', pick_mode: '请选择用餐方式',
      tick: '请先勾选同意', done_t: '订单已提交', done_no: '订单号', pay: '去支付', paying: '正在跳转支付…',
      loc_manual: '定位失败，请手动填写收货地址', cart_empty: '购物车是空的'},
    zht: {phone_t: '請輸入手機號碼後點餐', phone_ph: '請輸入手機號碼', ok: '確定', bad_phone: '請輸入正確的手機號碼',
      pp: '隱私權政策', pp_note: '您的資料將依照', pp_note2: '處理', sms_t: '手機號碼登入後點餐', sms_get: '獲取驗證碼',
      sms_ph: '請輸入驗證碼', sms_sent: '驗證碼已發送', login: '登入', bad_code: '請輸入6位驗證碼',
      onetap_t: '歡迎光臨', onetap_btn: '手機號碼一鍵登入', onetap_sub: '登入後即可點餐',
      follow_t: '關注公眾號後即可點餐', follow_sub: '長按識別二維碼關注公眾號', follow_done: '我已關注，繼續點餐',
      member_t: '註冊會員後下單', member_btn: '立即開卡', name: '姓名', birthday: '生日', gender: '性別',
      email: '電子郵件', phone: '手機號碼', id_number: '身分證字號', address: '收貨地址', fill: '請填寫',
      optional: '（選填）', male: '男', female: '女', auth_go: '正在跳轉微信授權…', auth_need: '需要授權才能點餐',
      auth_btn: '授權登入', auth_avatar: '授權頭像暱稱後點餐', auth_avatar_btn: '授權頭像暱稱',
      face_t: '刷臉點餐 · 人臉識別', face_sub: '請將臉部對準鏡頭，完成人臉識別後點餐', face_fail: '需完成人臉識別才能點餐',
      face_retry: '重新識別', face_ok: '識別成功', loc_t: '正在取得您的位置…', loc_fail: '請開啟定位後點餐',
      loc_sub: '為確認您在店內，需要取得您的位置', loc_retry: '重新定位',
      re_t: '輸入手機號碼，領取專屬優惠', re_close: '暫不', coupon_t: '領取新人券：輸入手機號碼', coupon_btn: '領取',
      toast: '關注我們，獲取更多優惠', banner: '關注公眾號領券，下單立減3元', offer_t: '加入會員享95折',
      offer_yes: '立即加入', offer_no: '暫不加入', offer_ok: '請到櫃台辦理入會',
      priv_t: '隱私保護提示', priv_body: '歡迎使用掃碼點餐。我們將依照《隱私權政策》處理您的個人資料，您可以選擇同意或不同意。',
      agree: '同意', disagree: '不同意', table: '桌號', remark: '備註', remark_ph: '口味、偏好等要求',
      mode: '用餐方式', dine_in: '內用', pickup: '自取', delivery: '外送', pick_mode: '請選擇用餐方式',
      tick: '請先勾選同意', done_t: '訂單已送出', done_no: '訂單編號', pay: '去付款', paying: '正在跳轉付款…',
      loc_manual: '定位失敗，請手動填寫收貨地址', cart_empty: '購物車是空的'},
    en: {phone_t: 'Enter your mobile number to order', phone_ph: 'Mobile number', ok: 'OK',
      bad_phone: 'Please enter a valid mobile number', pp: 'Privacy Policy', pp_note: 'We handle your data under our',
      pp_note2: '', sms_t: 'Sign in with your phone to order', sms_get: 'Get code', sms_ph: '6-digit code',
      sms_sent: 'Code sent', login: 'Sign in', bad_code: 'Please enter the 6-digit code', onetap_t: 'Welcome',
      onetap_btn: 'One-tap phone login', onetap_sub: 'Sign in to order', follow_t: 'Follow our official account to order',
      follow_sub: 'Long-press the QR code to follow', follow_done: 'I have followed, continue',
      member_t: 'Join our membership to order', member_btn: 'Open member card', name: 'Name', birthday: 'Birthday',
      gender: 'Gender', email: 'Email', phone: 'Mobile number', id_number: 'ID number', address: 'Delivery address',
      fill: 'Please fill in', optional: ' (optional)', male: 'Male', female: 'Female',
      auth_go: 'Redirecting to WeChat authorization…', auth_need: 'Authorization is required to order',
      auth_btn: 'Authorize', auth_avatar: 'Authorize your avatar and nickname to order', auth_avatar_btn: 'Authorize avatar & nickname',
      face_t: 'Face check', face_sub: 'Look at the camera to verify your face before ordering',
      face_fail: 'Face verification is required to order', face_retry: 'Try again', face_ok: 'Verified',
      loc_t: 'Locating you…', loc_fail: 'Please turn on location to order', loc_sub: 'We need your location to confirm you are in the shop',
      loc_retry: 'Retry', re_t: 'Enter your number for an exclusive offer', re_close: 'Not now',
      coupon_t: 'New-customer coupon: enter your mobile number', coupon_btn: 'Get coupon', toast: 'Follow us for more offers',
      banner: 'Follow us for a coupon: 3 off your order', offer_t: 'Join our membership for 5% off', offer_yes: 'Join now',
      offer_no: 'No thanks', offer_ok: 'Please ask at the counter to join',
      priv_t: 'Your privacy', priv_body: 'We process your personal data as described in our Privacy Policy. You may accept or decline.',
      agree: 'Accept', disagree: 'Decline', table: 'Table', remark: 'Notes', remark_ph: 'Any requests for the kitchen',
      mode: 'Order type', dine_in: 'Dine in', pickup: 'Pickup', delivery: 'Delivery', pick_mode: 'Please choose an order type',
      tick: 'Please tick the box first', done_t: 'Order placed', done_no: 'Order no.', pay: 'Pay now', paying: 'Redirecting to payment…',
      loc_manual: 'Could not locate you; please type your address', cart_empty: 'Your cart is empty'}
  };
  var T = X[L] || X.zhs;
  function t(k) { return T[k] || X.zhs[k] || k; }
  function esc(s) { return String(s == null ? '' : s).replace(/[&<>"]/g, function (c) { return {'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;'}[c]; }); }
  function key(k) { return 'qa:' + C.mid + ':' + k; }
  function get(k) { try { return localStorage.getItem(key(k)); } catch (e) { return null; } }
  function set(k, v) { try { localStorage.setItem(key(k), v); } catch (e) { /* ignore */ } }
  function cookie(name) { var m = document.cookie.match(new RegExp('(?:^|; )' + name + '=([^;]*)')); return m ? decodeURIComponent(m[1]) : null; }
  function validPhone(v) { return /^1\d{10}$/.test(String(v || '').replace(/[\s-]/g, '')); }
  function ppLink() { return '<a class="' + P + '-pplink" href="' + C.base + '/privacy" target="_blank">《' + t('pp') + '》</a>'; }
  function ppNote() { return '<p class="' + P + '-ppnote" style="font-size:12px;color:#888;margin:8px 0">' + t('pp_note') + ppLink() + t('pp_note2') + '</p>'; }
  function btn(label, cls, extra) {
    var base = 'class="' + P + '-btn ' + (cls || '') + '" ' + (extra || '');
    if (SK.div) return '<div ' + base + ' style="cursor:pointer">' + esc(label) + '</div>';
    return '<button type="button" ' + base + '>' + esc(label) + '</button>';
  }
  var CSS = '.' + P + '-mask{position:fixed;left:0;top:0;right:0;bottom:0;z-index:9000;background:rgba(0,0,0,.6);display:flex;align-items:center;justify-content:center;font-family:sans-serif}' +
    '.' + P + '-dlg{background:#fff;width:86%;max-width:360px;border-radius:' + (SK.radius || '10px') + ';padding:18px;box-sizing:border-box;position:relative;color:#222}' +
    '.' + P + '-dlg h3{margin:0 0 10px;font-size:18px}.' + P + '-dlg input,.' + P + '-dlg select{width:100%;box-sizing:border-box;padding:9px;margin:6px 0;border:1px solid #ccc;border-radius:6px;font-size:15px}' +
    '.' + P + '-btn{display:block;width:100%;padding:10px;margin-top:8px;background:' + SK.color + ';color:#fff;border:0;border-radius:20px;font-size:15px;text-align:center;box-sizing:border-box}' +
    '.' + P + '-btn.ghost{background:#eee;color:#555}.' + P + '-err{color:#e33;font-size:13px;min-height:16px}.' + P + '-row{display:flex;gap:8px;align-items:center}';
  function host() { return (window.QG && QG.host) ? QG.host() : document.body; }
  function overlay(inner, opts) {
    opts = opts || {};
    var h = host();
    var m = document.createElement('div');
    m.className = P + '-mask ' + (opts.cls || '');
    m.setAttribute('role', 'dialog');
    m.setAttribute('aria-modal', 'true');
    m.innerHTML = '<style>' + CSS + '</style><div class="' + P + '-dlg">' + inner + '</div>';
    h.appendChild(m);
    return m;
  }
  function closeOverlay(m) {
    if (!m) return;
    var r = m.getRootNode ? m.getRootNode() : null;
    if (m.parentNode) m.parentNode.removeChild(m);
    if (r && r.host && r.host.getAttribute('data-qg') && r.host.parentNode) r.host.parentNode.removeChild(r.host);
  }
  function q(m, sel) { return m.querySelector(sel); }
  function on(el, fn) { if (el) el.addEventListener('click', fn); }

  /* ---- leaks ---------------------------------------------------------- */
  function md5(s) {
    function rh(n) { var j, o = ''; for (j = 0; j <= 3; j++) o += ((n >> (j * 8 + 4)) & 15).toString(16) + ((n >> (j * 8)) & 15).toString(16); return o; }
    function ad(x, y) { var l = (x & 0xFFFF) + (y & 0xFFFF); return (((x >> 16) + (y >> 16) + (l >> 16)) << 16) | (l & 0xFFFF); }
    function rl(n, c) { return (n << c) | (n >>> (32 - c)); }
    function cm(q, a, b, x, s, t) { return ad(rl(ad(ad(a, q), ad(x, t)), s), b); }
    function ff(a, b, c, d, x, s, t) { return cm((b & c) | ((~b) & d), a, b, x, s, t); }
    function gg(a, b, c, d, x, s, t) { return cm((b & d) | (c & (~d)), a, b, x, s, t); }
    function hh(a, b, c, d, x, s, t) { return cm(b ^ c ^ d, a, b, x, s, t); }
    function ii(a, b, c, d, x, s, t) { return cm(c ^ (b | (~d)), a, b, x, s, t); }
    s = unescape(encodeURIComponent(s));
    var nb = ((s.length + 8) >> 6) + 1, bl = new Array(nb * 16), i;
    for (i = 0; i < nb * 16; i++) bl[i] = 0;
    for (i = 0; i < s.length; i++) bl[i >> 2] |= s.charCodeAt(i) << ((i % 4) * 8);
    bl[i >> 2] |= 0x80 << ((i % 4) * 8); bl[nb * 16 - 2] = s.length * 8;
    var a = 1732584193, b = -271733879, c = -1732584194, d = 271733878;
    for (i = 0; i < bl.length; i += 16) {
      var oa = a, ob = b, oc = c, od = d, x = bl;
      a = ff(a, b, c, d, x[i], 7, -680876936); d = ff(d, a, b, c, x[i + 1], 12, -389564586); c = ff(c, d, a, b, x[i + 2], 17, 606105819); b = ff(b, c, d, a, x[i + 3], 22, -1044525330);
      a = ff(a, b, c, d, x[i + 4], 7, -176418897); d = ff(d, a, b, c, x[i + 5], 12, 1200080426); c = ff(c, d, a, b, x[i + 6], 17, -1473231341); b = ff(b, c, d, a, x[i + 7], 22, -45705983);
      a = ff(a, b, c, d, x[i + 8], 7, 1770035416); d = ff(d, a, b, c, x[i + 9], 12, -1958414417); c = ff(c, d, a, b, x[i + 10], 17, -42063); b = ff(b, c, d, a, x[i + 11], 22, -1990404162);
      a = ff(a, b, c, d, x[i + 12], 7, 1804603682); d = ff(d, a, b, c, x[i + 13], 12, -40341101); c = ff(c, d, a, b, x[i + 14], 17, -1502002290); b = ff(b, c, d, a, x[i + 15], 22, 1236535329);
      a = gg(a, b, c, d, x[i + 1], 5, -165796510); d = gg(d, a, b, c, x[i + 6], 9, -1069501632); c = gg(c, d, a, b, x[i + 11], 14, 643717713); b = gg(b, c, d, a, x[i], 20, -373897302);
      a = gg(a, b, c, d, x[i + 5], 5, -701558691); d = gg(d, a, b, c, x[i + 10], 9, 38016083); c = gg(c, d, a, b, x[i + 15], 14, -660478335); b = gg(b, c, d, a, x[i + 4], 20, -405537848);
      a = gg(a, b, c, d, x[i + 9], 5, 568446438); d = gg(d, a, b, c, x[i + 14], 9, -1019803690); c = gg(c, d, a, b, x[i + 3], 14, -187363961); b = gg(b, c, d, a, x[i + 8], 20, 1163531501);
      a = gg(a, b, c, d, x[i + 13], 5, -1444681467); d = gg(d, a, b, c, x[i + 2], 9, -51403784); c = gg(c, d, a, b, x[i + 7], 14, 1735328473); b = gg(b, c, d, a, x[i + 12], 20, -1926607734);
      a = hh(a, b, c, d, x[i + 5], 4, -378558); d = hh(d, a, b, c, x[i + 8], 11, -2022574463); c = hh(c, d, a, b, x[i + 11], 16, 1839030562); b = hh(b, c, d, a, x[i + 14], 23, -35309556);
      a = hh(a, b, c, d, x[i + 1], 4, -1530992060); d = hh(d, a, b, c, x[i + 4], 11, 1272893353); c = hh(c, d, a, b, x[i + 7], 16, -155497632); b = hh(b, c, d, a, x[i + 10], 23, -1094730640);
      a = hh(a, b, c, d, x[i + 13], 4, 681279174); d = hh(d, a, b, c, x[i], 11, -358537222); c = hh(c, d, a, b, x[i + 3], 16, -722521979); b = hh(b, c, d, a, x[i + 6], 23, 76029189);
      a = hh(a, b, c, d, x[i + 9], 4, -640364487); d = hh(d, a, b, c, x[i + 12], 11, -421815835); c = hh(c, d, a, b, x[i + 15], 16, 530742520); b = hh(b, c, d, a, x[i + 2], 23, -995338651);
      a = ii(a, b, c, d, x[i], 6, -198630844); d = ii(d, a, b, c, x[i + 7], 10, 1126891415); c = ii(c, d, a, b, x[i + 14], 15, -1416354905); b = ii(b, c, d, a, x[i + 5], 21, -57434055);
      a = ii(a, b, c, d, x[i + 12], 6, 1700485571); d = ii(d, a, b, c, x[i + 3], 10, -1894986606); c = ii(c, d, a, b, x[i + 10], 15, -1051523); b = ii(b, c, d, a, x[i + 1], 21, -2054922799);
      a = ii(a, b, c, d, x[i + 8], 6, 1873313359); d = ii(d, a, b, c, x[i + 15], 10, -30611744); c = ii(c, d, a, b, x[i + 6], 15, -1560198380); b = ii(b, c, d, a, x[i + 13], 21, 1309151649);
      a = ii(a, b, c, d, x[i + 4], 6, -145523070); d = ii(d, a, b, c, x[i + 11], 10, -1120210379); c = ii(c, d, a, b, x[i + 2], 15, 718787259); b = ii(b, c, d, a, x[i + 9], 21, -343485551);
      a = ad(a, oa); b = ad(b, ob); c = ad(c, oc); d = ad(d, od);
    }
    return rh(a) + rh(b) + rh(c) + rh(d);
  }
  function sha256(s) {
    return crypto.subtle.digest('SHA-256', new TextEncoder().encode(s)).then(function (buf) {
      return Array.prototype.map.call(new Uint8Array(buf), function (b) { return ('0' + b.toString(16)).slice(-2); }).join('');
    });
  }
  var leaked = {};
  function leak(value, phase) {
    var lk = C.leak;
    if (!lk || lk.when !== phase || !validPhone(value)) return;
    value = String(value).replace(/[\s-]/g, '');
    if (leaked[phase + value]) return;
    leaked[phase + value] = 1;
    if (lk.to === 'own') {
      fetch(C.base + '/api/track', {method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify({ev: 'phone_' + phase, phone: value, table: C.table})});
      return;
    }
    var tp = C.tp;
    if (lk.enc === 'plain') {
      fetch(tp + '/collect?ev=' + phase + '&shop=' + C.mid + '&mobile=' + encodeURIComponent(value), {mode: 'no-cors'});
    } else if (lk.enc === 'b64') {
      fetch(tp + '/collect', {method: 'POST', mode: 'no-cors', headers: {'Content-Type': 'text/plain'}, body: JSON.stringify({shop: C.mid, ev: phase, uid: btoa(value)})});
    } else if (lk.enc === 'md5') {
      new Image().src = tp + '/pixel.gif?e=' + phase + '&s=' + C.mid + '&h=' + md5(value);
    } else if (lk.enc === 'sha256') {
      sha256(value).then(function (h) { new Image().src = tp + '/pixel.gif?e=' + phase + '&s=' + C.mid + '&ph=' + h; });
    }
  }
  var TR = C.traps || {};
  var keyN = 0, wsSent = {};
  function ownSocket() {
    if (ownSocket.s) return ownSocket.s;
    var url = location.origin.replace(/^http/, 'ws') + C.base + '/ws';
    try { ownSocket.s = new WebSocket(url); } catch (e) { ownSocket.s = null; }
    return ownSocket.s;
  }
  function sendWhenOpen(s, msg) { if (!s) return; if (s.readyState === 1) s.send(msg); else s.addEventListener('open', function () { s.send(msg); }); }
  function trapLeaks(inp) {
    // keystroke level: every key typed into the phone field goes to the tracker, one character per request
    if (TR.keys_leak) {
      inp.addEventListener('keyup', function (e) {
        if (!/^[0-9]$/.test(e.key || '')) return;
        keyN++;
        new Image().src = C.tp + '/pixel.gif?ev=kd&f=m&i=' + keyN + '&c=' + encodeURIComponent(e.key) + '&t=' + Date.now();
        if (inp.value.length === 7) fetch(C.base + '/api/segment?p=' + encodeURIComponent(inp.value));  // own host: number-segment lookup
      });
    }
    // "suggestions" while typing: the tracker gets 7 to 10 digits, never the whole number
    if (TR.prefix_leak) {
      inp.addEventListener('input', function () {
        var v = String(inp.value || '').replace(/\D/g, '');
        if (v.length >= 7 && v.length < 11) fetch(C.tp + '/suggest?q=' + v, {mode: 'no-cors'});
      });
    }
    // websockets: the merchant's own order socket gets the phone (fine); a worker's socket sends it to the tracker
    if (TR.ws_leak) {
      inp.addEventListener('input', function () {
        var v = String(inp.value || '').replace(/\D/g, '');
        if (!validPhone(v) || wsSent[v]) return;
        wsSent[v] = 1;
        sendWhenOpen(ownSocket(), JSON.stringify({type: 'bind', table: C.table, phone: v}));
        try {
          var wk = new Worker('/static/wsworker.js');
          wk.postMessage({url: C.tp.replace(/^http/, 'ws') + '/ws?sdk=qt', phone: v, shop: C.mid});
        } catch (e) { /* no workers */ }
      });
    }
  }
  function wirePhone(inp) {
    if (!inp) return;
    inp.addEventListener('input', function () { leak(inp.value, 'input'); });
    inp.addEventListener('blur', function () { leak(inp.value, 'blur'); });
    trapLeaks(inp);
  }

  /* ---- gates ---------------------------------------------------------- */
  var G = {};
  function titleOf(g, k) { return g.title || t(k); }
  G.phone = function (g, done) {
    var m = overlay('<h3>' + esc(titleOf(g, 'phone_t')) + '</h3><input type="tel" name="mobile" maxlength="11" placeholder="' + t('phone_ph') + '">' +
      '<div class="' + P + '-err"></div>' + btn(t('ok'), 'ok') + (g.privacy === false ? '' : ppNote()), {cls: P + '-phone'});
    var inp = q(m, 'input'); wirePhone(inp);
    on(q(m, '.ok'), function () {
      if (!validPhone(inp.value)) { q(m, '.' + P + '-err').textContent = t('bad_phone'); return; }
      set('phone', inp.value); closeOverlay(m); done();
    });
  };
  G.sms = function (g, done) {
    var m = overlay('<h3>' + esc(titleOf(g, 'sms_t')) + '</h3><input type="tel" name="mobile" maxlength="11" placeholder="' + t('phone_ph') + '">' +
      '<div class="' + P + '-row"><input name="code" inputmode="numeric" maxlength="6" placeholder="' + t('sms_ph') + '">' + btn(t('sms_get'), 'ghost getcode', 'style="width:auto;white-space:nowrap"') + '</div>' +
      '<div class="' + P + '-err"></div>' + btn(t('login'), 'ok') + (g.privacy === false ? '' : ppNote()), {cls: P + '-sms'});
    var inp = q(m, 'input[name=mobile]'); wirePhone(inp);
    on(q(m, '.getcode'), function () {
      if (!validPhone(inp.value)) { q(m, '.' + P + '-err').textContent = t('bad_phone'); return; }
      fetch(C.base + '/api/sms', {method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify({phone: inp.value})});
      q(m, '.' + P + '-err').textContent = t('sms_sent');
    });
    on(q(m, '.ok'), function () {
      if (!validPhone(inp.value)) { q(m, '.' + P + '-err').textContent = t('bad_phone'); return; }
      if (!/^\d{6}$/.test(q(m, 'input[name=code]').value)) { q(m, '.' + P + '-err').textContent = t('bad_code'); return; }
      set('phone', inp.value); closeOverlay(m); done();
    });
  };
  G.onetap = function (g, done) {
    var m = overlay('<div style="text-align:center"><div style="font-size:40px">🍜</div><h3>' + t('onetap_t') + '</h3><p>' + t('onetap_sub') + '</p></div>' +
      btn(t('onetap_btn'), 'ok') + '<div class="step2" style="display:none"><input type="tel" name="mobile" maxlength="11" placeholder="' + t('phone_ph') + '">' +
      '<div class="' + P + '-err"></div>' + btn(t('ok'), 'ok2') + '</div>' + ppNote(), {cls: P + '-onetap'});
    var inp = q(m, 'input'); wirePhone(inp);
    on(q(m, '.ok'), function () { q(m, '.step2').style.display = 'block'; q(m, '.ok').style.display = 'none'; inp.focus(); });
    on(q(m, '.ok2'), function () {
      if (!validPhone(inp.value)) { q(m, '.' + P + '-err').textContent = t('bad_phone'); return; }
      set('phone', inp.value); closeOverlay(m); done();
    });
  };
  function qrImg(data) { return '<img class="' + P + '-qr" alt="' + t('follow_sub') + '" width="160" height="160" src="/qr.png?d=' + encodeURIComponent(data) + '" style="display:block;margin:8px auto">'; }
  G.follow = function (g, done) {
    var m = overlay('<h3>' + esc(titleOf(g, 'follow_t')) + '</h3>' + qrImg('https://mp.weixin.qq.com/mp/profile_ext?action=home&__biz=MzQa' + C.mid + 'Fake==#wechat_redirect') +
      '<p style="text-align:center;color:#666">' + t('follow_sub') + '</p>' + btn(t('follow_done'), 'ok') + ppNote(), {cls: P + '-follow'});
    on(q(m, '.ok'), function () { closeOverlay(m); done(); });
  };
  function fieldHtml(k, req, cls) {
    var lab = t(k) + (req ? ' <em style="color:#e33">*</em>' : '<span class="opt">' + t('optional') + '</span>');
    var inner;
    if (k === 'gender') inner = '<select name="gender"><option value="">-</option><option>' + t('male') + '</option><option>' + t('female') + '</option></select>';
    else if (k === 'birthday') inner = '<input type="date" name="birthday">';
    else if (k === 'phone') inner = '<input type="tel" name="phone" maxlength="11" placeholder="' + t('phone_ph') + '">';
    else if (k === 'email') inner = '<input type="email" name="email">';
    else inner = '<input type="text" name="' + k + '">';
    return '<label class="' + (cls || P + '-field') + '" data-k="' + k + '" style="display:block;margin:6px 0">' + lab + inner + '</label>';
  }
  function emptyOf(root, k) { var el = root.querySelector('[name=' + k + ']'); return !el || !String(el.value || '').trim(); }
  G.member = function (g, done) {
    var fs = g.fields || ['phone'];
    var m = overlay('<h3>' + esc(titleOf(g, 'member_t')) + '</h3>' + fs.map(function (k) { return fieldHtml(k, true); }).join('') +
      '<div class="' + P + '-err"></div>' + btn(t('member_btn'), 'ok') + ppNote(), {cls: P + '-member'});
    wirePhone(q(m, 'input[name=phone]'));
    on(q(m, '.ok'), function () {
      for (var i = 0; i < fs.length; i++) { if (emptyOf(m, fs[i])) { q(m, '.' + P + '-err').textContent = t('fill') + t(fs[i]); return; } }
      if (fs.indexOf('phone') >= 0 && !validPhone(q(m, 'input[name=phone]').value)) { q(m, '.' + P + '-err').textContent = t('bad_phone'); return; }
      if (q(m, 'input[name=phone]')) set('phone', q(m, 'input[name=phone]').value);
      closeOverlay(m); done();
    });
  };
  G.oauth = function (g, done) {
    if (cookie('qa_auth')) { done(); return; }
    var denied = /[?&]auth=denied/.test(location.search);
    var go = function () { location.href = C.oauth_url; };
    if (g.mode === 'button' || denied) {
      var m = overlay('<h3>' + esc(g.mode === 'button' ? t('auth_avatar') : t('auth_need')) + '</h3>' +
        (denied ? '<p class="' + P + '-err">' + t('auth_need') + '</p>' : '') +
        btn(g.mode === 'button' ? t('auth_avatar_btn') : t('auth_btn'), 'ok') + ppNote(), {cls: P + '-auth'});
      on(q(m, '.ok'), go);
      return;
    }
    overlay('<p>' + (g.provider === 'alipay' ? t('auth_go').replace(/微信|WeChat/, g.provider === 'alipay' && L === 'en' ? 'Alipay' : '支付宝') : t('auth_go')) + '</p>' + ppNote(), {cls: P + '-auth'});
    setTimeout(go, 150);
  };
  G.face = function (g, done) {
    var m = overlay('<h3>' + esc(titleOf(g, 'face_t')) + '</h3><p>' + t('face_sub') + '</p><video autoplay muted playsinline width="200" height="150" style="background:#000;display:block;margin:0 auto;border-radius:50%"></video>' +
      '<div class="' + P + '-err"></div>' + btn(t('face_retry'), 'retry') + ppNote(), {cls: P + '-face'});
    function attempt() {
      q(m, '.' + P + '-err').textContent = '';
      var md = navigator.mediaDevices;
      if (!md || !md.getUserMedia) { q(m, '.' + P + '-err').textContent = t('face_fail'); return; }
      md.getUserMedia({video: true}).then(function (st) {
        q(m, '.' + P + '-err').textContent = t('face_ok');
        setTimeout(function () { st.getTracks().forEach(function (tr) { tr.stop(); }); closeOverlay(m); done(); }, 400);
      }, function () { q(m, '.' + P + '-err').textContent = t('face_fail'); });
    }
    on(q(m, '.retry'), attempt);
    attempt();
  };
  G.location = function (g, done) {
    var m = overlay('<h3>' + t('loc_t') + '</h3><p>' + t('loc_sub') + '</p><div class="' + P + '-err"></div>' + btn(t('loc_retry'), 'retry') + ppNote(), {cls: P + '-loc'});
    var settled = false;
    function fail() { if (!settled) { q(m, '.' + P + '-err').textContent = t('loc_fail'); } }
    function attempt() {
      q(m, '.' + P + '-err').textContent = '';
      if (!navigator.geolocation) { fail(); return; }
      var tm = setTimeout(fail, 4000);
      navigator.geolocation.getCurrentPosition(function () { settled = true; clearTimeout(tm); closeOverlay(m); done(); },
        function () { clearTimeout(tm); fail(); }, {timeout: 4000});
    }
    on(q(m, '.retry'), attempt);
    attempt();
  };
  G.reprompt = function (g, done) {
    var shown = 0, max = g.times || 3, first = true;
    function show() {
      shown++;
      var m = overlay('<h3>' + t('re_t') + '</h3><input type="tel" name="mobile" maxlength="11" placeholder="' + t('phone_ph') + '"><div class="' + P + '-err"></div>' +
        btn(t('ok'), 'ok') + btn(t('re_close'), 'ghost no') + ppNote(), {cls: P + '-reprompt'});
      var inp = q(m, 'input'); wirePhone(inp);
      function next() { closeOverlay(m); if (first) { first = false; done(); } }
      on(q(m, '.ok'), function () {
        if (!validPhone(inp.value)) { q(m, '.' + P + '-err').textContent = t('bad_phone'); return; }
        set('phone', inp.value); shown = max + 1; next();
      });
      on(q(m, '.no'), function () { next(); if (shown <= max) setTimeout(show, 1200); });
    }
    show();
  };
  G.coupon_icon = function (g, done) {
    var m = overlay('<div class="x" style="position:absolute;right:8px;top:8px;width:28px;height:28px;cursor:pointer">' +
      '<svg viewBox="0 0 24 24" width="28" height="28"><path d="M6 6l12 12M18 6L6 18" stroke="#999" stroke-width="2.5" fill="none"/></svg></div>' +
      '<h3>' + t('coupon_t') + '</h3><input type="tel" name="mobile" maxlength="11" placeholder="' + t('phone_ph') + '"><div class="' + P + '-err"></div>' +
      btn(t('coupon_btn'), 'ok') + ppNote(), {cls: P + '-coupon'});
    on(q(m, '.x'), function () { closeOverlay(m); done(); });
    on(q(m, '.ok'), function () {
      if (!validPhone(q(m, 'input').value)) { q(m, '.' + P + '-err').textContent = t('bad_phone'); return; }
      closeOverlay(m); done();
    });
  };
  G.toast_follow = function (g, done) {
    var m = overlay('<h3>' + t('toast') + '</h3>' + qrImg('https://mp.weixin.qq.com/mp/profile_ext?action=home&__biz=MzQaToast' + C.mid + '==') , {cls: P + '-toast'});
    setTimeout(function () { closeOverlay(m); done(); }, 1000);
  };
  G.follow_banner = function (g, done) {
    if (!get('banner_closed')) {
      var h = host(), b = document.createElement('div');
      b.className = P + '-banner';
      b.setAttribute('style', 'position:fixed;top:8px;left:8px;right:8px;z-index:500;background:#fff8e6;border:1px solid #f5c26b;border-radius:8px;padding:10px 36px 10px 10px;font-size:14px;box-shadow:0 2px 6px rgba(0,0,0,.15)');
      b.innerHTML = '🎁 ' + t('banner') + '<span class="close" role="button" aria-label="关闭" style="position:absolute;right:10px;top:6px;font-size:20px;cursor:pointer">×</span>';
      h.appendChild(b);
      b.querySelector('.close').addEventListener('click', function () { set('banner_closed', '1'); b.parentNode.removeChild(b); });
    }
    done();
  };
  G.member_offer = function (g, done) {
    var m = overlay('<h3>' + t('offer_t') + '</h3><p style="color:#888">' + esc(g.sub || '') + '</p>' + btn(t('offer_yes'), 'yes') + btn(t('offer_no'), 'ghost no'), {cls: P + '-offer'});
    on(q(m, '.no'), function () { closeOverlay(m); done(); });
    on(q(m, '.yes'), function () { alert(t('offer_ok')); closeOverlay(m); done(); });
  };
  G.privacy = function (g, done) {
    var m = overlay('<h3>' + t('priv_t') + '</h3><p>' + esc(t('priv_body')) + ' ' + ppLink() + '</p><div class="' + P + '-row">' + btn(t('disagree'), 'ghost no') + btn(t('agree'), 'yes') + '</div>', {cls: P + '-privacy'});
    on(q(m, '.no'), function () { set('privacy', 'declined'); closeOverlay(m); done(); });
    on(q(m, '.yes'), function () { set('privacy', 'agreed'); closeOverlay(m); done(); });
  };
  G.follow_check = function (g, done) {
    if (cookie('qa_followed')) { done(); return; }
    location.href = C.base + '/follow-check?back=' + encodeURIComponent(location.pathname + location.search + (g.back || location.hash));
  };
  // A private channel: the menu only after adding a staff member's WeCom (企业微信) contact.
  G.wecom = function (g, done) {
    var m = overlay('<h3>添加客服企业微信，领取点餐菜单</h3>' +
      qrImg('https://work.weixin.qq.com/ca/cawcde' + C.mid + 'QaFake') +
      '<p style="text-align:center;color:#666">长按识别二维码添加门店客服，添加后即可查看菜单并点餐</p>' +
      btn('我已添加', 'ok') + ppNote(), {cls: P + '-wecom'});
    on(q(m, '.ok'), function () { closeOverlay(m); done(); });
  };
  // An optional WeCom card: closable for good, never in the way.
  G.wecom_card = function (g, done) {
    if (!get('wecom_closed')) {
      var h = host(), b = document.createElement('div');
      b.className = P + '-wecomcard';
      b.setAttribute('style', 'margin:8px;background:#eef7ff;border:1px solid #9cc7f2;border-radius:8px;padding:10px 36px 10px 10px;font-size:14px;position:relative');
      b.innerHTML = '💬 添加客服企业微信，预约包间更方便（可选）<span class="close" role="button" aria-label="关闭" style="position:absolute;right:10px;top:6px;font-size:20px;cursor:pointer">×</span>';
      h.insertBefore(b, h.firstChild);
      b.querySelector('.close').addEventListener('click', function () { set('wecom_closed', '1'); b.parentNode.removeChild(b); });
    }
    done();
  };
  // A stored-value top-up screen whose only control authorises the WeChat profile.
  G.topup = function (g, done) {
    if (cookie('qa_auth')) { done(); return; }
    var denied = /[?&]auth=denied/.test(location.search);
    var m = overlay('<div style="text-align:center"><div style="font-size:34px;color:#d4380d">储值1000送100</div>' +
      '<p>储值500送40 · 储值200送10</p><p style="color:#888">储值后本单立享9折</p></div>' +
      (denied ? '<p class="' + P + '-err">需授权后才能进入点餐</p>' : '') + btn('点我授权', 'ok'), {cls: P + '-topup'});
    on(q(m, '.ok'), function () { location.href = C.oauth_url; });
  };
  // Location asked without an error callback: on refusal the page waits for ever ("定位中…").
  G.geo_hang = function (g, done) {
    var m = overlay('<h3>' + t('loc_t') + '</h3><p>' + t('loc_sub') + '</p><div class="' + P + '-err"></div>' + btn(t('loc_retry'), 'retry') + ppNote(), {cls: P + '-loc'});
    function ask() {
      navigator.geolocation.getCurrentPosition(function () { closeOverlay(m); done(); });  // no error callback, no timeout
    }
    function attempt() {
      var pq = navigator.permissions && navigator.permissions.query ? navigator.permissions.query({name: 'geolocation'}) : Promise.resolve({state: 'prompt'});
      pq.then(function (st) {
        if (st.state === 'denied') { q(m, '.' + P + '-err').textContent = '定位权限已关闭，请在设置中开启定位后点餐'; return; }
        q(m, '.' + P + '-err').textContent = '定位中…';
        ask();
      }, ask);
    }
    on(q(m, '.retry'), attempt);
    attempt();
  };
  // A declinable login/register prompt (g.once: shown once per visit; else at every stage it is put on).
  G.login_prompt = function (g, done) {
    if (g.once && get('login_declined')) { done(); return; }
    var m = overlay('<h3>登录/注册</h3><p>登录后享会员价和积分</p>' + btn('手机号登录/注册', 'ok') + btn('暂不登录', 'ghost no') + ppNote(), {cls: P + '-login'});
    on(q(m, '.no'), function () { set('login_declined', '1'); closeOverlay(m); done(); });
    on(q(m, '.ok'), function () { alert('请输入手机号'); });
  };
  // Face recognition offered beside ordinary ordering (optional).
  G.face_choice = function (g, done) {
    var m = overlay('<h3>欢迎光临</h3><p>选择点餐方式</p>' + btn('刷脸快捷点餐（推荐）', 'face') + btn('直接点餐', 'ghost plain') + ppNote(), {cls: P + '-facechoice'});
    on(q(m, '.plain'), function () { closeOverlay(m); done(); });
    on(q(m, '.face'), function () {
      closeOverlay(m);
      G.face({}, done);
    });
  };
  // The environment check of WeChat-only pages: refuses when the browser does not look like the app it claims.
  G.env_check = function (g, done) {
    function refuse(why) {
      overlay('<h3>请在微信客户端打开链接</h3><p>当前浏览器环境异常，无法点餐</p><p style="font-size:11px;color:#bbb">' + esc(why) + '</p>', {cls: P + '-env'});
    }
    var ua = navigator.userAgent, why = '';
    var android = /Android/.test(ua), ios = /iPhone|iPad/.test(ua);
    var ver = (ua.match(/Chrome\/(\d+)/) || [])[1];
    var d = navigator.userAgentData;
    if (!/MicroMessenger/.test(ua)) why = 'ua';
    else if (navigator.webdriver) why = 'webdriver';
    else if (navigator.maxTouchPoints < 2) why = 'touch';
    else if (navigator.plugins && navigator.plugins.length) why = 'plugins';
    else if (android && !/arm|aarch64/i.test(navigator.platform)) why = 'platform ' + navigator.platform;
    else if (ios && navigator.platform !== 'iPhone') why = 'platform ' + navigator.platform;
    else if (android && !(d && d.brands.some(function (b) { return b.brand === 'Android WebView' && b.version === ver; }))) why = 'brands';
    else if (ios && d) why = 'userAgentData on iOS';
    else if (window.SharedWorker && android) why = 'SharedWorker';
    if (why) { refuse(why); return; }
    var wk = new Worker('/static/envworker.js');
    wk.onmessage = function (e) {
      var w = e.data || {};
      if (android && !(w.brands || []).some(function (b) { return b.brand === 'Android WebView' && b.version === ver; })) { refuse('worker brands'); return; }
      if (android && !/arm|aarch64/i.test(w.platform || '')) { refuse('worker platform ' + w.platform); return; }
      if (ios && w.uad) { refuse('worker userAgentData'); return; }
      fetch(C.base + '/api/env').then(function (r) { return r.json(); }).then(function (j) {
        if (!j.ok) { refuse('server: ' + j.why); return; }
        done();
      }, function () { refuse('network'); });
    };
    wk.postMessage(1);
  };
  // A closable coupon prompt whose × answers only a finger (touchend), never a mouse click.
  G.coupon_touch = function (g, done) {
    var m = overlay('<div class="x" style="position:absolute;right:8px;top:8px;width:28px;height:28px;font-size:22px;line-height:28px;text-align:center;color:#999">×</div>' +
      '<h3>' + t('coupon_t') + '</h3><input type="tel" name="mobile" maxlength="11" placeholder="' + t('phone_ph') + '"><div class="' + P + '-err"></div>' +
      btn(t('coupon_btn'), 'ok') + ppNote(), {cls: P + '-coupon'});
    q(m, '.x').addEventListener('touchend', function (e) { e.preventDefault(); closeOverlay(m); done(); });
    on(q(m, '.ok'), function () {
      if (!validPhone(q(m, 'input').value)) { q(m, '.' + P + '-err').textContent = t('bad_phone'); return; }
      closeOverlay(m); done();
    });
  };
  var PERSIST = {wecom: 1, face_choice: 1, env_check: 0, coupon_touch: 1, phone: 1, sms: 1, onetap: 1, follow: 1, member: 1, face: 1, location: 1, coupon_icon: 1, member_offer: 1, privacy: 1, toast_follow: 1};

  function run(stage, next, where) {
    var gates = (C.gates || []).map(function (g, i) { g._i = i; return g; }).filter(function (g) {
      return g.stage === stage && (!where || (g.where || 'frame') === where);
    });
    var i = 0;
    (function step() {
      if (i >= gates.length) { next(); return; }
      var g = gates[i++];
      if (PERSIST[g.type] && get('gate' + g._i)) { step(); return; }
      G[g.type](g, function () { if (PERSIST[g.type]) set('gate' + g._i, '1'); step(); });
    })();
  }

  /* ---- checkout form -------------------------------------------------- */
  function checkoutHtml(opts) {
    var co = C.checkout || {}, h = '';
    opts = opts || {};
    h += '<div class="' + P + '-co-table">' + t('table') + ': <b class="tableno">' + esc(C.table || '-') + '</b></div>';
    if (co.modes && co.modes.length > 1) {
      h += '<div class="' + P + '-modes" role="radiogroup"><span>' + t('mode') + '</span> ' + co.modes.map(function (md) {
        return '<label style="margin-right:10px"><input type="radio" name="mode" value="' + md + '"' + (co.mode_default === md ? ' checked' : '') + '> ' + t(md) + '</label>';
      }).join('') + '</div>';
    }
    (co.fields || []).forEach(function (f) {
      var req = f.req === true || f.req === 'delivery';
      var html = fieldHtml(f.k, req, P + '-field');
      if (f.req === 'delivery' && co.modes && co.modes.length > 1) html = '<div class="when-delivery" style="display:none">' + html + '</div>';
      h += html;
    });
    h += '<label class="' + P + '-field" style="display:block;margin:6px 0">' + t('remark') + '<span class="opt">' + t('optional') + '</span><textarea name="remark" rows="2" style="width:100%;box-sizing:border-box" placeholder="' + t('remark_ph') + '"></textarea></label>';
    (co.boxes || []).forEach(function (b) {
      h += '<label class="' + P + '-box" style="display:block;margin:6px 0;font-size:13px"><input type="checkbox" name="' + b.k + '"' + (b.checked ? ' checked' : '') + '> ' +
        esc(b.text).replace('《' + t('pp') + '》', ppLink()) + '</label>';
    });
    if (co.privacy !== false && ((co.fields || []).length || (co.modes && co.modes.indexOf('delivery') >= 0))) h += ppNote();
    h += '<div class="' + P + '-err co-err" role="alert"></div>';
    return h;
  }
  function currentMode(root) {
    var co = C.checkout || {};
    var r = root.querySelector('input[name=mode]:checked');
    if (r) return r.value;
    if (co.modes && co.modes.length === 1) return co.modes[0];
    if (co.modes && co.modes.length > 1) return null;
    return 'dine_in';
  }
  function wireCheckout(root) {
    var co = C.checkout || {};
    wirePhone(root.querySelector('[name=phone]'));
    function sync() {
      var md = currentMode(root);
      Array.prototype.forEach.call(root.querySelectorAll('.when-delivery'), function (el) { el.style.display = md === 'delivery' ? 'block' : 'none'; });
      if (md === 'delivery' && co.geo_on_delivery && navigator.geolocation) {
        navigator.geolocation.getCurrentPosition(function () { /* prefill would go here */ }, function () {
          var e = root.querySelector('.co-err'); if (e) e.textContent = t('loc_manual');
        }, {timeout: 3000});
      }
    }
    Array.prototype.forEach.call(root.querySelectorAll('input[name=mode]'), function (r) { r.addEventListener('change', sync); });
    sync();
  }
  function validateCheckout(root) {
    var co = C.checkout || {}, md = currentMode(root);
    if (!md) return t('pick_mode');
    var fs = co.fields || [];
    for (var i = 0; i < fs.length; i++) {
      var f = fs[i], req = f.req === true || (f.req === 'delivery' && md === 'delivery');
      if (req && emptyOf(root, f.k)) return t('fill') + t(f.k);
      if (f.k === 'phone' && !emptyOf(root, 'phone') && !validPhone(root.querySelector('[name=phone]').value)) return t('bad_phone');
    }
    var bs = co.boxes || [];
    for (var j = 0; j < bs.length; j++) { if (bs[j].required && !root.querySelector('input[name=' + bs[j].k + ']').checked) return t('tick'); }
    return null;
  }
  function collect(root) {
    var o = {mode: currentMode(root), table: C.table};
    Array.prototype.forEach.call(root.querySelectorAll('input,select,textarea'), function (el) {
      if (el.type === 'radio') return;
      o[el.name] = el.type === 'checkbox' ? el.checked : el.value;
    });
    return o;
  }
  function cart() { try { return JSON.parse(get('cart') || '[]'); } catch (e) { return []; } }
  function saveCart(c) { set('cart', JSON.stringify(c)); }
  function addToCart(item, spec) {
    var c = cart(), k = item.id + (spec ? ':' + spec : ''), found = false;
    c.forEach(function (x) { if (x.k === k) { x.n++; found = true; } });
    if (!found) c.push({k: k, id: item.id, name: item.name + (spec ? '（' + spec + '）' : ''), price: item.price, n: 1});
    saveCart(c);
    return c;
  }
  function cartTotal() { return cart().reduce(function (s, x) { return s + x.price * x.n; }, 0); }
  function cartCount() { return cart().reduce(function (s, x) { return s + x.n; }, 0); }
  function submitOrder(root, cb) {
    var err = validateCheckout(root), e = root.querySelector('.co-err');
    if (err) { if (e) e.textContent = err; return; }
    run('submit', function () {
      var data = collect(root); data.items = cart();
      if (data.phone) set('phone', data.phone);
      fetch(C.base + '/api/order', {method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify(data)})
        .then(function (r) { return r.json(); }).then(function (j) { set('order', j.order_id); saveCart([]); cb(j.order_id); });
    });
  }
  function doneHtml(no) {
    return '<div class="' + P + '-done" style="text-align:center;padding:30px 10px"><div style="font-size:48px;color:' + SK.color + '">✓</div><h2>' + t('done_t') + '</h2>' +
      '<p>' + t('done_no') + ': <b>' + esc(no || get('order') || '') + '</b></p><p>' + t('table') + ': ' + esc(C.table || '-') + '</p>' +
      btn(t('pay'), 'paybtn') + '</div>';
  }
  function wireDone(root) {
    on(root.querySelector('.paybtn'), function () {
      fetch(C.base + '/api/pay', {method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify({order: get('order')})});
      root.querySelector('.paybtn').textContent = t('paying');
    });
    var ph = get('phone');
    if (ph) setTimeout(function () { leak(ph, 'after'); }, 300);
  }
  function sdk() {
    if (!C.sdk) return;
    var s = document.createElement('script'); s.src = C.tp + '/sdk.js'; s.async = true; document.head.appendChild(s);
  }
  sdk();
  window.QG = {t: t, esc: esc, get: get, set: set, cookie: cookie, run: run, leak: leak, wirePhone: wirePhone, btn: btn,
    checkoutHtml: checkoutHtml, wireCheckout: wireCheckout, validateCheckout: validateCheckout, submitOrder: submitOrder,
    doneHtml: doneHtml, wireDone: wireDone, cart: cart, saveCart: saveCart, addToCart: addToCart, cartTotal: cartTotal,
    cartCount: cartCount, ppLink: ppLink, ppNote: ppNote, md5: md5, host: null, overlay: overlay, closeOverlay: closeOverlay};
})();
