/* Vendor style "lazy_json" (懒加 LanJia): skeleton loaders, menu fetched as JSON after a delay,
   infinite scroll (more items on scroll), a category sidebar, a cart drawer. */
(function () {
  var C = window.QA;
  var WORDS = {
    zhs: {spec: '选规格', ok: '确定', go: '去结算', next: '下一步', submit: '提交订单', cart: '购物车', total: '合计', table: '桌号',
      soldout: '售罄', loading: '加载中…', more: '上拉加载更多', end: '— 已经到底了 —', scan: '扫一扫', added: '已加入',
      clear: '清空', member: '会员价'},
    zht: {spec: '選規格', ok: '確定', go: '去結帳', next: '下一步', submit: '送出訂單', cart: '購物車', total: '合計', table: '桌號',
      soldout: '售完', loading: '載入中…', more: '上拉載入更多', end: '— 已經到底了 —', scan: '掃一掃', added: '已加入',
      clear: '清空', member: '會員價'}
  };
  var W = WORDS[C.lang] || WORDS.zhs;
  if (C.submit) W.submit = C.submit;
  var esc = QG.esc, items = [], nextPage = 1, loading = false;
  var root = document.getElementById('lz-root');
  function $(s) { return root.querySelector(s); }
  function skeleton(n) { var h = ''; for (var i = 0; i < n; i++) h += '<div class="lz-skel"><i></i><b></b><b class="s"></b></div>'; return h; }
  function layout() {
    root.innerHTML = '<div class="lz-hd"><div><div class="lz-name">' + esc(C.name) + '</div><div class="lz-tb">' + W.table + ' ' + esc(C.table || '-') + '</div></div>' +
      (C.scan ? '<button class="lz-scan" type="button" aria-label="' + W.scan + '">⌗ ' + W.scan + '</button>' : '') + '</div>' +
      '<div class="lz-main"><nav class="lz-side"></nav><section class="lz-list">' + skeleton(5) + '</section></div>' +
      '<div class="lz-bar"><span class="lz-sum">¥0</span><button class="lz-go" type="button" disabled>' + W.go + '</button></div>' + (C.footer || '');
    $('.lz-go').addEventListener('click', openCart);
    if (C.scan) $('.lz-scan').addEventListener('click', function () {
      if (navigator.mediaDevices && navigator.mediaDevices.getUserMedia) navigator.mediaDevices.getUserMedia({video: true}).then(function (s) { s.getTracks().forEach(function (t) { t.stop(); }); }, function () {});
    });
  }
  function bar() {
    var n = QG.cartCount();
    $('.lz-sum').textContent = '¥' + QG.cartTotal() + (n ? ' (' + n + ')' : '');
    $('.lz-go').disabled = !n;
  }
  function renderList() {
    var cats = [], h = '';
    items.forEach(function (x) { if (cats.indexOf(x.cat) < 0) cats.push(x.cat); });
    cats.forEach(function (c, ci) {
      h += '<h4 class="lz-cat" id="cat' + ci + '">' + esc(c) + '</h4>';
      items.forEach(function (x, i) {
        if (x.cat !== c) return;
        var ctl = x.soldout ? '<span class="lz-out">' + W.soldout + '</span>' :
          (x.spec ? '<button type="button" class="lz-spec" data-i="' + i + '">' + W.spec + '</button>' :
            '<button type="button" class="lz-plus" data-i="' + i + '" aria-label="+">+</button>');
        h += '<div class="lz-item' + (x.soldout ? ' out' : '') + '"><div class="lz-img"></div><div class="lz-info"><div>' + esc(x.name) + '</div><div class="lz-price">¥' + x.price +
          (x.member_price ? ' <small>' + W.member + ' ¥' + x.member_price + '</small>' : '') + '</div></div>' + ctl + '</div>';
      });
    });
    h += '<div class="lz-sentinel">' + (nextPage ? skeleton(2) + W.more : W.end) + '</div>';
    $('.lz-list').innerHTML = h;
    $('.lz-side').innerHTML = cats.map(function (c, ci) { return '<a href="javascript:void 0" data-c="' + ci + '">' + esc(c) + '</a>'; }).join('');
    Array.prototype.forEach.call(root.querySelectorAll('.lz-side a'), function (a) {
      a.addEventListener('click', function () { var t = document.getElementById('cat' + a.getAttribute('data-c')); if (t) t.scrollIntoView(); });
    });
    Array.prototype.forEach.call(root.querySelectorAll('.lz-plus'), function (b) { b.addEventListener('click', function () { add(items[+b.getAttribute('data-i')]); }); });
    Array.prototype.forEach.call(root.querySelectorAll('.lz-spec'), function (b) { b.addEventListener('click', function () { spec(items[+b.getAttribute('data-i')]); }); });
    observe();
  }
  function load() {
    if (loading || !nextPage) return;
    loading = true;
    fetch(C.base + '/api/menu?page=' + nextPage).then(function (r) { return r.json(); }).then(function (j) {
      items = items.concat(j.items); nextPage = j.next; loading = false; renderList(); bar();
    });
  }
  var io = null;
  function observe() {
    var s = $('.lz-sentinel');
    if (!s || !nextPage) return;
    if (!io && window.IntersectionObserver) io = new IntersectionObserver(function (es) { es.forEach(function (e) { if (e.isIntersecting) setTimeout(load, 300); }); });
    if (io) { io.disconnect(); io.observe(s); }
  }
  function add(x, sp) { QG.run('add', function () { QG.addToCart(x, sp); bar(); }); }
  function drawer(inner, wire) {
    var d = document.createElement('div');
    d.className = 'lz-drawer';
    d.innerHTML = '<div class="lz-drawer-in">' + inner + '</div>';
    document.body.appendChild(d);
    d.addEventListener('click', function (e) { if (e.target === d) d.remove(); });
    wire(d);
    return d;
  }
  function spec(x) {
    drawer('<h3>' + esc(x.name) + '</h3><p>' + W.spec + '</p>' + x.spec.map(function (s, i) {
      return '<label class="lz-opt"><input type="radio" name="sp" value="' + esc(s) + '"' + (i ? '' : ' checked') + '> ' + esc(s) + '</label>';
    }).join('') + '<button type="button" class="lz-primary ok">' + W.ok + '</button>', function (d) {
      d.querySelector('.ok').addEventListener('click', function () { var v = d.querySelector('input:checked').value; d.remove(); add(x, v); });
    });
  }
  function openCart() {
    QG.run('cart', function () {
      drawer('<h3>' + W.cart + '</h3>' + QG.cart().map(function (x) { return '<div class="lz-line"><span>' + esc(x.name) + ' ×' + x.n + '</span><span>¥' + x.price * x.n + '</span></div>'; }).join('') +
        '<div class="lz-line"><b>' + W.total + '</b><b>¥' + QG.cartTotal() + '</b></div><button type="button" class="lz-primary nx">' + W.next + '</button>', function (d) {
        d.querySelector('.nx').addEventListener('click', function () { d.remove(); QG.run('checkout', checkout); });
      });
    });
  }
  function checkout() {
    root.innerHTML = '<div class="lz-hd"><div><div class="lz-name">' + esc(C.name) + '</div><div class="lz-tb">' + W.table + ' ' + esc(C.table || '-') + '</div></div></div>' +
      '<div class="lz-co">' + QG.checkoutHtml() + '</div><div class="lz-bar"><span>' + W.total + ' ¥' + QG.cartTotal() + '</span><button type="button" class="lz-go sub">' + esc(W.submit) + '</button></div>' + (C.footer || '');
    var co = $('.lz-co');
    QG.wireCheckout(co);
    $('.sub').addEventListener('click', function () { QG.submitOrder(co, function () { root.innerHTML = QG.doneHtml(); QG.wireDone(root); }); });
  }
  layout();
  QG.run('entry', function () { setTimeout(load, 700); });
})();
