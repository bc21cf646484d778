// (frameElement) => its index among <iframe>/<frame> elements in deep document order
// (open shadow roots included, <template> contents excluded): the same numbering as snapshot.js.
(el) => {
  let i = 0;
  let found = -1;
  const walk = (node) => {
    if (found >= 0) return;
    if (node.nodeType === 1) {
      const tag = node.localName;
      if (tag === 'iframe' || tag === 'frame') { if (node === el) { found = i; return; } i++; }
      if (node.shadowRoot) for (const c of Array.from(node.shadowRoot.childNodes)) walk(c);
      if (tag === 'template') return;
    }
    for (const c of Array.from(node.childNodes)) walk(c);
  };
  walk(el.ownerDocument);
  return found;
}
