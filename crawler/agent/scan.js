// qraudit page scanner: one pass over a frame's document and its open shadow roots.
// Called as frame.evaluate(SCAN_JS, args) with args = {words: "<regex source>", maxCandidates: N}.
// Returns plain JSON: {url, title, text, viewport, scrollLocked, candidates[], overlays[], fields[],
// checkboxes[], links[], images[], frameBox}.  Every element it reports is stamped with a
// data-qra-id attribute (stable across scans) so the agent can act on it with the CSS selector
// [data-qra-id="N"], which Playwright resolves through open shadow roots.
(args) => {
  const vw = window.innerWidth || document.documentElement.clientWidth || 390;
  const vh = window.innerHeight || document.documentElement.clientHeight || 844;
  const wordRe = args && args.words ? new RegExp(args.words, "i") : null;
  const maxCand = (args && args.maxCandidates) || 400;
  if (!window.__qraN) window.__qraN = 0;
  if (!window.__qraDoc) window.__qraDoc = Math.random().toString(36).slice(2, 10);

  const stamp = (el) => {
    let id = el.getAttribute("data-qra-id");
    if (!id) { id = String(++window.__qraN); el.setAttribute("data-qra-id", id); }
    return id;
  };
  const sel = (el) => '[data-qra-id="' + stamp(el) + '"]';
  const clip = (s, n) => { s = (s || "").replace(/\s+/g, " ").trim(); return s.length > n ? s.slice(0, n) : s; };

  // readable structural path (for humans reading evidence); shadow hosts joined by " "
  const pathOf = (el) => {
    const parts = [];
    let node = el;
    while (node && node.nodeType === 1) {
      let part = node.tagName.toLowerCase();
      if (node.id && /^[A-Za-z][\w-]*$/.test(node.id)) { parts.unshift(part + "#" + node.id); break; }
      const cls = [...node.classList].filter((c) => /^[A-Za-z][\w-]*$/.test(c) && !/^(active|on|checked|selected)$/.test(c)).slice(0, 2);
      if (cls.length) part += "." + cls.join(".");
      const parent = node.parentElement || (node.parentNode && node.parentNode.host ? null : null);
      if (parent) {
        const same = [...parent.children].filter((c) => c.tagName === node.tagName);
        if (same.length > 1) part += ":nth-of-type(" + (same.indexOf(node) + 1) + ")";
      }
      parts.unshift(part);
      if (!node.parentElement) {
        const root = node.getRootNode();
        if (root && root.host) { parts.unshift("/"); node = root.host; continue; }
        break;
      }
      node = node.parentElement;
      if (parts.length > 8) break;
    }
    return parts.join(" > ").replace(/ > \/ > /g, " ");
  };

  // ---- walk every element incl. open shadow roots ----
  const all = [];
  // shadow roots, closed ones too (the instrumentation keeps them): 1 = in an open root, 2 = in a closed one
  const SR = (e) => e.shadowRoot || (typeof window.__qrauditShadow === "function" ? window.__qrauditShadow(e) : null);
  const shadowOf = new WeakMap();
  const walk = (root, inShadow) => {
    const tw = document.createTreeWalker(root, NodeFilter.SHOW_ELEMENT);
    let n = tw.currentNode.nodeType === 1 ? tw.currentNode : tw.nextNode();
    while (n) {
      all.push(n);
      if (inShadow) shadowOf.set(n, inShadow);
      const r = SR(n);
      if (r) walk(r, inShadow === 2 || !n.shadowRoot ? 2 : 1);
      n = tw.nextNode();
    }
  };
  if (document.body) walk(document.body, false);

  const styleCache = new Map();
  const cs = (el) => { let s = styleCache.get(el); if (!s) { s = getComputedStyle(el); styleCache.set(el, s); } return s; };
  const parentOf = (el) => el.parentElement || (el.getRootNode && el.getRootNode().host) || null;

  const isVisible = (el) => {
    const r = el.getBoundingClientRect();
    if (r.width < 2 || r.height < 2) return false;
    if (r.right < 0 || r.left > vw || r.bottom < -vh * 3) return false;
    if (el.checkVisibility && !el.checkVisibility({ opacityProperty: true, visibilityProperty: true })) return false;
    const s = cs(el);
    if (s.visibility === "hidden" || s.display === "none") return false;
    return true;
  };

  // visible text of an element including its open shadow roots
  const deepText = (el, limit) => {
    let out = "";
    const rec = (node) => {
      if (out.length > limit) return;
      if (node.nodeType === 3) { out += node.nodeValue + " "; return; }
      if (node.nodeType !== 1) return;
      const tag = node.tagName;
      if (tag === "SCRIPT" || tag === "STYLE" || tag === "NOSCRIPT" || tag === "TEMPLATE") return;
      const s = cs(node);
      if (s.display === "none" || s.visibility === "hidden") return;
      if (tag === "INPUT" && (node.type === "button" || node.type === "submit")) out += (node.value || "") + " ";
      const sr = SR(node);
      const kids = sr ? sr.childNodes : node.childNodes;
      for (const k of kids) rec(k);
      if (sr) for (const k of node.childNodes) if (k.nodeType === 1 && k.assignedSlot) rec(k);
      if (/^(DIV|P|LI|TR|H\d|SECTION|BUTTON|LABEL|A)$/.test(tag)
          || (tag.includes("-") && /^(block|flex|grid|list-item|table)/.test(s.display))) out += "\n";  // uni-view, taro-view-core
    };
    rec(el);
    return out.replace(/[ \t]+/g, " ").replace(/\s*\n\s*/g, "\n").trim();
  };
  const ownText = (el) => {
    let t = "";
    for (const k of el.childNodes) if (k.nodeType === 3) t += k.nodeValue;
    return t.replace(/\s+/g, " ").trim();
  };

  const box = (el) => { const r = el.getBoundingClientRect(); return { x: Math.round(r.x), y: Math.round(r.y), width: Math.round(r.width), height: Math.round(r.height) }; };
  const zOf = (el) => { const z = parseInt(cs(el).zIndex, 10); return isNaN(z) ? 0 : z; };
  const raisedAncestor = (el) => {
    // nearest fixed/sticky ancestor (or absolute with z-index), incl. self
    let n = el;
    while (n) {
      const p = cs(n).position;
      if (p === "fixed" || p === "sticky") return n;
      n = parentOf(n);
    }
    return null;
  };
  const parseColor = (c) => { const m = (c || "").match(/rgba?\(([^)]+)\)/); if (!m) return null; const p = m[1].split(",").map((x) => parseFloat(x)); return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 }; };
  const lum = (c) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }; return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b); };
  const bgOf = (el) => { let n = el; while (n) { const c = parseColor(cs(n).backgroundColor); if (c && c.a > 0.5) return c; n = parentOf(n); } return { r: 255, g: 255, b: 255, a: 1 }; };
  const contrast = (el) => {
    const fg = parseColor(cs(el).color) || { r: 0, g: 0, b: 0 };
    const bg = bgOf(el);
    const a = lum(fg), b = lum(bg);
    return Math.round(((Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05)) * 10) / 10;
  };
  const bgSaturated = (el) => { const c = parseColor(cs(el).backgroundColor); if (!c || c.a < 0.5) return false; const mx = Math.max(c.r, c.g, c.b), mn = Math.min(c.r, c.g, c.b); return mx - mn > 60 || lum(c) < 0.2; };

  const attrsOf = (el) => {
    const a = {};
    for (const k of ["type", "name", "id", "placeholder", "aria-label", "title", "alt", "role", "href", "src", "required", "aria-required", "disabled", "aria-disabled", "checked", "aria-checked", "autocomplete", "inputmode", "maxlength", "pattern", "class", "onclick", "value", "readonly", "for"]) {
      const v = el.getAttribute(k);
      if (v !== null) a[k] = clip(v, 200);
    }
    return a;
  };

  // ---- overlays ----
  const overlays = [];
  const overlayEls = [];
  const cover = (r) => Math.max(0, Math.min(r.right, vw) - Math.max(r.left, 0)) * Math.max(0, Math.min(r.bottom, vh) - Math.max(r.top, 0)) / (vw * vh);
  const layerCands = [];
  for (const el of all) {
    const tag = el.tagName;
    const s = cs(el);
    const role = (el.getAttribute("role") || "").toLowerCase();
    const modal = el.getAttribute("aria-modal") === "true" || role === "dialog" || role === "alertdialog" || (tag === "DIALOG" && el.open);
    const pos = s.position;
    if (!modal && pos !== "fixed" && !(pos === "absolute" && zOf(el) >= 10)) continue;
    if (!isVisible(el)) continue;
    const r = el.getBoundingClientRect();
    const c = cover(r);
    const bg = parseColor(s.backgroundColor);
    const dim = bg && bg.a > 0.05 && bg.a < 0.97 && lum(bg) < 0.3;
    layerCands.push({ el, modal, c, z: zOf(el), dim, r });
  }
  // outermost only
  const inLayer = (el, set) => { let n = parentOf(el); while (n) { if (set.has(n)) return true; n = parentOf(n); } return false; };
  const layerSet = new Set(layerCands.map((l) => l.el));
  const outer = layerCands.filter((l) => !inLayer(l.el, layerSet));
  const bigDim = outer.filter((l) => l.c >= 0.6 && (l.dim || l.modal));
  for (const l of outer) {
    const txt = deepText(l.el, 4000);
    const hasCtl = l.el.querySelector && l.el.querySelector("input,button,select,textarea,img,canvas,svg,a");
    const bottomBar = l.r.top > vh * 0.7 && l.r.height < vh * 0.3 && !l.modal;
    const topBar = l.r.bottom < vh * 0.2 && !l.modal;
    let isOverlay = false;
    const overBackdrop = bigDim.some((b) => b.el !== l.el && l.z >= b.z && !l.el.contains(b.el));
    if (l.modal) isOverlay = true;
    else if (l.c >= 0.3 && (txt || hasCtl) && (l.z >= 1 || l.dim) && !bottomBar) isOverlay = true;
    else if (!topBar && (txt || hasCtl) && overBackdrop) isOverlay = true;  // a dialog box, or a bottom sheet, over a backdrop
    else if (l.c >= 0.6 && l.dim && !txt) isOverlay = false;  // a bare backdrop: reported with its dialog
    if (!isOverlay) continue;
    // a full-screen fixed app shell (no dim, z<=1, holds most of the page) is not an overlay
    if (!l.modal && !l.dim && l.c >= 0.9 && l.z <= 1 && !bigDim.length) continue;
    overlayEls.push(l.el);
    const backdrop = bigDim.find((b) => b.el !== l.el && l.z >= b.z);
    const imgs = [];
    const inputs = [], buttons = [], links = [];
    const sub = [];
    const walkSub = (root) => { for (const e of root.querySelectorAll("*")) { sub.push(e); const r = SR(e); if (r) walkSub(r); } };
    walkSub(l.el);
    if (SR(l.el)) walkSub(SR(l.el));
    for (const e of sub) {
      if (!isVisible(e)) continue;
      const t = e.tagName;
      if (t === "IMG" || t === "CANVAS" || (t === "svg" && false)) {
        const r = e.getBoundingClientRect();
        imgs.push({ src: clip(t === "IMG" ? e.currentSrc || e.src : "canvas", 300), alt: e.getAttribute("alt") || "", width: Math.round(r.width), height: Math.round(r.height), selector: sel(e), box: box(e) });
      } else if (t === "A") links.push({ selector: sel(e), text: clip(e.innerText, 200), href: e.getAttribute("href") || "" });
    }
    overlays.push({
      selector: sel(l.el), path: pathOf(l.el), tag: l.el.tagName.toLowerCase(), text: txt, box: box(l.el), cover: Math.round(l.c * 100) / 100,
      z: l.z, modal: l.modal, dim: !!l.dim, inShadow: !!shadowOf.get(l.el), closed: shadowOf.get(l.el) === 2, backdrop: backdrop ? sel(backdrop.el) : null,
      backdropBox: backdrop ? box(backdrop.el) : null, images: imgs.slice(0, 20), links: links.slice(0, 30), attrs: attrsOf(l.el),
    });
  }
  const overlayIndexOf = (el) => { let n = el; while (n) { const i = overlayEls.indexOf(n); if (i >= 0) return i; n = parentOf(n); } return -1; };

  // ---- clickable candidates ----
  // A control is what answers a tap: tags and roles that are controls, elements with
  // tap-like listeners (the instrumentation's registry) or an onclick, a pointer cursor,
  // custom elements (uni-app, Taro), words a diner would tap, and icon-only shapes:
  // small inline SVGs, icon-font glyphs (::before content), small images and
  // background-image icons.  Listeners on a container (delegation) make its small
  // icon-like descendants candidates too.
  const candidates = [];
  const seen = new Set();
  const CLICK_TAGS = /^(BUTTON|A|SUMMARY|LABEL)$/;
  const listenersOf = typeof window.__qrauditListeners === "function" ? window.__qrauditListeners : () => [];
  const TAPPY = /^(click|touchstart|touchend|tap|pointerdown|pointerup|mousedown|mouseup)$/;
  const tapsOf = (el) => { try { return listenersOf(el).filter((t) => TAPPY.test(t)); } catch (e) { return []; } };
  // a handler set as a property (el.onclick = fn) is one too: it is no attribute and no addEventListener
  const propTap = (el) => { try { return typeof el.onclick === "function" || typeof el.ontouchend === "function" || typeof el.ontouchstart === "function"; } catch (e) { return false; } };
  const delegators = new Set();
  for (const el of all) { const t = tapsOf(el); if (t.length || propTap(el)) delegators.add(el); }
  const delegatedBy = (el) => { let n = parentOf(el); for (let i = 0; i < 12 && n; i++) { if (delegators.has(n)) return n; n = parentOf(n); } return null; };
  const glyph = (el) => {
    for (const pseudo of ["::before", "::after"]) {
      let c = "";
      try { c = getComputedStyle(el, pseudo).content || ""; } catch (e) { c = ""; }
      if (c && c !== "none" && c !== "normal" && c !== '""' && c !== "''") return c.replace(/^["']|["']$/g, "");
    }
    return "";
  };
  // a shape drawn by CSS on an empty pseudo-element (the two bars of a "+")
  const drawn = (el) => {
    for (const pseudo of ["::before", "::after"]) {
      let p;
      try { p = getComputedStyle(el, pseudo); } catch (e) { continue; }
      if (!p || (p.content !== '""' && p.content !== "''")) continue;
      const fill = parseColor(p.backgroundColor);
      if ((fill && fill.a > 0.5) || (parseFloat(p.borderTopWidth) > 0 && p.borderTopStyle !== "none")) return true;
    }
    return false;
  };
  const bgIcon = (el) => { const b = cs(el).backgroundImage || ""; return b && b !== "none" && /url\(|gradient/.test(b) ? b.slice(0, 120) : ""; };
  const smallBox = (r) => r.width >= 8 && r.height >= 8 && r.width <= 64 && r.height <= 64;
  const looksButton = (el) => {
    const s = cs(el);
    const edged = parseFloat(s.borderTopWidth) > 0 && s.borderTopStyle !== "none" && parseFloat(s.borderTopLeftRadius) > 0;
    const fill = parseColor(s.backgroundColor);
    const p = parentOf(el);
    const own = fill && fill.a > 0.5 && p && JSON.stringify(fill) !== JSON.stringify(bgOf(p));
    return edged || !!own;
  };
  // words alone in a raised layer in the middle of the screen, nothing in or around them answering a
  // tap: a toast ("已加入购物车", "绑定手机号后才能下单哦"), no control
  const toastLike = (el) => {
    const layer = raisedAncestor(el);
    if (!layer || delegatedBy(el)) return false;
    const r = layer.getBoundingClientRect(), cy = r.top + r.height / 2;
    if (cy < vh * 0.2 || cy > vh * 0.75 || r.width > vw * 0.9) return false;
    return deepText(layer, 200).replace(/\s+/g, "") === ownText(el).replace(/\s+/g, "");
  };
  const pushCandidate = (el, why, taps) => {
    seen.add(el);
    const tag = el.tagName;
    const role = (el.getAttribute("role") || "").toLowerCase();
    const text = tag === "INPUT" ? (el.value || "") : clip(deepText(el, 300), 200);
    const img = el.querySelector && el.querySelector("img[alt]");
    const r = el.getBoundingClientRect();
    const disabled = el.disabled === true || el.getAttribute("aria-disabled") === "true" || (tag.includes("-") && el.hasAttribute("disabled")) || /(^|[\s_-])(disabled?|is-disabled)($|[\s_-])/i.test(el.getAttribute("class") || "") || cs(el).pointerEvents === "none";
    let ctx = "", cp = parentOf(el);
    for (let i = 0; i < 5 && cp; i++) { const t = deepText(cp, 400); if (t.length > text.length + 2) { ctx = clip(t, 240); break; } cp = parentOf(cp); }
    const raised = raisedAncestor(el);
    const rb = raised ? raised.getBoundingClientRect() : null;
    const deleg = taps.length ? null : delegatedBy(el);
    candidates.push({
      selector: sel(el), path: pathOf(el), tag: tag.toLowerCase(), text, why,
      aria: el.getAttribute("aria-label") || "", title: el.getAttribute("title") || "", alt: img ? img.getAttribute("alt") : (el.getAttribute("alt") || ""),
      cls: clip(el.getAttribute("class") || "", 120), role, ctx, grp: parentOf(el) ? pathOf(parentOf(el)) : "",
      selected: el.getAttribute("aria-checked") === "true" || el.getAttribute("aria-selected") === "true" || /(^|[\s_-])(active|selected|checked|on|cur|current)($|[\s_-])/i.test(el.getAttribute("class") || "") || !!(el.querySelector && el.querySelector("input:checked")), href: el.getAttribute("href") || "",
      box: box(el), enabled: !disabled, inShadow: !!shadowOf.get(el), closed: shadowOf.get(el) === 2, overlay: overlayIndexOf(el),
      bottomBar: !!(rb && rb.top > vh * 0.6 && rb.height < vh * 0.35), fixed: !!raised,
      hasSvg: !!(tag === "svg" || (el.querySelector && el.querySelector("svg"))), hasImg: !!(tag === "IMG" || (el.querySelector && el.querySelector("img"))),
      glyph: clip(glyph(el), 8), bgIcon: !!bgIcon(el),
      taps, touchOnly: taps.length > 0 && !taps.some((t) => /click|mouse|pointer/.test(t)), delegated: !!deleg,
      contrast: contrast(el), saturated: bgSaturated(el), fontSize: parseFloat(cs(el).fontSize) || 0,
      attrs: attrsOf(el), _el: el,
    });
    return candidates[candidates.length - 1];
  };
  for (const el of all) {
    if (candidates.length >= maxCand) break;
    const tag = el.tagName;
    const role = (el.getAttribute("role") || "").toLowerCase();
    let why = "";
    const taps = tapsOf(el);
    if (CLICK_TAGS.test(tag)) why = tag.toLowerCase();
    else if (tag === "INPUT" && /^(submit|button|image|reset)$/i.test(el.type)) why = "input";
    else if (/^(button|link|tab|menuitem|option|radio)$/.test(role)) why = "role";
    else if (taps.length) why = "listener";
    else if (el.hasAttribute("onclick") || delegators.has(el) || (el.hasAttribute("tabindex") && el.getAttribute("tabindex") !== "-1")) why = "handler";  // (no listener: a property handler)
    else {
      const s = cs(el);
      if (s.cursor === "pointer") {
        const p = parentOf(el);
        if (!p || cs(p).cursor !== "pointer") why = "pointer";
      }
      if (!why && tag.includes("-") && !SR(el) && /button|btn|link|tab|checkbox|radio|switch|stepper/i.test(tag)) why = "custom";
      if (!why && wordRe) {
        const ot = ownText(el);
        if (ot && ot.length <= 14 && wordRe.test(ot)) why = "text";
      }
      // a short word drawn as a button (a border with rounded corners, or a fill of its own) under a
      // container that answers taps for its children (delegation): 选择, 规格, 加购
      if (!why && !el.children.length && delegatedBy(el)) {
        const ot = ownText(el);
        const r = el.getBoundingClientRect();
        if (ot && ot.length <= 4 && !/\d/.test(ot) && r.width <= 160 && r.height <= 60 && looksButton(el)) why = "delegated";
      }
      // (a custom element without a shadow root of its own — uni-view, taro-view-core — is a div or a span)
      if (!why && (tag === "svg" || tag === "IMG" || tag === "I" || tag === "SPAN" || tag === "DIV" || tag === "EM"
                   || (tag.includes("-") && !SR(el)))) {
        const r = el.getBoundingClientRect();
        if (smallBox(r) && !CLICK_TAGS.test((el.parentElement || {}).tagName || "") && !(el.innerText || "").trim().replace(/[+＋\-－]/g, "")) {
          if (tag === "svg") why = "svg";
          else if (tag === "IMG" && !el.getAttribute("alt")) why = "img";
          else if (tag !== "IMG" && !el.querySelector("*") && (glyph(el) || bgIcon(el) || drawn(el))) why = "icon";
          // an empty round or filled shape under a container that answers taps for it (a CSS-drawn stepper)
          else if (tag !== "IMG" && !el.querySelector("*") && delegatedBy(el) && looksButton(el)) why = "icon";
          else if (tag !== "IMG" && el.children.length === 1 && el.firstElementChild.tagName === "svg") why = "icon";
        }
        // a picture of a button in a bar fixed at the bottom (its words drawn in the image: 去结算)
        if (!why && tag === "IMG" && !el.getAttribute("alt") && r.width <= 220 && r.height >= 24 && r.height <= 80) {
          const bar = raisedAncestor(el);
          if (bar && bar.getBoundingClientRect().top > vh * 0.6 && !CLICK_TAGS.test((el.parentElement || {}).tagName || "")) why = "img";
        }
      }
    }
    if (!why) continue;
    if (!isVisible(el)) continue;
    if (seen.has(el)) continue;
    // an svg inside an icon wrapper that is itself a candidate: keep the wrapper
    if (why === "svg" && seen.has(el.parentElement)) continue;
    if (why === "text" && toastLike(el)) continue;
    pushCandidate(el, why, taps);
  }

  const PRICE = /([¥￥$]|HK\$|NT\$|RMB)\s*\d+(\.\d+)?|\d+(\.\d+)?\s*元/g;
  const SYMBOL_PRICE = /([¥￥$]|HK\$|NT\$|RMB)\s*\d+(\.\d+)?/g;
  // prices written with a currency sign; "N元" only where none is (a "3元菜" tag is no price)
  const priceCount = (t) => (t.match(SYMBOL_PRICE) || []).length || (t.match(PRICE) || []).length;
  // ---- strips: a row or column of like siblings that answer taps (category tabs, a sidebar, a carousel) ----
  // Three or more visible siblings of one kind (tag and classes, state classes aside) under one parent,
  // each with a few words, no price and no digits only, answering taps themselves or through a
  // container (delegation, as swipers do).  Each member carries the strip's size; a member that was
  // no candidate (a card whose only listener is its swiper's) becomes one.
  // (a state class, hashed by CSS modules or not — active, CatCard_active__3Gm2c, is-selected — is no kind)
  const kindOf = (el) => el.tagName + "." + [...el.classList].filter((c) => !/(^|[_-])(active|on|selected|cur|current|checked)([_-]|$)/i.test(c)).sort().join(".");
  // (delegators holds every element with a tap listener or a property handler of its own)
  const answersTap = (el) => seen.has(el) || delegators.has(el) || el.hasAttribute("onclick") || cs(el).cursor === "pointer" || !!delegatedBy(el);
  const candOf = new Map(candidates.map((c) => [c._el, c]));
  const byParent = new Map();
  for (const el of all) {
    const p = parentOf(el);
    if (!p || el.tagName === "svg" || el.tagName === "INPUT" || el.tagName === "OPTION") continue;
    const k = kindOf(el);
    if (!byParent.has(p)) byParent.set(p, new Map());
    const m = byParent.get(p);
    if (!m.has(k)) m.set(k, []);
    m.get(k).push(el);
  }
  for (const kinds of byParent.values()) {
    for (const members of kinds.values()) {
      if (members.length < 3 || members.length > 40) continue;
      // the member itself, or the one control it holds (<li><a>热菜</a></li>)
      const target = (el) => { if (answersTap(el)) return el; const inner = [...el.querySelectorAll("*")].filter((d) => seen.has(d)); return inner.length === 1 ? inner[0] : null; };
      const ok = [];
      for (const el of members) {
        const words = deepText(el, 60), t = words.replace(/\s+/g, "");
        // a few words: up to 8 characters of Chinese, up to three words of a Latin script
        const latin = /^[\x00-\x7f]+$/.test(t), nWords = words.trim().split(/\s+/).length;
        if (t.length < 1 || t.length > (latin ? 24 : 8) || (latin && nWords > 3) || /^\d+$/.test(t) || priceCount(t) || !isVisible(el)) continue;
        const tg = target(el);
        if (tg) ok.push(tg);
      }
      if (ok.length < 3) continue;
      for (const el of ok) {
        if (candidates.length >= maxCand) break;
        if (!seen.has(el)) candOf.set(el, pushCandidate(el, "strip", tapsOf(el)));
        const c = candOf.get(el);
        if (c) c.strip = ok.length;
      }
    }
  }

  // ---- menu rows: repeated rows carrying a price and a small control ----
  // Whatever the language or markup: a dish row has one price; its small
  // right-hand control adds the dish (its "+"), or the row itself opens the dish.
  const rowOf = new Map();
  const rowKey = (row) => row.tagName + "." + [...row.classList].filter((c) => !/^(active|on|selected|cur|current)$/.test(c)).slice(0, 3).join(".") + "@" + (row.parentElement ? row.parentElement.tagName : "");
  for (const c of candidates) {
    if (c.why === "strip") continue;  // a strip's member (a dish's tag chips under a delegating list) is no row control
    const el = c._el, b = c.box;
    // a control of row size is its own row when it carries the price (a dish card that answers taps)
    let n = b.height >= 40 && b.width >= vw * 0.4 && c.overlay < 0 ? el : parentOf(el);
    for (let i = 0; i < 7 && n; i++) {
      if (n === document.body || n === document.documentElement) break;
      const rr = n.getBoundingClientRect();
      if (rr.height > vh * 0.5) break;
      const t = deepText(n, 600);
      const k = priceCount(t);
      // one price, or a pair (会员价 ¥76 / 原价 ¥82) on a compact tile
      if (k > 2 || (k === 2 && rr.height > vh * 0.4)) break;
      if (k >= 1 && t.replace(PRICE, "").replace(/[\s+＋\-－×x0-9.,:：/]/g, "").length >= 2) { rowOf.set(c, n); break; }
      n = parentOf(n);
    }
  }
  const rowCounts = new Map();
  for (const row of new Set(rowOf.values())) { const k = rowKey(row); rowCounts.set(k, (rowCounts.get(k) || 0) + 1); }
  const byRow = new Map();
  for (const [c, row] of rowOf) { if (!byRow.has(row)) byRow.set(row, []); byRow.get(row).push(c); }
  let menuRows = 0;
  for (const [row, cs2] of byRow) {
    const repeat = rowCounts.get(rowKey(row)) || 1;
    if (repeat < 2) continue;
    menuRows++;
    const rr = row.getBoundingClientRect();
    const small = cs2.filter((c) => c.box.width <= 64 && c.box.height <= 64 && c.text.replace(/[+＋\-－]/g, "").length <= 3);
    // the small right-hand controls, rightmost first; a wrapper that only holds a control is not one
    const holds = (a, b) => a !== b && a._el.contains(b._el);
    const right = small.filter((c) => c.box.x + c.box.width / 2 > rr.left + rr.width * 0.5 && !small.some((o) => holds(c, o)));
    const answers = (c) => (c.taps.length || /^(button|a|input|label|handler|role|listener|text)$/.test(c.why) ? 1 : 0);
    right.sort((a, b) => (answers(b) - answers(a)) || (b.box.x - a.box.x));
    for (const c of cs2) { c.row = 1; c.rowRepeat = repeat; }
    if (right.length) right[0].rowAdd = 1;  // the rightmost small control: the row's "+"
    for (const c of right.slice(1)) c.rowMinus = 1;
    if (!right.length) {
      // a row with no small control on its right (a thumbnail on the left is none): the row (or its largest control) opens the dish
      const big = cs2.slice().sort((a, b) => b.box.width * b.box.height - a.box.width * a.box.height)[0];
      if (big) big.rowOpen = 1;
    }
  }
  // ---- the main action of its layer, by look and place (what is left when controls have no words) ----
  // A filled control of button size is its layer's primary action; a form's submit button is its
  // form's; a form or layer that offers choices (radios, checkboxes, a select) marks its action as a
  // confirmation of those choices; a control without fill beside a primary one is the secondary
  // action (the way out), as is the only control of a layer.
  const layerOf = (c) => (c.overlay >= 0 ? "o" + c.overlay : "page");
  const byLayer = new Map();
  for (const c of candidates) {
    const el = c._el;
    const form = el.form || (el.closest && el.closest("form"));
    c.formSubmit = !!(form && ((el.tagName === "BUTTON" && (el.getAttribute("type") || "submit").toLowerCase() === "submit") ||
      (el.tagName === "INPUT" && /^(submit|image)$/i.test(el.type))));
    c.primary = !c.row && c.why !== "strip" && !!c.saturated && c.box.width >= 72 && c.box.height >= 28;
    const scope = form || (c.overlay >= 0 ? overlayEls[c.overlay] : null);
    c.choices = !!(scope && scope.querySelector && scope.querySelector("input[type=radio], input[type=checkbox], select, [role=radio], [role=radiogroup]"));
    if (!byLayer.has(layerOf(c))) byLayer.set(layerOf(c), []);
    byLayer.get(layerOf(c)).push(c);
  }
  for (const [k, cs3] of byLayer) {
    const prim = cs3.filter((c) => c.primary);
    for (const c of cs3) {
      if (k !== "page" && cs3.length === 1) c.sole = 1;
      if (prim.length && !c.primary && !c.row) c.secondary = 1;
    }
  }
  for (const c of candidates) delete c._el;

  // ---- the cart as the page shows it: what a dish added changes ----
  // Bottom bars (count, total), digit badges, the quantities shown in menu rows.
  const cartBits = [];
  for (const l of layerCands) {
    if (overlayEls.includes(l.el) || overlayIndexOf(l.el) >= 0) continue;  // a sheet or dialog is no cart bar
    if (l.r.top > vh * 0.55 && l.r.height < vh * 0.4) cartBits.push("bar:" + clip(deepText(l.el, 300), 200));
  }
  for (const el of all) {
    if (cartBits.length > 80) break;
    if (el.children.length) continue;
    const t = (el.textContent || "").trim();
    if (!/^\d{1,3}$/.test(t)) continue;
    const r = el.getBoundingClientRect();
    if (r.width < 1 || r.width > 40 || r.height > 40) continue;
    if (!isVisible(el)) continue;
    cartBits.push("n:" + t);
  }
  cartBits.sort();

  // ---- form fields ----
  const labelFor = (el) => {
    const out = [];
    if (el.id) {
      const root = el.getRootNode();
      const l = root.querySelector && root.querySelector('label[for="' + CSS.escape(el.id) + '"]');
      if (l) out.push(deepText(l, 200));
    }
    const anc = el.closest && el.closest("label");
    if (anc) out.push(deepText(anc, 200));
    const al = el.getAttribute("aria-label"); if (al) out.push(al);
    const lb = el.getAttribute("aria-labelledby");
    if (lb) { const r = el.getRootNode(); for (const id of lb.split(/\s+/)) { const e = r.getElementById ? r.getElementById(id) : null; if (e) out.push(deepText(e, 200)); } }
    // preceding text in the same row: previous sibling, else a short parent text
    // (controls are not labels: a lone input beside its 确定 button is not labelled 确定)
    if (out.length === 0) {
      const CONTROL = "button, a, [role=button], input, select, textarea, [onclick]";
      let prev = el.previousElementSibling;
      while (prev && (!isVisible(prev) || (prev.matches && prev.matches(CONTROL)))) prev = prev.previousElementSibling;
      const pt = prev ? deepText(prev, 100) : "";
      if (pt && pt.length <= 30) out.push(pt);
      else {
        const p = parentOf(el);
        let t = p ? deepText(p, 100) : "";
        if (p && p.querySelectorAll) for (const c of p.querySelectorAll(CONTROL)) { const ct = deepText(c, 100); if (ct) t = t.replace(ct, ""); }
        t = t.trim();
        if (t && t.length <= 30) out.push(t);
      }
    }
    return clip(out.join(" "), 300);
  };
  const fields = [];
  for (const el of all) {
    const tag = el.tagName;
    if (!(tag === "INPUT" || tag === "SELECT" || tag === "TEXTAREA")) continue;
    const type = (el.getAttribute("type") || (tag === "INPUT" ? "text" : tag.toLowerCase())).toLowerCase();
    if (/^(hidden|submit|button|image|reset|checkbox|radio|file)$/.test(type)) continue;
    if (!isVisible(el)) continue;
    const label = labelFor(el);
    // nearby text (row) for asterisks / 必填 / 选填
    let row = parentOf(el); let rowText = "";
    for (let i = 0; i < 3 && row; i++) { const t = deepText(row, 400); if (t.length > 200) break; rowText = t; row = parentOf(row); }
    const req = [], opt = [];
    if (el.required) req.push("required-attr");
    if (el.getAttribute("aria-required") === "true") req.push("aria-required");
    if (/[*＊]/.test(label) || /[*＊]/.test(rowText)) req.push("asterisk");
    const wordsOf = label + " " + rowText + " " + (el.placeholder || "");
    const forDelivery = /(外卖|外賣|外送|配送|送餐|delivery)[^,，。;；]{0,4}(必填|必須|必须|required)|required for delivery/i;
    if (forDelivery.test(wordsOf)) req.push("required-for-delivery");
    else if (/必填|必須|必须|required/i.test(wordsOf)) req.push("text-必填");
    if (/选填|選填|非必填|可不填|可选|可選|optional/i.test(label + " " + rowText + " " + (el.placeholder || ""))) {
      if (/可不填/.test(el.placeholder || "")) opt.push("placeholder-可不填");
      if (/optional/i.test(label + rowText + (el.placeholder || ""))) opt.push("text-optional");
      if (/选填|選填|非必填|可选|可選/.test(label + rowText + (el.placeholder || ""))) opt.push("text-选填");
    }
    let valueMissing = false;
    try { valueMissing = !!(el.validity && el.validity.valueMissing); } catch (e) { /* */ }
    fields.push({
      selector: sel(el), path: pathOf(el), tag: tag.toLowerCase(), type, name: el.getAttribute("name") || "", id: el.id || "",
      label, placeholder: el.getAttribute("placeholder") || "", rowText: clip(rowText, 300), value: tag === "SELECT" ? "" : clip(el.value, 100),
      required: req, optional: opt, valueMissing, readonly: !!el.readOnly, disabled: !!el.disabled,
      inputmode: el.getAttribute("inputmode") || "", maxlength: el.getAttribute("maxlength") || "", pattern: el.getAttribute("pattern") || "",
      autocomplete: el.getAttribute("autocomplete") || "",
      options: tag === "SELECT" ? [...el.options].map((o) => clip(o.text, 50)).slice(0, 30) : [],
      box: box(el), inShadow: !!shadowOf.get(el), closed: shadowOf.get(el) === 2, overlay: overlayIndexOf(el), attrs: attrsOf(el),
    });
  }

  // ---- checkboxes (real and styled) ----
  const checkboxes = [];
  const cbSeen = new Set();
  for (const el of all) {
    const tag = el.tagName;
    const role = (el.getAttribute("role") || "").toLowerCase();
    const cls = el.getAttribute("class") || "";
    let kind = "";
    if (tag === "INPUT" && el.type === "checkbox") kind = "input";
    else if (role === "checkbox" || role === "switch") kind = "role";
    else if (/(^|[\s_-])(checkbox|check-box|agree-?box|switch|toggle)($|[\s_-])/i.test(cls) && !el.querySelector("input[type=checkbox],[role=checkbox]")) kind = "styled";
    if (!kind) continue;
    // a hidden native checkbox styled by its label still counts when the label is visible
    const lab = el.closest("label") || (el.id && el.getRootNode().querySelector ? el.getRootNode().querySelector('label[for="' + CSS.escape(el.id) + '"]') : null);
    const vis = isVisible(el) || (lab && isVisible(lab));
    if (!vis) continue;
    let checked;
    if (kind === "input") checked = !!el.checked;
    else if (el.hasAttribute("aria-checked")) checked = el.getAttribute("aria-checked") === "true";
    else checked = /(^|[\s_-])(checked|is-checked|active|on|selected)($|[\s_-])/i.test(cls);
    let labelEl = lab || parentOf(el);
    let labelText = labelEl ? deepText(labelEl, 500) : "";
    if (labelEl && labelText.length < 2 && parentOf(labelEl)) { labelEl = parentOf(labelEl); labelText = deepText(labelEl, 500); }
    const links = [];
    if (labelEl) for (const a of labelEl.querySelectorAll("a, [role=link], span, em")) { const t = clip(a.innerText, 60); if (a.tagName === "A" || /《.*》|policy|privacy|协议|政策|條款|条款/.test(t)) if (t) links.push(t); }
    const m = labelText.match(/《[^》]{1,30}》/g); if (m) for (const x of m) if (!links.includes(x)) links.push(x);
    if (cbSeen.has(el)) continue;
    cbSeen.add(el);
    checkboxes.push({ selector: sel(el), path: pathOf(el), tag: tag.toLowerCase(), kind, checked, label: clip(labelText, 500), links: [...new Set(links)].slice(0, 10),
      labelSelector: lab ? sel(lab) : null, required: el.required ? ["required-attr"] : [], box: box(lab && !isVisible(el) ? lab : el), overlay: overlayIndexOf(el), inShadow: !!shadowOf.get(el), closed: shadowOf.get(el) === 2, attrs: attrsOf(el) });
  }

  // ---- links and page text ----
  const links = [];
  for (const el of all) {
    if (el.tagName !== "A" || links.length >= 200) continue;
    if (!isVisible(el)) continue;
    links.push({ text: clip(el.innerText || el.getAttribute("aria-label") || "", 120), href: el.href || el.getAttribute("href") || "" });
  }
  const images = [];
  for (const el of all) {
    if (images.length >= 60) break;
    if (el.tagName !== "IMG" && el.tagName !== "CANVAS") continue;
    if (!isVisible(el)) continue;
    const r = el.getBoundingClientRect();
    images.push({ src: clip(el.tagName === "IMG" ? el.currentSrc || el.src : "canvas", 300), alt: el.getAttribute("alt") || "", width: Math.round(r.width), height: Math.round(r.height), selector: sel(el), overlay: overlayIndexOf(el) });
  }
  const text = document.body ? deepText(document.body, 20000) : "";
  const html = document.documentElement, body = document.body;
  const ovf = (e) => (e ? cs(e).overflow + " " + cs(e).overflowY : "");
  const scrollLocked = /hidden/.test(ovf(html) + " " + ovf(body)) || (body && cs(body).position === "fixed");
  const scrollable = html.scrollHeight > vh + 20;
  return {
    url: location.href, title: document.title || "", text, viewport: { width: vw, height: vh }, scrollLocked, scrollable,
    scrollY: Math.round(window.scrollY), scrollHeight: html.scrollHeight,
    candidates, overlays, fields, checkboxes, links, images, nodes: all.length, menuRows, cart: cartBits.join("|"),
    readyState: document.readyState, doc: window.__qraDoc,
    flashes: typeof window.__qrauditFlashes === "function" ? window.__qrauditFlashes() : [],
  };
}
