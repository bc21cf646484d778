// qraudit snapshot of ONE frame, evaluated as a function: (opts) => result.
// opts: {html: bool, maxHtml: int, maxText: int, maxLinks: int, storage: bool}
// result: {html, truncated, text, links: [{text, href}], title, url, storage}
// Shadow roots are walked (inline <template shadowrootmode="open|closed"> in the HTML; closed
// roots are known from the instrumentation, which keeps them when the page attaches them);
// <iframe>/<frame> elements get data-qraudit-frame="<index in deep document order>"
// so the caller can inline the child frame's own snapshot.
(opts) => {
  const res = { html: '', truncated: false, text: '', links: [], title: '', url: location.href, storage: {} };
  try { res.title = document.title || ''; } catch (e) { /* ignore */ }
  const VOID = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'source', 'track', 'wbr', 'param', 'keygen']);
  const RAW = new Set(['script', 'style']);
  const escT = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const escA = (s) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;');
  const SR = (e) => e.shadowRoot || (typeof window.__qrauditShadow === 'function' ? window.__qrauditShadow(e) : null);

  // ---- HTML -----------------------------------------------------------------
  if (opts.html) {
    const out = [];
    let len = 0;
    let frameIdx = 0;
    const push = (s) => {
      if (res.truncated) return false;
      if (len + s.length > opts.maxHtml) { res.truncated = true; return false; }
      out.push(s); len += s.length; return true;
    };
    const attrs = (el, tag) => {
      let s = '';
      const skip = new Set();
      if (tag === 'input') skip.add('value').add('checked');
      if (tag === 'option') skip.add('selected');
      for (const a of Array.from(el.attributes)) {
        if (skip.has(a.name)) continue;
        const name = a.name === 'srcdoc' ? 'data-qraudit-srcdoc' : a.name;
        s += ' ' + name + '="' + escA(a.value) + '"';
      }
      if (tag === 'input') {
        const t = (el.type || '').toLowerCase();
        if (t !== 'password' && t !== 'file' && el.value) s += ' value="' + escA(String(el.value)) + '"';
        if (el.checked) s += ' checked=""';
      }
      if (tag === 'option' && el.selected) s += ' selected=""';
      return s;
    };
    // Elements whose subtree needs the slow walk: shadow hosts and their ancestors
    // (across shadow boundaries), and anything holding frames, form controls or scripts.
    // Every other subtree is serialised natively (outerHTML), which is much faster.
    const slow = new Set();
    const markHosts = (root) => {
      for (const el of root.querySelectorAll('*')) {
        if (SR(el)) {
          let n = el;
          while (n && !slow.has(n)) { slow.add(n); n = n.parentNode instanceof ShadowRoot ? n.parentNode.host : n.parentElement; }
          markHosts(SR(el));
        }
      }
    };
    try { markHosts(document); } catch (e) { /* ignore */ }
    const SPECIAL = 'iframe,frame,input,textarea,select,option,script';
    const fast = (el) => !slow.has(el) && !el.matches(SPECIAL) && !el.querySelector(SPECIAL);
    const walk = (node, inTemplate) => {
      if (res.truncated) return;
      const t = node.nodeType;
      if (t === 1) {
        const tag = node.localName;
        if (tag !== 'template' && fast(node)) {
          const h = node.outerHTML;
          if (len + h.length <= opts.maxHtml) { push(h); return; }
          // too big as a whole: walk it, so what fits is kept
        }
        let a = attrs(node, tag);
        if (tag === 'script') {
          const ty = node.getAttribute('type');
          a = a.replace(/ type="[^"]*"/, '') + ' type="qraudit/disabled"' + (ty ? ' data-qraudit-type="' + escA(ty) + '"' : '');
        }
        if (!inTemplate && (tag === 'iframe' || tag === 'frame')) a += ' data-qraudit-frame="' + (frameIdx++) + '"';
        if (!push('<' + tag + a + '>')) return;
        if (VOID.has(tag)) return;
        const sr = SR(node);
        if (sr) {
          push('<template shadowrootmode="' + sr.mode + '">');
          for (const c of Array.from(sr.childNodes)) walk(c, inTemplate);
          push('</template>');
        }
        if (tag === 'template' && node.content) {
          for (const c of Array.from(node.content.childNodes)) walk(c, true);
        } else if (RAW.has(tag)) {
          let s = node.textContent || '';
          if (s.length > 4000) s = s.slice(0, 4000) + '\n/* qraudit: truncated */';
          push(s.replace(/<\/(script|style)/gi, '<\\/$1'));
        } else if (tag === 'textarea') {
          push(escT(String(node.value || '')));
        } else {
          for (const c of Array.from(node.childNodes)) { walk(c, inTemplate); if (res.truncated) break; }
        }
        push('</' + tag + '>');
      } else if (t === 3) {
        push(escT(node.data));
      } else if (t === 8) {
        push('<!--' + node.data.replace(/--/g, '- -') + '-->');
      } else if (t === 10) {
        push('<!DOCTYPE ' + (node.name || 'html') + '>');
      }
    };
    try {
      for (const c of Array.from(document.childNodes)) walk(c, false);
    } catch (e) { push('<!-- qraudit: serialisation error ' + escT(String(e)) + ' -->'); }
    res.html = out.join('');
  }

  // ---- visible text and links -----------------------------------------------
  const SKIP = new Set(['script', 'style', 'noscript', 'template', 'head', 'title', 'meta', 'link']);
  const TEXTY = new Set(['text', 'tel', 'number', 'email', 'search', 'url', 'password', '']);
  const parts = [];
  let tlen = 0;
  const add = (s) => { if (tlen < opts.maxText) { parts.push(s); tlen += s.length; } };
  const visible = (el, cs) => {
    if (cs.display === 'contents') return true;
    if (cs.display === 'none' || cs.visibility === 'hidden' || cs.visibility === 'collapse') return false;
    if (parseFloat(cs.opacity) === 0) return false;
    if (el.checkVisibility) {
      try { return el.checkVisibility({ opacityProperty: true, visibilityProperty: true, checkOpacity: true, checkVisibilityCSS: true }); } catch (e) { /* ignore */ }
    }
    return el.getClientRects().length > 0;
  };
  const collapse = (s) => s.replace(/\s+/g, ' ').trim();
  const walkText = (node) => {
    if (tlen >= opts.maxText) return;
    const t = node.nodeType;
    if (t === 3) {
      const s = node.data.replace(/\s+/g, ' ');
      if (s.trim()) add(s);
      return;
    }
    if (t === 11) { for (const c of Array.from(node.childNodes)) walkText(c); return; }
    if (t !== 1) return;
    const tag = node.localName;
    if (SKIP.has(tag)) return;
    let cs;
    try { cs = getComputedStyle(node); } catch (e) { return; }
    if (!visible(node, cs)) return;
    const block = !(cs.display || '').startsWith('inline') && cs.display !== 'contents';
    if (block) add('\n');
    if (tag === 'a' && node.href && res.links.length < opts.maxLinks) {
      res.links.push({ text: collapse(node.textContent || '').slice(0, 200) || (node.getAttribute('aria-label') || node.title || ''), href: String(node.href) });
    }
    if (tag === 'input') {
      const ty = (node.type || '').toLowerCase();
      if (['button', 'submit', 'reset'].includes(ty)) add(' ' + (node.value || '') + ' ');
      else if (TEXTY.has(ty)) add(' ' + (node.value && ty !== 'password' ? node.value : (node.placeholder || '')) + ' ');
    } else if (tag === 'textarea') {
      add(' ' + (node.value || node.placeholder || '') + ' ');
    } else if (tag === 'img') {
      // images carry no text
    } else if (tag === 'slot') {
      const assigned = node.assignedNodes({ flatten: true });
      for (const c of (assigned.length ? assigned : Array.from(node.childNodes))) walkText(c);
    } else if (SR(node)) {
      walkText(SR(node));
    } else {
      for (const c of Array.from(node.childNodes)) walkText(c);
    }
    if (block) add('\n');
  };
  try { if (document.body || document.documentElement) walkText(document.body || document.documentElement); } catch (e) { /* ignore */ }
  res.text = parts.join('').split('\n').map((l) => l.replace(/[ \t]+/g, ' ').trim()).filter(Boolean).join('\n').slice(0, opts.maxText);

  // ---- storage ----------------------------------------------------------------
  if (opts.storage) {
    try {
      for (let i = 0; i < localStorage.length && i < 500; i++) {
        const k = localStorage.key(i);
        res.storage[k] = String(localStorage.getItem(k)).slice(0, 4000);
      }
    } catch (e) { /* ignore: opaque origin */ }
  }
  return res;
}
