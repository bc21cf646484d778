/* Vendor style "uni_app" (优点 UniDian): what a uni-app / Taro H5 build renders: <uni-page>, <uni-view>,
   <uni-button> custom tags, hash routes #/pages/..., a scroll-view menu, a cart bar.  Traps of live
   pages are switched on by QA.traps (see sandbox/sites/uni.py). */
(function () {
  var C = window.QA, M = C.menu || [], TR = C.traps || {};
  var W = {add: '+', spec: '选规格', ok: '确定', settle: '去结算', cart: '购物车', submit: C.submit || '提交订单',
    empty: '购物车是空的', total: '合计', table: '桌号', menu: '点餐', added: '已加入购物车', back: '继续点餐'};
  var app = document.getElementById('app');
  var esc = QG.esc;
  function tap(node, fn) {
    if (!node) return;
    if (TR.touch_only) {
      // a tap library: only a finger's touchend counts; mouse clicks do nothing
      var sx = 0, sy = 0;
      node.addEventListener('touchstart', function (e) { var t = e.touches[0] || {}; sx = t.clientX || 0; sy = t.clientY || 0; }, {passive: true});
      node.addEventListener('touchend', function (e) {
        var t = e.changedTouches[0] || {};
        if (Math.abs((t.clientX || 0) - sx) < 10 && Math.abs((t.clientY || 0) - sy) < 10) { e.preventDefault(); fn(e); }
      });
    } else {
      node.addEventListener('click', fn);
    }
  }
  function badge() { var b = document.querySelector('.ua-badge'); if (b) { var n = QG.cartCount(); b.textContent = n ? '已选' + n + '件 ¥' + QG.cartTotal() : '未选购商品'; } }
  function toast(msg) { var t = document.createElement('uni-view'); t.className = 'ua-toast'; t.textContent = msg; document.body.appendChild(t); setTimeout(function () { if (t.parentNode) t.parentNode.removeChild(t); }, 800); }
  function head(title) {
    return '<uni-page-head class="ua-head"><uni-view class="ua-title">' + esc(title || C.name) + '</uni-view><uni-view class="ua-sub">' + W.table + ' ' + esc(C.table || '-') + '</uni-view></uni-page-head>';
  }
  function add(item, spec) { QG.run('add', function () { QG.addToCart(item, spec); badge(); toast(W.added); }); }
  function specPopup(item) {
    var p = document.createElement('uni-view');
    p.className = 'ua-popup-mask';
    p.innerHTML = '<uni-view class="ua-popup"><uni-view class="ua-popup-t">' + esc(item.name) + ' · ' + W.spec + '</uni-view>' +
      item.spec.map(function (s, i) { return '<uni-view class="ua-opt' + (i ? '' : ' active') + '" role="radio" data-s="' + esc(s) + '">' + esc(s) + '</uni-view>'; }).join('') +
      '<uni-button class="ua-btn ua-okspec">' + W.ok + '</uni-button></uni-view>';
    document.body.appendChild(p);
    var chosen = item.spec[0];
    Array.prototype.forEach.call(p.querySelectorAll('.ua-opt'), function (o) {
      tap(o, function () { Array.prototype.forEach.call(p.querySelectorAll('.ua-opt'), function (x) { x.classList.remove('active'); }); o.classList.add('active'); chosen = o.getAttribute('data-s'); });
    });
    tap(p.querySelector('.ua-okspec'), function () { p.parentNode.removeChild(p); add(item, chosen); });
  }
  function viewMenu() {
    var cats = [];
    M.forEach(function (x) { if (cats.indexOf(x.cat) < 0) cats.push(x.cat); });
    var h = head() + '<uni-scroll-view class="goods-scroll"><uni-view class="goods-inner">';
    cats.forEach(function (c) {
      h += '<uni-view class="ua-cat">' + esc(c) + '</uni-view>';
      M.forEach(function (x, i) {
        if (x.cat !== c) return;
        h += '<uni-view class="goods-item"><uni-view class="goods-img"></uni-view><uni-view class="goods-info"><uni-text class="goods-name">' + esc(x.name) + '</uni-text>' +
          '<uni-text class="goods-price">¥' + x.price + '</uni-text></uni-view>' +
          (x.spec ? '<uni-view class="spec-btn" data-spec="' + i + '">' + W.spec + '</uni-view>' : '<uni-view class="stepper-plus" data-add="' + i + '">' + W.add + '</uni-view>') + '</uni-view>';
      });
    });
    h += '</uni-view></uni-scroll-view><uni-view class="cart-bar"><uni-view class="ua-badge"></uni-view><uni-view class="settle">' + W.settle + '</uni-view></uni-view>' + (C.footer || '');
    app.innerHTML = h;
    var list = app.querySelector('.goods-scroll');
    if (TR.touch_only) {
      // better-scroll style: the scroll wrapper owns the touches and works out which control was tapped
      var sx = 0, sy = 0;
      list.addEventListener('touchstart', function (e) { var t = e.touches[0] || {}; sx = t.clientX || 0; sy = t.clientY || 0; e.preventDefault(); }, {passive: false});
      list.addEventListener('touchend', function (e) {
        var t = e.changedTouches[0] || {};
        if (Math.abs((t.clientX || 0) - sx) > 10 || Math.abs((t.clientY || 0) - sy) > 10) return;
        var target = e.target && e.target.closest ? e.target.closest('[data-add],[data-spec]') : null;
        if (!target) return;
        if (target.hasAttribute('data-add')) add(M[+target.getAttribute('data-add')]);
        else specPopup(M[+target.getAttribute('data-spec')]);
      });
    } else {
      Array.prototype.forEach.call(app.querySelectorAll('[data-add]'), function (b) { tap(b, function () { add(M[+b.getAttribute('data-add')]); }); });
      Array.prototype.forEach.call(app.querySelectorAll('[data-spec]'), function (b) { tap(b, function () { specPopup(M[+b.getAttribute('data-spec')]); }); });
    }
    tap(app.querySelector('.settle'), function () { if (QG.cartCount()) location.hash = '#/pages/cart/cart'; });
    badge();
  }
  function viewCart() {
    QG.run('cart', function () {
      var c = QG.cart();
      var h = head(W.cart) + '<uni-view class="ua-page">';
      if (!c.length) h += '<uni-view>' + W.empty + '</uni-view>';
      c.forEach(function (x) { h += '<uni-view class="ua-line"><uni-text>' + esc(x.name) + ' ×' + x.n + '</uni-text><uni-text>¥' + (x.price * x.n) + '</uni-text></uni-view>'; });
      h += '<uni-view class="ua-line"><b>' + W.total + '</b><b>¥' + QG.cartTotal() + '</b></uni-view><uni-view class="ua-link ua-back">' + W.back + '</uni-view></uni-view>';
      if (c.length) h += '<uni-view class="cart-bar"><uni-view class="ua-badge"></uni-view><uni-view class="settle">' + W.settle + '</uni-view></uni-view>';
      app.innerHTML = h + (C.footer || '');
      tap(app.querySelector('.ua-back'), function () { location.hash = '#/pages/index/index'; });
      if (c.length) tap(app.querySelector('.settle'), function () { location.hash = '#/pages/order/confirm'; });
      badge();
    });
  }
  function viewConfirm() {
    if (!QG.cart().length) { location.hash = '#/pages/cart/cart'; return; }
    QG.run('checkout', function () {
      app.innerHTML = head('确认订单') + '<uni-view class="ua-page ua-form">' + QG.checkoutHtml() + '</uni-view>' +
        '<uni-view class="cart-bar"><uni-view class="ua-badge">¥' + QG.cartTotal() + '</uni-view><uni-button class="ua-btn ua-submit">' + esc(W.submit) + '</uni-button></uni-view>' + (C.footer || '');
      var root = app.querySelector('.ua-form');
      QG.wireCheckout(root);
      app.querySelector('.ua-submit').addEventListener('click', function () { QG.submitOrder(root, function () { location.hash = '#/pages/order/result'; }); });
    });
  }
  function viewDone() { app.innerHTML = QG.doneHtml(); QG.wireDone(app); }
  function route() {
    var h = location.hash || '#/pages/index/index';
    if (h.indexOf('#/pages/cart') === 0) viewCart();
    else if (h.indexOf('#/pages/order/confirm') === 0) viewConfirm();
    else if (h.indexOf('#/pages/order/result') === 0) viewDone();
    else viewMenu();
  }
  app.innerHTML = '<uni-view class="ua-loading">加载中…</uni-view>';
  QG.run('entry', function () { window.addEventListener('hashchange', route); route(); });
})();
