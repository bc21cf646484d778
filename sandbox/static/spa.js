/* Vendor style "hash_spa" (扫扫点 SaoSao): one page, hash routes #/menu #/cart #/checkout #/done,
   clickable <div>s with click handlers instead of buttons, an icon-only cart. */
(function () {
  var C = window.QA, M = C.menu || [];
  var EN = C.lang === 'en';
  var W = EN ? {add: '+', spec: 'Options', ok: 'Confirm', pick: 'Checkout', cart: 'Cart', next: 'Checkout', submit: C.submit || 'Place order',
    empty: 'Your cart is empty', total: 'Total', back: 'Back to menu', added: 'Added', menu: 'Menu', table: 'Table'} :
    {add: '+', spec: '选规格', ok: '确定', pick: '选好了', cart: '购物车', next: '去结算', submit: C.submit || '确认下单',
      empty: '购物车是空的', total: '合计', back: '返回菜单', added: '已加入购物车', menu: '点菜', table: '桌号'};
  var app = document.getElementById('app');
  var esc = QG.esc;
  function el(html) { var d = document.createElement('div'); d.innerHTML = html; return d.firstElementChild; }
  function clickable(node, fn) { node.style.cursor = 'pointer'; node.addEventListener('click', fn); }
  function badge() { var b = document.querySelector('.hs-badge'); if (b) { var n = QG.cartCount(); b.textContent = n; b.style.display = n ? 'block' : 'none'; } }
  function toast(msg) {
    var t = el('<div class="hs-toast">' + esc(msg) + '</div>'); document.body.appendChild(t);
    setTimeout(function () { if (t.parentNode) t.parentNode.removeChild(t); }, 900);
  }
  function header() {
    return '<div class="hs-head"><div class="hs-title">' + esc(C.name) + '<div class="hs-sub">' + W.table + ' ' + esc(C.table || '-') + '</div></div>' +
      '<div class="hs-carticon" aria-label="' + W.cart + '" role="link"><svg viewBox="0 0 24 24" width="26" height="26" aria-hidden="true"><path d="M3 4h2l2.4 10.2a1 1 0 0 0 1 .8h8.9a1 1 0 0 0 1-.8L20 7H6.2" fill="none" stroke="#fff" stroke-width="2"/><circle cx="9" cy="19" r="1.6" fill="#fff"/><circle cx="17" cy="19" r="1.6" fill="#fff"/></svg><span class="hs-badge"></span></div></div>';
  }
  function add(item, spec) {
    QG.run('add', function () { QG.addToCart(item, spec); badge(); toast(W.added); });
  }
  function specSheet(item) {
    var sh = el('<div class="hs-sheetmask"><div class="hs-sheet"><div class="hs-sheet-t">' + esc(item.name) + ' · ' + W.spec + '</div>' +
      item.spec.map(function (s, i) { return '<div class="hs-opt' + (i === 0 ? ' on' : '') + '" data-s="' + esc(s) + '">' + esc(s) + '</div>'; }).join('') +
      '<div class="hs-primary hs-okspec">' + W.ok + '</div></div></div>');
    document.body.appendChild(sh);
    var chosen = item.spec[0];
    Array.prototype.forEach.call(sh.querySelectorAll('.hs-opt'), function (o) {
      clickable(o, function () {
        Array.prototype.forEach.call(sh.querySelectorAll('.hs-opt'), function (x) { x.classList.remove('on'); });
        o.classList.add('on'); chosen = o.getAttribute('data-s');
      });
    });
    clickable(sh.querySelector('.hs-okspec'), function () { sh.parentNode.removeChild(sh); add(item, chosen); });
    sh.addEventListener('click', function (e) { if (e.target === sh) sh.parentNode.removeChild(sh); });
  }
  function viewMenu() {
    var cats = [];
    M.forEach(function (x) { if (cats.indexOf(x.cat) < 0) cats.push(x.cat); });
    var h = header() + '<div class="hs-list">';
    cats.forEach(function (c) {
      h += '<div class="hs-cat">' + esc(c) + '</div>';
      M.forEach(function (x, i) {
        if (x.cat !== c) return;
        h += '<div class="hs-item"><div class="hs-pic">' + esc(x.name.charAt(0)) + '</div><div class="hs-info"><div class="hs-name">' + esc(x.name) + '</div>' +
          '<div class="hs-price">¥' + x.price + '</div></div>' +
          (x.spec ? '<div class="hs-specbtn" data-i="' + i + '">' + W.spec + '</div>' : '<div class="hs-plus" data-i="' + i + '">' + W.add + '</div>') + '</div>';
      });
    });
    h += '</div><div class="hs-bar"><div class="hs-total"></div><div class="hs-primary hs-go">' + W.pick + '</div></div>' + (C.footer || '');
    app.innerHTML = h;
    Array.prototype.forEach.call(app.querySelectorAll('.hs-plus'), function (b) { clickable(b, function () { add(M[+b.getAttribute('data-i')]); }); });
    Array.prototype.forEach.call(app.querySelectorAll('.hs-specbtn'), function (b) { clickable(b, function () { specSheet(M[+b.getAttribute('data-i')]); }); });
    clickable(app.querySelector('.hs-go'), function () { location.hash = '#/cart'; });
    clickable(app.querySelector('.hs-carticon'), function () { location.hash = '#/cart'; });
    badge();
  }
  function viewCart() {
    QG.run('cart', function () {
      var c = QG.cart();
      var h = header() + '<div class="hs-page"><div class="hs-h2">' + W.cart + '</div>';
      if (!c.length) h += '<p>' + W.empty + '</p>';
      c.forEach(function (x) { h += '<div class="hs-line"><span>' + esc(x.name) + ' ×' + x.n + '</span><span>¥' + (x.price * x.n) + '</span></div>'; });
      h += '<div class="hs-line"><b>' + W.total + '</b><b>¥' + QG.cartTotal() + '</b></div><div class="hs-link hs-back">' + W.back + '</div></div>';
      if (c.length) h += '<div class="hs-bar"><div class="hs-total">¥' + QG.cartTotal() + '</div><div class="hs-primary hs-next">' + W.next + '</div></div>';
      app.innerHTML = h + (C.footer || '');
      clickable(app.querySelector('.hs-back'), function () { location.hash = '#/menu'; });
      if (c.length) clickable(app.querySelector('.hs-next'), function () { location.hash = '#/checkout'; });
      badge();
    });
  }
  function viewCheckout() {
    if (!QG.cart().length) { location.hash = '#/cart'; return; }
    QG.run('checkout', function () {
      app.innerHTML = header() + '<div class="hs-page hs-co">' + QG.checkoutHtml() + '</div><div class="hs-bar"><div class="hs-total">¥' + QG.cartTotal() +
        '</div><div class="hs-primary hs-submit">' + esc(W.submit) + '</div></div>' + (C.footer || '');
      var root = app.querySelector('.hs-co');
      QG.wireCheckout(root);
      clickable(app.querySelector('.hs-submit'), function () { QG.submitOrder(root, function () { location.hash = '#/done'; }); });
    });
  }
  function viewDone() { app.innerHTML = QG.doneHtml(); QG.wireDone(app); }
  function route() {
    var h = location.hash || '#/menu';
    if (h.indexOf('#/cart') === 0) viewCart();
    else if (h.indexOf('#/checkout') === 0) viewCheckout();
    else if (h.indexOf('#/done') === 0) viewDone();
    else viewMenu();
  }
  app.innerHTML = '<div class="hs-loading">…</div>';
  QG.run('entry', function () { window.addEventListener('hashchange', route); route(); });
})();
