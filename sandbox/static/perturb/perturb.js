/* Sandbox perturbations (sandbox/perturb.py): ONE markup transform applied to the live DOM.
   Served inline at the top of every HTML response of a perturbed sandbox (this file, then
   "(CFG);" and a sourceURL comment naming it qp-perturb.js), so it runs before any script of
   the page, in every frame.  CFG = {t: transform name, ...transform data}.

   The page's own scripts must keep working, so lookups made BY THE PAGE (its selectors, ids,
   classes) are translated or pierce the wrappers; the same APIs called by anything else (an
   auditor's evaluate) behave natively, which is how a real page built that way would look. */
(function (CFG) {
  'use strict';
  if (window.__qpInstalled) return;
  try { Object.defineProperty(window, '__qpInstalled', {value: CFG.t}); } catch (e) { return; }
  var T = CFG.t;
  var OWN = 'qp-perturb.js';

  // ---- natives, taken before anything is patched ------------------------------------------
  var EP = EventTarget.prototype, NP = Node.prototype, EL = Element.prototype, DP = Document.prototype,
    FP = DocumentFragment.prototype, SRP = ShadowRoot.prototype, HP = HTMLElement.prototype;
  var nAdd = EP.addEventListener, nRemove = EP.removeEventListener;
  var nCreate = DP.createElement, nSetAttr = EL.setAttribute, nGetAttr = EL.getAttribute,
    nRemoveAttr = EL.removeAttribute, nHasAttr = EL.hasAttribute, nAttach = EL.attachShadow,
    nMatches = EL.matches, nClosest = EL.closest;
  var nInsertBefore = NP.insertBefore, nAppend = NP.appendChild, nRemoveChild = NP.removeChild,
    nReplaceChild = NP.replaceChild;
  var nQS = {d: DP.querySelector, e: EL.querySelector, f: FP.querySelector};
  var nQSA = {d: DP.querySelectorAll, e: EL.querySelectorAll, f: FP.querySelectorAll};
  var MO = window.MutationObserver;
  var later = window.setTimeout;

  function kind(node) { return node.nodeType === 9 ? 'd' : node.nodeType === 11 ? 'f' : 'e'; }
  function qsa(node, sel) { return nQSA[kind(node)].call(node, sel); }
  function isEl(x) { return x && x.nodeType === 1; }

  function patchMethod(proto, name, make) {
    var orig = proto && proto[name];
    if (typeof orig !== 'function') return;
    try { Object.defineProperty(proto, name, {value: make(orig), configurable: true, writable: true, enumerable: true}); } catch (e) { /* ignore */ }
  }
  function patchAccessor(proto, name, makeGet, makeSet) {
    var d = proto && Object.getOwnPropertyDescriptor(proto, name);
    if (!d || !d.configurable) return;
    try {
      Object.defineProperty(proto, name, {configurable: true, enumerable: d.enumerable,
        get: makeGet && d.get ? makeGet(d.get) : d.get, set: makeSet && d.set ? makeSet(d.set) : d.set});
    } catch (e) { /* ignore */ }
  }
  function addSheetRule(css) {
    // a stylesheet for the document and, through attachShadow below, for every shadow root
    var sh = new CSSStyleSheet();
    sh.replaceSync(css);
    SHEETS.push(sh);
    try { document.adoptedStyleSheets = document.adoptedStyleSheets.concat([sh]); } catch (e) { /* ignore */ }
  }
  var SHEETS = [];

  // ---- who is calling? ---------------------------------------------------------------------
  // A call made by the page's own scripts has a stack frame of an http(s) script right above
  // ours; an evaluate() of a test or an auditor has none.
  function fromPage() {
    var st = String(new Error().stack || '').split('\n');
    for (var i = 1; i < st.length; i++) {
      var l = st[i];
      if (l.indexOf(OWN) >= 0 || !/^\s*at /.test(l)) continue;
      return /https?:\/\//.test(l);
    }
    return false;
  }

  // ---- the DOM walk: every tree (document and shadow roots) is observed ---------------------
  var H = {el: null, text: null, attr: null, removed: null, attrNames: null};   // the transform's hooks
  var observed = new WeakSet();
  function observe(root) {
    if (observed.has(root)) return;
    observed.add(root);
    var opts = {childList: true, subtree: true};
    if (H.text) opts.characterData = true;
    if (H.attr) { opts.attributes = true; opts.attributeFilter = H.attrNames; }
    new MO(onRecords).observe(root, opts);
    processTree(root);
  }
  function onRecords(recs) {
    for (var i = 0; i < recs.length; i++) {
      var r = recs[i];
      if (r.type === 'childList') {
        for (var j = 0; j < r.addedNodes.length; j++) if (r.addedNodes[j].isConnected) processTree(r.addedNodes[j], r);
        if (H.removed && r.removedNodes.length) H.removed(r);
      } else if (r.type === 'characterData') {
        if (H.text && r.target.isConnected) H.text(r.target);
      } else if (H.attr && r.target.isConnected) {
        H.attr(r.target, r.attributeName);
      }
    }
  }
  function processTree(node, rec) {
    if (node.nodeType === 3) { if (H.text) H.text(node); return; }
    if (node.nodeType !== 1 && node.nodeType !== 11 && node.nodeType !== 9) return;
    var list = node.nodeType === 1 ? [node] : [];
    var tw = document.createTreeWalker(node, NodeFilter.SHOW_ELEMENT | NodeFilter.SHOW_TEXT);
    var n;
    while ((n = tw.nextNode())) list.push(n);
    for (var i = 0; i < list.length; i++) {
      n = list[i];
      if (!n.isConnected) continue;
      if (n.nodeType === 3) { if (H.text) H.text(n); } else if (H.el) H.el(n, rec);
    }
  }
  patchMethod(EL, 'attachShadow', function (orig) {
    return function attachShadow(init) {
      var root = orig.apply(this, arguments);
      try { if (SHEETS.length) root.adoptedStyleSheets = root.adoptedStyleSheets.concat(SHEETS); } catch (e) { /* ignore */ }
      observe(root);
      return root;
    };
  });

  // ---- page listeners ------------------------------------------------------------------------
  var clickEls = new WeakSet();      // elements the page gave a click handler
  var recorded = new WeakMap();      // target -> [[type, fn, opts]] (div_buttons moves them)
  var onAdd = null, onRemove = null; // transform hooks: return true when they handled the call
  patchMethod(EP, 'addEventListener', function (orig) {
    return function addEventListener(type, fn, opts) {
      // only the page's own listeners are transformed (not those of a test or an auditor)
      var page = fn && (type === 'click' || onAdd) ? fromPage() : false;
      if (page && isEl(this) && type === 'click') {
        clickEls.add(this);
        var self = this;
        if (H.el) Promise.resolve().then(function () { if (self.isConnected) H.el(self); });
      }
      if (onAdd && page && onAdd(this, type, fn, opts)) return undefined;
      return orig.call(this, type, fn, opts);
    };
  });
  patchMethod(EP, 'removeEventListener', function (orig) {
    return function removeEventListener(type, fn, opts) {
      if (onRemove && fn && fromPage() && onRemove(this, type, fn, opts)) return undefined;
      return orig.call(this, type, fn, opts);
    };
  });
  function callListener(fn, self, ev) { return typeof fn === 'function' ? fn.call(self, ev) : fn && fn.handleEvent && fn.handleEvent(ev); }

  // ---- what counts as a control ------------------------------------------------------------
  function isField(n) {
    if (!isEl(n)) return false;
    var t = n.localName;
    return t === 'select' || t === 'textarea' || t === 'label' || t === 'option' ||
      (t === 'input' && !/^(submit|button|reset|image)$/i.test(n.type));
  }
  function isInfoLink(a) { return /privacy|policy|agreement|^tel:|^mailto:/i.test(nGetAttr.call(a, 'href') || ''); }
  function pointer(el) { try { return getComputedStyle(el).cursor === 'pointer'; } catch (e) { return false; } }
  function isControl(el) {
    var t = el.localName;
    if (t === 'button') return true;
    if (t === 'input') return /^(submit|button|reset|image)$/i.test(el.type);
    if (t === 'a') return nHasAttr.call(el, 'href') && !isInfoLink(el);
    var role = nGetAttr.call(el, 'role');
    if (role === 'button' || role === 'link') return true;
    if (nHasAttr.call(el, 'onclick')) return true;
    if (clickEls.has(el) && pointer(el)) return true;
    return false;
  }
  var CONTROL_SEL = 'button,input,select,textarea,a[href],[role=button]';

  // ==== transforms ============================================================================

  // ---- icons: controls lose their text and accessible name; a glyph says what they do -----
  function setupIcons() {
    var P = {
      plus: '<path d="M12 5v14M5 12h14"/>',
      cart: '<path d="M3 4h2l2.4 10.2a1 1 0 0 0 1 .8h8.9a1 1 0 0 0 1-.8L20 7H6.2"/><circle cx="9" cy="19" r="1.4"/><circle cx="17" cy="19" r="1.4"/>',
      check: '<path d="M5 12.5l4.5 4.5L19 7.5"/>',
      close: '<path d="M6 6l12 12M18 6L6 18"/>',
      next: '<path d="M5 12h14M13 6l6 6-6 6"/>',
      back: '<path d="M19 12H5M11 6l-6 6 6 6"/>',
      spec: '<path d="M4 7h16M4 12h16M4 17h16"/>',
      retry: '<path d="M20 12a8 8 0 1 1-2.3-5.7M20 4v5h-5"/>',
      code: '<path d="M4 6h16v12H4zM4 7l8 6 8-6"/>',
      user: '<circle cx="12" cy="8" r="4"/><path d="M4 20c1.5-4 4.5-6 8-6s6.5 2 8 6"/>',
      pay: '<path d="M3 7h18v10H3zM3 11h18"/>',
      scan: '<path d="M4 8V4h4M16 4h4v4M20 16v4h-4M8 20H4v-4M4 12h16"/>',
      dot: '<circle cx="12" cy="12" r="3"/>'
    };
    var RULES = [
      ['close', /暂不|暫不|跳过|跳過|取消|关闭|關閉|不同意|以后|以後|[×✕]|not now|no thanks|decline|close|skip|later|cancel/i],
      ['back', /返回|继续点餐|繼續點餐|back/i],
      ['retry', /重新|retry|try again/i],
      ['code', /验证码|驗證碼|get code/i],
      ['user', /授权|授權|authori[sz]e/i],
      ['cart', /购物车|購物車|cart|选好了|選好了/i],
      ['check', /立即加入|确定|確定|同意|关注|關注|登录|登入|开卡|開卡|领取|領取|\bok\b|confirm|accept|agree|join|sign in|follow|claim/i],
      ['plus', /加入|加购|加購|^\s*\+\s*$|add/i],
      ['spec', /规格|規格|size|options/i],
      ['pay', /支付|付款|pay/i],
      ['next', /结算|結算|結帳|结帐|下一步|提交|送出|下单|下單|checkout|next|submit|place order|去/i],
      ['scan', /扫一扫|掃一掃|scan/i]
    ];
    function glyph(label) {
      for (var i = 0; i < RULES.length; i++) if (RULES[i][1].test(label)) return RULES[i][0];
      return 'dot';
    }
    function svg(name) {
      return '<svg data-qp-icon="' + name + '" viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false" ' +
        'style="vertical-align:middle;pointer-events:none" fill="none" stroke="currentColor" stroke-width="2.2" stroke-linecap="round" stroke-linejoin="round">' + P[name] + '</svg>';
    }
    var NUMERIC = /^[\s\d¥￥$.,:()（）\/·+\-]*$/;
    var icons = new WeakMap();   // control -> glyph name
    var busy = false;
    function controlOf(n) {
      while (n && n.nodeType === 1) { if (icons.has(n)) return n; n = n.parentNode; }
      return null;
    }
    function iconify(el) {
      if (busy) return;
      busy = true;
      try {
        var name = icons.get(el);
        if (!name) {
          var label = (el.textContent || '') + ' ' + (el.localName === 'input' ? el.value || '' : '') + ' ' +
            (nGetAttr.call(el, 'aria-label') || '') + ' ' + (nGetAttr.call(el, 'title') || '');
          name = glyph(label);
          icons.set(el, name);
        }
        ['aria-label', 'title', 'aria-labelledby', 'aria-describedby'].forEach(function (a) { if (nHasAttr.call(el, a)) nRemoveAttr.call(el, a); });
        if (el.localName === 'input') {
          if (el.value) el.value = '';
          if (nHasAttr.call(el, 'value')) nSetAttr.call(el, 'value', '');
          if (nHasAttr.call(el, 'alt')) nRemoveAttr.call(el, 'alt');
          if (!el.style.backgroundImage) {
            var data = 'data:image/svg+xml,' + encodeURIComponent(svg(name).replace('stroke="currentColor"', 'stroke="#fff"').replace('<svg ', '<svg xmlns="http://www.w3.org/2000/svg" '));
            el.style.backgroundImage = 'url("' + data + '")';
            el.style.backgroundRepeat = 'no-repeat';
            el.style.backgroundPosition = 'center';
            el.style.backgroundSize = '20px 20px';
            el.style.minWidth = '40px';
            el.style.minHeight = '32px';
          }
          return;
        }
        var tw = document.createTreeWalker(el, NodeFilter.SHOW_TEXT | NodeFilter.SHOW_ELEMENT);
        var n, drop = [];
        while ((n = tw.nextNode())) {
          if (n.nodeType === 3) { if (n.nodeValue && !(NUMERIC.test(n.nodeValue) && /\d/.test(n.nodeValue))) drop.push(n); }
          else if (n.localName === 'img' && nHasAttr.call(n, 'alt')) nRemoveAttr.call(n, 'alt');
        }
        drop.forEach(function (t) { if (t.parentNode) nRemoveChild.call(t.parentNode, t); });
        if (!nQS.e.call(el, 'svg')) {
          var tmp = nCreate.call(document, 'div');
          tmp.innerHTML = svg(name);
          nInsertBefore.call(el, tmp.firstChild, el.firstChild);
        }
      } finally { busy = false; }
    }
    function consider(el) {
      if (icons.has(el)) { iconify(el); return; }
      if (!isControl(el)) return;
      if (nQS.e.call(el, CONTROL_SEL) && el.localName !== 'label') return;   // a container, not a control
      if ((el.textContent || '').trim().length > 40) return;
      iconify(el);
    }
    H.el = function (el) {
      if (el.namespaceURI !== 'http://www.w3.org/1999/xhtml') return;
      var c = controlOf(el.parentNode);
      if (c) { iconify(c); return; }
      consider(el);
    };
    H.text = function (t) { var c = controlOf(t.parentNode); if (c) iconify(c); };
    H.attr = function (el, name) { if (icons.has(el)) iconify(el); else if (name === 'role' || name === 'onclick' || name === 'href') consider(el); };
    H.attrNames = ['aria-label', 'title', 'value', 'role', 'onclick', 'href'];
  }

  // ---- hashed_classes: every class and id hashed; CSS rewritten; the page's lookups translated --
  var HASHED = /^_[0-9a-z]{7}$/;
  function hname(name) {
    if (!name || HASHED.test(name)) return name;
    var h = 0x811c9dc5, s = 'qp:' + name;
    for (var i = 0; i < s.length; i++) { h ^= s.charCodeAt(i); h = Math.imul(h, 0x01000193); }
    var out = (h >>> 0).toString(36);
    while (out.length < 7) out = '0' + out;
    return '_' + out;
  }
  function htokens(v) { return String(v).split(/\s+/).filter(Boolean).map(hname).join(' '); }
  function hsel(sel) {
    sel = String(sel);
    var out = '', i = 0, n = sel.length, m;
    while (i < n) {
      var c = sel[i];
      if (c === '"' || c === "'") { var j = sel.indexOf(c, i + 1); if (j < 0) j = n - 1; out += sel.slice(i, j + 1); i = j + 1; continue; }
      if (c === '[') {
        var k = i + 1, q = '';
        while (k < n) { var ch = sel[k]; if (q) { if (ch === q) q = ''; } else if (ch === '"' || ch === "'") q = ch; else if (ch === ']') break; k++; }
        out += sel.slice(i, k + 1); i = k + 1; continue;
      }
      if (c === '\\') { out += sel.substr(i, 2); i += 2; continue; }
      if ((c === '.' || c === '#') && (m = /^-?[_a-zA-Z][-\w]*/.exec(sel.slice(i + 1)))) { out += c + hname(m[0]); i += 1 + m[0].length; continue; }
      out += c; i++;
    }
    return out;
  }
  function skipCssString(css, i) { var q = css[i], j = i + 1; while (j < css.length && css[j] !== q) { if (css[j] === '\\') j++; j++; } return j + 1; }
  function braceEnd(css, open) {
    var depth = 0, i = open;
    while (i < css.length) {
      var c = css[i];
      if (c === '/' && css[i + 1] === '*') { var e = css.indexOf('*/', i + 2); i = e < 0 ? css.length : e + 2; continue; }
      if (c === '"' || c === "'") { i = skipCssString(css, i); continue; }
      if (c === '{') depth++;
      else if (c === '}') { depth--; if (depth === 0) return i; }
      i++;
    }
    return css.length - 1;
  }
  function hcss(css) {
    css = String(css);
    var out = '', i = 0, n = css.length, start = 0;
    while (i < n) {
      var c = css[i];
      if (c === '/' && css[i + 1] === '*') { var e = css.indexOf('*/', i + 2); i = e < 0 ? n : e + 2; continue; }
      if (c === '"' || c === "'") { i = skipCssString(css, i); continue; }
      if (c === ';') { out += css.slice(start, i + 1); i++; start = i; continue; }
      if (c === '}') { out += css.slice(start, i + 1); i++; start = i; continue; }
      if (c === '{') {
        var prelude = css.slice(start, i), end = braceEnd(css, i), body = css.slice(i + 1, end);
        if (/^\s*@/.test(prelude)) {
          out += prelude + '{' + (/^\s*@(media|supports|layer|container|document)/i.test(prelude) ? hcss(body) : body) + '}';
        } else {
          out += hsel(prelude) + '{' + body + '}';
        }
        i = end + 1; start = i; continue;
      }
      i++;
    }
    return out + css.slice(start);
  }
  function hattrs(attrs) {
    return attrs.replace(/(\s)(class|id)(\s*=\s*)(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))/gi, function (m, sp, name, eq, dq, sq, uq) {
      var v = dq != null ? dq : sq != null ? sq : uq;
      var hv = name.toLowerCase() === 'class' ? htokens(v) : hname(v.trim());
      var q = sq != null ? "'" : '"';
      return sp + name + eq + q + hv + q;
    });
  }
  function hhtml(html) {
    html = String(html);
    if (!/\b(class|id)\s*=|<style/i.test(html)) return html;
    return html.replace(/<style\b([^>]*)>([\s\S]*?)<\/style>|<([a-zA-Z][\w:-]*)(\s[^<>]*?)?(\/?)>/g, function (m, sattr, css, tag, attrs, slash) {
      if (css !== undefined) return '<style' + hattrs(sattr || '') + '>' + hcss(css) + '</style>';
      if (!attrs) return m;
      return '<' + tag + hattrs(attrs) + (slash || '') + '>';
    });
  }
  function setupHashed() {
    var classLists = new WeakSet();
    var TEXT = Object.getOwnPropertyDescriptor(NP, 'textContent');
    // writes: always hashed
    patchAccessor(EL, 'className', null, function (set) { return function (v) { set.call(this, htokens(v)); }; });
    patchAccessor(EL, 'id', null, function (set) { return function (v) { set.call(this, hname(String(v))); }; });
    patchMethod(EL, 'setAttribute', function (orig) {
      return function setAttribute(name, v) {
        var l = String(name).toLowerCase();
        if (l === 'class') v = htokens(v); else if (l === 'id') v = hname(String(v));
        return orig.call(this, name, v);
      };
    });
    var htmlSetter = function (set) {
      return function (v) { set.call(this, this.localName === 'style' ? hcss(v) : this.localName === 'script' ? v : hhtml(v)); };
    };
    patchAccessor(EL, 'innerHTML', null, htmlSetter);
    patchAccessor(SRP, 'innerHTML', null, function (set) { return function (v) { set.call(this, hhtml(v)); }; });
    patchAccessor(EL, 'outerHTML', null, function (set) { return function (v) { set.call(this, hhtml(v)); }; });
    patchMethod(EL, 'insertAdjacentHTML', function (orig) { return function insertAdjacentHTML(pos, html) { return orig.call(this, pos, hhtml(html)); }; });
    patchAccessor(NP, 'textContent', null, function (set) {
      return function (v) { set.call(this, this.localName === 'style' && v != null ? hcss(v) : v); };
    });
    patchAccessor(EL, 'classList', function (get) { return function () { var l = get.call(this); classLists.add(l); return l; }; });
    var DTL = DOMTokenList.prototype;
    ['add', 'remove', 'toggle', 'replace'].forEach(function (name) {
      patchMethod(DTL, name, function (orig) {
        return function () {
          var a = Array.prototype.slice.call(arguments);
          if (classLists.has(this)) a = a.map(function (x, i) { return name === 'toggle' && i === 1 ? x : hname(String(x)); });
          return orig.apply(this, a);
        };
      });
    });
    // lookups: translated when the page's own scripts ask
    patchMethod(DTL, 'contains', function (orig) {
      return function contains(x) { return orig.call(this, classLists.has(this) && fromPage() ? hname(String(x)) : x); };
    });
    [DP, EL, FP].forEach(function (proto) {
      ['querySelector', 'querySelectorAll'].forEach(function (name) {
        patchMethod(proto, name, function (orig) { return function (sel) { return orig.call(this, fromPage() ? hsel(sel) : sel); }; });
      });
    });
    ['matches', 'closest', 'webkitMatchesSelector'].forEach(function (name) {
      patchMethod(EL, name, function (orig) { return function (sel) { return orig.call(this, fromPage() ? hsel(sel) : sel); }; });
    });
    [DP, FP].forEach(function (proto) {
      patchMethod(proto, 'getElementById', function (orig) { return function getElementById(id) { return orig.call(this, fromPage() ? hname(String(id)) : id); }; });
    });
    [DP, EL].forEach(function (proto) {
      patchMethod(proto, 'getElementsByClassName', function (orig) { return function getElementsByClassName(n) { return orig.call(this, fromPage() ? htokens(n) : n); }; });
    });
    // whatever still arrives unhashed (parser, other APIs) is hashed when it lands
    function fix(el) {
      var c = nGetAttr.call(el, 'class');
      if (c && htokens(c) !== c.trim().split(/\s+/).join(' ')) nSetAttr.call(el, 'class', htokens(c));
      var id = nGetAttr.call(el, 'id');
      if (id && !HASHED.test(id)) nSetAttr.call(el, 'id', hname(id));
      if (el.localName === 'style') {
        var css = TEXT.get.call(el), h = hcss(css);
        if (h !== css) TEXT.set.call(el, h);
      }
    }
    H.el = fix;
    H.attr = function (el) { fix(el); };
    H.attrNames = ['class', 'id'];
    H.text = function (t) { var p = t.parentNode; if (p && p.localName === 'style') fix(p); };
  }

  // ---- div_buttons: button/a/input[type=submit] become div/span/<x-tap> with the same handlers --
  function setupDivButtons() {
    var fwd = new WeakMap(), converted = new WeakSet();
    addSheetRule(':where([data-qp-was=button],[data-qp-was=input]){display:inline-block;cursor:pointer;user-select:none}' +
      ':where([data-qp-was=a]){cursor:pointer}');
    function guard(nu, fn) {
      var g = function (e) { if (nHasAttr.call(nu, 'data-qp-disabled')) return undefined; return callListener(fn, this, e); };
      g.__qpOf = fn;
      return g;
    }
    onAdd = function (target, type, fn, opts) {
      var t = fwd.get(target) || target;
      if (isEl(t)) {
        var list = recorded.get(t) || [];
        list.push([type, fn, opts]);
        recorded.set(t, list);
      }
      if (t !== target || converted.has(t)) {
        nAdd.call(t, type, converted.has(t) && type === 'click' ? guard(t, fn) : fn, opts);
        return true;
      }
      return false;
    };
    function convert(el) {
      var parent = el.parentNode;
      if (!parent) return;
      var tag = el.localName, form = el.form || nClosest.call(el, 'form'), type = '', nu;
      if (tag === 'a') nu = nCreate.call(document, 'span');
      else {
        type = (tag === 'button' ? (nGetAttr.call(el, 'type') || 'submit') : el.type).toLowerCase();
        nu = nCreate.call(document, type === 'submit' && form ? 'x-tap' : 'div');
      }
      var skip = {type: 1, href: 1, target: 1, value: 1, disabled: 1, form: 1, formaction: 1, formmethod: 1, rel: 1, download: 1};
      for (var i = 0; i < el.attributes.length; i++) {
        var a = el.attributes[i];
        if (!skip[a.name]) nSetAttr.call(nu, a.name, a.value);
      }
      nSetAttr.call(nu, 'data-qp-was', tag);
      if (tag === 'a') {
        nSetAttr.call(nu, 'data-qp-href', nGetAttr.call(el, 'href'));
        if (nGetAttr.call(el, 'target')) nSetAttr.call(nu, 'data-qp-target', nGetAttr.call(el, 'target'));
      } else {
        if (type === 'submit' && form) nSetAttr.call(nu, 'data-qp-submit', '');
        if (type === 'reset' && form) nSetAttr.call(nu, 'data-qp-reset', '');
        if (el.disabled) nSetAttr.call(nu, 'data-qp-disabled', '');
      }
      if (tag === 'input') nu.textContent = el.value || '';
      else while (el.firstChild) nAppend.call(nu, el.firstChild);
      Object.defineProperty(nu, 'disabled', {configurable: true, get: function () { return nHasAttr.call(nu, 'data-qp-disabled'); },
        set: function (v) { if (v) nSetAttr.call(nu, 'data-qp-disabled', ''); else nRemoveAttr.call(nu, 'data-qp-disabled'); }});
      converted.add(nu);
      fwd.set(el, nu);
      (recorded.get(el) || []).forEach(function (r) { nAdd.call(nu, r[0], r[0] === 'click' ? guard(nu, r[1]) : r[1], r[2]); });
      recorded.set(nu, recorded.get(el) || []);
      if (typeof el.onclick === 'function') nu.onclick = el.onclick;
      if (clickEls.has(el)) clickEls.add(nu);
      // what the replaced element did by default (follow the link, submit / reset its form) is now a
      // click handler of its own, run once the click has gone through (unless a handler prevented it)
      if (tag === 'a' || (form && (type === 'submit' || type === 'reset'))) nAdd.call(nu, 'click', defaultAction);
      nReplaceChild.call(parent, nu, el);
    }
    var acted = new WeakSet();
    function defaultAction(e) {
      var n = this;
      if (acted.has(e)) return;   // the innermost replaced element acts
      acted.add(e);
      later(function () {
        if (e.defaultPrevented || nHasAttr.call(n, 'data-qp-disabled')) return;
        var href = nGetAttr.call(n, 'data-qp-href');
        if (href != null) {
          if ((nGetAttr.call(n, 'data-qp-target') || '').toLowerCase() === '_blank') window.open(href, '_blank');
          else if (/^javascript:/i.test(href)) location.href = href;
          else location.assign(new URL(href, document.baseURI).href);
          return;
        }
        var form = nClosest.call(n, 'form');
        if (form && nHasAttr.call(n, 'data-qp-submit')) { if (form.requestSubmit) form.requestSubmit(); else form.submit(); }
        else if (form && nHasAttr.call(n, 'data-qp-reset')) form.reset();
      }, 0);
    }
    H.el = function (el) {
      var t = el.localName;
      if (t === 'button' || (t === 'a' && nHasAttr.call(el, 'href')) ||
          (t === 'input' && /^(submit|button|reset|image)$/i.test(el.type))) convert(el);
    };
  }

  // ---- touch_only: click handlers answer touchend; a mouse click on a control does nothing ---
  function setupTouchOnly() {
    var wrapped = new WeakMap(), lastTouch = -1e9;
    function wrap(fn) {
      var w = wrapped.get(fn);
      if (w) return w;
      w = function (e) {
        var r = callListener(fn, this, e);
        var t = e.composedPath ? e.composedPath()[0] : e.target;
        if (e.cancelable && !isField(t)) e.preventDefault();   // handled: no click after the tap
        return r;
      };
      wrapped.set(fn, w);
      return w;
    }
    onAdd = function (target, type, fn, opts) {
      if (type !== 'click') return false;
      nAdd.call(target, 'touchend', wrap(fn), opts);
      return true;
    };
    onRemove = function (target, type, fn, opts) {
      if (type !== 'click') return false;
      if (wrapped.get(fn)) nRemove.call(target, 'touchend', wrapped.get(fn), opts);
      return true;
    };
    var props = new WeakMap();
    [HP, DP].forEach(function (obj) {
      if (!Object.getOwnPropertyDescriptor(obj, 'onclick')) return;
      try {
        Object.defineProperty(obj, 'onclick', {configurable: true, enumerable: true,
          get: function () { return props.get(this) || null; },
          set: function (fn) {
            var old = props.get(this);
            if (old) nRemove.call(this, 'touchend', wrap(old));
            if (typeof fn === 'function') { props.set(this, fn); nAdd.call(this, 'touchend', wrap(fn)); } else props.delete(this);
          }});
      } catch (e) { /* ignore */ }
    });
    H.el = function (el) {
      if (nHasAttr.call(el, 'onclick')) {
        var code = nGetAttr.call(el, 'onclick');
        nRemoveAttr.call(el, 'onclick');
        try { el.onclick = new Function('event', code); } catch (e) { /* ignore */ }
      }
    };
    nAdd.call(window, 'touchend', function () { lastTouch = performance.now(); }, true);
    nAdd.call(window, 'click', function (e) {
      var caps = e.sourceCapabilities;
      if ((caps && caps.firesTouchEvents) || performance.now() - lastTouch < 800) return;   // the click a tap makes
      var path = e.composedPath();
      for (var i = 0; i < path.length; i++) {
        var n = path[i];
        if (!isEl(n)) continue;
        if (isField(n)) return;
        var t = n.localName;
        if ((t === 'a' && nHasAttr.call(n, 'href')) || t === 'button' || t === 'summary' ||
            (t === 'input' && /^(submit|button|reset|image)$/i.test(n.type))) {
          e.preventDefault(); e.stopPropagation(); return;
        }
      }
    }, true);
  }

  // ---- delegated: one click listener on the document dispatches by target ------------------
  function setupDelegated() {
    var reg = new WeakMap(), props = new WeakMap();
    function entries(node) { var l = reg.get(node); if (!l) { l = []; reg.set(node, l); } return l; }
    function capOf(opts) { return typeof opts === 'boolean' ? opts : !!(opts && opts.capture); }
    onAdd = function (target, type, fn, opts) {
      if (type !== 'click' || !isEl(target)) return false;
      var cap = capOf(opts), l = entries(target);
      for (var i = 0; i < l.length; i++) if (l[i].fn === fn && l[i].cap === cap) return true;
      l.push({fn: fn, cap: cap, once: !!(opts && opts.once)});
      return true;
    };
    onRemove = function (target, type, fn, opts) {
      if (type !== 'click' || !isEl(target)) return false;
      var l = reg.get(target) || [], cap = capOf(opts);
      for (var i = 0; i < l.length; i++) if (l[i].fn === fn && l[i].cap === cap) { l.splice(i, 1); break; }
      return true;
    };
    var d = Object.getOwnPropertyDescriptor(HP, 'onclick');
    if (d) {
      Object.defineProperty(HP, 'onclick', {configurable: true, enumerable: true,
        get: function () { return props.get(this) || null; },
        set: function (fn) {
          var old = props.get(this);
          if (old) onRemove(this, 'click', old, false);
          if (typeof fn === 'function') { props.set(this, fn); onAdd(this, 'click', fn, false); } else props.delete(this);
        }});
    }
    H.el = function (el) {
      if (nHasAttr.call(el, 'onclick')) {
        var code = nGetAttr.call(el, 'onclick');
        nRemoveAttr.call(el, 'onclick');
        try { el.onclick = new Function('event', code); } catch (e) { /* ignore */ }
      }
    };
    function inTreeOf(root, node) {   // is node a shadow-including inclusive descendant of root?
      while (node) { if (node === root) return true; node = node.parentNode || node.host || null; }
      return false;
    }
    function retarget(a, node) {
      for (;;) {
        var r = a.getRootNode();
        if (!(r instanceof ShadowRoot) || inTreeOf(r, node)) return a;
        a = r.host;
      }
    }
    function view(e, node, target, state) {
      return new Proxy(e, {get: function (t, k) {
        if (k === 'currentTarget') return node;
        if (k === 'target' || k === 'srcElement') return target;
        if (k === 'stopPropagation') return function () { state.stop = true; t.stopPropagation(); };
        if (k === 'stopImmediatePropagation') return function () { state.stop = state.now = true; t.stopImmediatePropagation(); };
        var v = Reflect.get(t, k, t);
        return typeof v === 'function' ? v.bind(t) : v;
      }});
    }
    function dispatch(e, capture) {
      var path = e.composedPath(), state = {stop: false, now: false};
      var nodes = [];
      for (var i = 0; i < path.length; i++) if (isEl(path[i]) && reg.has(path[i])) nodes.push(path[i]);
      if (capture) nodes.reverse();
      for (var j = 0; j < nodes.length && !state.stop; j++) {
        var node = nodes[j], l = (reg.get(node) || []).filter(function (x) { return x.cap === capture; });
        var target = retarget(path[0], node);
        for (var k = 0; k < l.length && !state.now; k++) {
          if (l[k].once) onRemove(node, 'click', l[k].fn, capture);
          callListener(l[k].fn, node, view(e, node, target, state));
        }
      }
    }
    nAdd.call(document, 'click', function (e) { dispatch(e, true); }, true);
    nAdd.call(document, 'click', function (e) { dispatch(e, false); }, false);
  }

  // ---- zh_hant / english: the visible text translated by a table --------------------------
  function setupText() {
    var W = CFG.words, EN = T === 'english';
    function esc(s) { return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'); }
    function alt(keys) { return keys.length ? new RegExp(keys.sort(function (a, b) { return b.length - a.length; }).map(esc).join('|'), 'g') : null; }
    var KEEP = alt(W.keep.slice()), PH1 = alt(Object.keys(W.phrases1)), PH2 = alt(Object.keys(W.phrases2));
    var HAN = /[\u3400-\u9fff\uf900-\ufaff]/g;
    function seg(s) {
      if (PH1) s = s.replace(PH1, function (m) { return W.phrases1[m]; });
      s = s.replace(HAN, function (c) { return W.chars1[c] || c; });
      if (!EN) return s;
      if (PH2) s = s.replace(PH2, function (m) { return '\u0001' + W.phrases2[m] + '\u0001'; });
      s = s.replace(/[，。：；！？（）《》「」“”、…【】]/g, function (c) { return W.punct[c]; });
      s = s.replace(/\u0001+/g, '\u0001').replace(/(^|[\s(“\/])\u0001/g, '$1').replace(/\u0001(?=$|[\s).,:;!?”\/])/g, '')
        .replace(/\u0001/g, ' ').replace(/ {2,}/g, ' ');
      return s;
    }
    function conv(s) {
      if (!s || !/[\u3400-\u9fff\uf900-\ufaff，。：；！？（）《》「」“”、…【】]/.test(s)) return s;
      var alone = s.trim();
      if (alone.length === 1 && W.initials && W.initials[alone]) return s.replace(alone, W.initials[alone]);
      var kept = [], s2 = KEEP ? s.replace(KEEP, function (m) { kept.push(m); return '\u0001' + String.fromCharCode(0xE000 + kept.length - 1) + '\u0001'; }) : s;
      var out = seg(s2).replace(/[\ue000-\uf8ff]/g, function (c) { return kept[c.charCodeAt(0) - 0xE000]; });
      if (!/^\s/.test(s)) out = out.replace(/^\s+/, '');
      if (!/\s$/.test(s)) out = out.replace(/\s+$/, '');
      return out;
    }
    var SKIP = {script: 1, style: 1, textarea: 1, noscript: 1, template: 1};
    var ATTRS = ['placeholder', 'title', 'alt', 'aria-label'];
    H.text = function (t) {
      var p = t.parentNode;
      if (p && p.nodeType === 1 && SKIP[p.localName]) return;
      var v = t.nodeValue, c = conv(v);
      if (c !== v) t.nodeValue = c;
    };
    H.el = function (el) {
      for (var i = 0; i < ATTRS.length; i++) {
        var v = nGetAttr.call(el, ATTRS[i]);
        if (v) { var c = conv(v); if (c !== v) nSetAttr.call(el, ATTRS[i], c); }
      }
      if (el.localName === 'input' && /^(submit|button|reset)$/i.test(el.type) && el.value) {
        var cv = conv(el.value);
        if (cv !== el.value) el.value = cv;
      }
      if (el.localName === 'html' && nGetAttr.call(el, 'lang') !== W.lang) nSetAttr.call(el, 'lang', W.lang);
    };
    H.attr = function (el) { H.el(el); };
    H.attrNames = ATTRS.concat(['value', 'lang']);
    ['alert', 'confirm', 'prompt'].forEach(function (name) {
      var orig = window[name];
      if (typeof orig === 'function') window[name] = function (msg) { var a = Array.prototype.slice.call(arguments); if (a.length) a[0] = conv(String(msg)); return orig.apply(window, a); };
    });
  }

  // ---- shadow_wrap: page parts moved into open shadow roots; the page's lookups pierce them -----
  var ourRoots = new WeakSet();
  function setupShadowWrap() {
    var docSheet = new CSSStyleSheet(), ownSheets = new WeakMap();
    function cssOf(list) {
      var out = [];
      for (var i = 0; i < list.length; i++) { try { var rs = list[i].cssRules; for (var j = 0; j < rs.length; j++) out.push(rs[j].cssText); } catch (e) { /* ignore */ } }
      return out.join('\n');
    }
    var docCss = null;
    function refreshDoc() { var c = cssOf(document.styleSheets); if (c !== docCss) { docCss = c; try { docSheet.replaceSync(c); } catch (e) { /* ignore */ } } }
    function sheetsFor(root) {
      if (root === document) { refreshDoc(); return [docSheet]; }
      var own = ownSheets.get(root);
      if (!own) { own = {sheet: new CSSStyleSheet(), css: null}; ownSheets.set(root, own); }
      var c = cssOf(root.styleSheets);
      if (c !== own.css) { own.css = c; try { own.sheet.replaceSync(c); } catch (e) { /* ignore */ } }
      var base = Array.prototype.slice.call(root.adoptedStyleSheets || []).filter(function (s) { return SHEETS.indexOf(s) < 0 && s !== own.sheet; });
      return base.concat([own.sheet]);
    }
    function wrap(el) {
      var parent = el.parentNode;
      if (!parent) return;
      var outer = el.getRootNode();
      var host = nCreate.call(document, 'x-part');
      nSetAttr.call(host, 'style', 'display:contents');
      var root = nAttach.call(host, {mode: 'open'});
      ourRoots.add(root);
      root.adoptedStyleSheets = sheetsFor(outer);
      nInsertBefore.call(parent, host, el);
      nAppend.call(root, el);
      observe(root);
    }
    var NOWRAP = {script: 1, style: 1, link: 1, meta: 1, template: 1, noscript: 1, 'x-part': 1, title: 1, base: 1};
    function wrappable(el) {
      if (NOWRAP[el.localName] || ourRoots.has(el.parentNode)) return false;
      var C = el.constructor;   // a defined custom element with lifecycle callbacks would run them again when moved
      if (C && C !== HTMLElement && C.prototype && (C.prototype.connectedCallback || C.prototype.disconnectedCallback) && customElements.get(el.localName)) return false;
      return true;
    }
    H.el = function (el) {
      if (el.namespaceURI !== 'http://www.w3.org/1999/xhtml' || !wrappable(el)) return;
      if (el.localName === 'style') return;
      if (el.parentNode === document.body) { wrap(el); return; }
      if (el.localName === 'form') { wrap(el); return; }
      if (isControl(el) && !nClosest.call(el, 'form,label')) wrap(el);
    };
    H.removed = function (r) {
      var t = r.target;
      if (ourRoots.has(t) && !t.childNodes.length && t.host.parentNode) nRemoveChild.call(t.host.parentNode, t.host);
      if (t === document.head || (r.removedNodes[0] && r.removedNodes[0].localName === 'style')) refreshDoc();
    };
    var deep = installDeepLookups();
    deep.enabled = true;
  }

  // lookups that see through our wrappers (for the page's own scripts)
  function installDeepLookups() {
    var st = {enabled: false};
    function splitTop(s, sepRe) {
      var out = [], cur = '', depth = 0, q = '';
      for (var i = 0; i < s.length; i++) {
        var c = s[i];
        if (q) { cur += c; if (c === q) q = ''; continue; }
        if (c === '"' || c === "'") { q = c; cur += c; continue; }
        if (c === '(' || c === '[') depth++;
        if (c === ')' || c === ']') depth--;
        if (!depth && sepRe.test(c)) { out.push(cur); out.push(c); cur = ''; continue; }
        cur += c;
      }
      out.push(cur);
      return out;
    }
    function parse(sel) {
      return splitTop(String(sel), /,/).filter(function (x, i) { return i % 2 === 0; }).map(function (group) {
        var g = group.trim().replace(/\s+/g, ' ').replace(/\s*([>+~])\s*/g, '$1');
        var toks = splitTop(g, /[ >+~]/), comps = [], combs = [];
        for (var i = 0; i < toks.length; i += 2) { comps.push(toks[i]); if (i + 1 < toks.length) combs.push(toks[i + 1]); }
        return {comps: comps, combs: combs};
      });
    }
    function up(el) {
      var p = el.parentNode;
      while (p && ourRoots.has(p)) p = p.host.parentNode;
      return p && p.nodeType === 1 ? p : null;
    }
    function prevSib(el) {
      var s = el.previousElementSibling;
      if (s) return s;
      var p = el.parentNode;
      if (p && ourRoots.has(p)) return prevSib(p.host);
      return null;
    }
    function matchUp(el, p, i) {
      if (i < 0) return true;
      var comb = p.combs[i], n;
      if (comb === '>') { n = up(el); return !!n && nMatches.call(n, p.comps[i]) && matchUp(n, p, i - 1); }
      if (comb === '+') { n = prevSib(el); return !!n && nMatches.call(n, p.comps[i]) && matchUp(n, p, i - 1); }
      if (comb === '~') { n = prevSib(el); while (n) { if (nMatches.call(n, p.comps[i]) && matchUp(n, p, i - 1)) return true; n = prevSib(n); } return false; }
      n = up(el);
      while (n) { if (nMatches.call(n, p.comps[i]) && matchUp(n, p, i - 1)) return true; n = up(n); }
      return false;
    }
    function matchesDeep(el, parsed) {
      for (var i = 0; i < parsed.length; i++) {
        var p = parsed[i];
        if (!p.comps.length) continue;
        try { if (nMatches.call(el, p.comps[p.comps.length - 1]) && matchUp(el, p, p.comps.length - 2)) return true; } catch (e) { return false; }
      }
      return false;
    }
    function hasOurs(scope) {
      var hosts = qsa(scope, 'x-part');
      for (var i = 0; i < hosts.length; i++) if (hosts[i].shadowRoot && ourRoots.has(hosts[i].shadowRoot)) return true;
      return false;
    }
    function walk(scope, fn) {
      var kids = scope.children || scope.childNodes;
      for (var i = 0; i < kids.length; i++) {
        var k = kids[i];
        if (k.nodeType !== 1) continue;
        if (fn(k) === false) return false;
        if (walk(k, fn) === false) return false;
        if (k.shadowRoot && ourRoots.has(k.shadowRoot) && walk(k.shadowRoot, fn) === false) return false;
      }
      return true;
    }
    function deepAll(scope, sel, first) {
      var parsed = parse(String(sel)), out = [];
      walk(scope, function (el) { if (matchesDeep(el, parsed)) { out.push(el); if (first) return false; } return true; });
      return out;
    }
    function active(self) { return st.enabled && fromPage() && hasOurs(self); }
    [DP, EL, FP].forEach(function (proto) {
      patchMethod(proto, 'querySelector', function (orig) {
        return function querySelector(sel) { return active(this) ? (deepAll(this, sel, true)[0] || null) : orig.call(this, sel); };
      });
      patchMethod(proto, 'querySelectorAll', function (orig) {
        return function querySelectorAll(sel) {
          if (!active(this)) return orig.call(this, sel);
          var r = deepAll(this, sel, false);
          r.item = function (i) { return r[i] || null; };
          return r;
        };
      });
    });
    [DP, FP].forEach(function (proto) {
      patchMethod(proto, 'getElementById', function (orig) {
        return function getElementById(id) {
          var r = orig.call(this, id);
          if (r || !active(this)) return r;
          return deepAll(this, '[id="' + String(id).replace(/["\\]/g, '\\$&') + '"]', true)[0] || null;
        };
      });
    });
    patchMethod(EL, 'closest', function (orig) {
      return function closest(sel) {
        var r = orig.call(this, sel);
        if (r || !st.enabled || !fromPage()) return r;
        var parsed = parse(String(sel)), n = this;
        while (n) { if (matchesDeep(n, parsed)) return n; n = up(n); }
        return null;
      };
    });
    return st;
  }

  // ---- slow: every insertion shows up a few hundred ms late ----------------------------------
  function setupSlow() {
    var DELAY = CFG.delay_ms || 300;
    addSheetRule('[data-qp-pending]{display:none!important}');
    var NOHIDE = {script: 1, style: 1, link: 1, meta: 1, title: 1, base: 1, template: 1, head: 1, html: 1, body: 1, noscript: 1};
    H.el = function (el, rec) {
      if (!rec || NOHIDE[el.localName] || nHasAttr.call(el, 'data-qp-pending')) return;
      var inHead = document.head && document.head.contains(el);
      if (inHead) return;
      var added = false;
      for (var i = 0; i < rec.addedNodes.length; i++) if (rec.addedNodes[i] === el) added = true;
      if (!added) return;   // only the top of an inserted subtree
      nSetAttr.call(el, 'data-qp-pending', '');
      later(function () { nRemoveAttr.call(el, 'data-qp-pending'); }, DELAY);
    };
  }

  // ==== go ======================================================================================
  var SETUP = {icons: setupIcons, hashed_classes: setupHashed, div_buttons: setupDivButtons, touch_only: setupTouchOnly,
    delegated: setupDelegated, zh_hant: setupText, english: setupText, shadow_wrap: setupShadowWrap, slow: setupSlow};
  if (SETUP[T]) SETUP[T]();
  if (H.el || H.text || H.attr || H.removed) observe(document);
})
