/* Vendor style "web_components" (微卡 WeiKa): custom elements with open shadow roots:
   <wk-shop> (page), <wk-item> (dish), <wk-cartbar>, <wk-sheet> (spec picker / cart), <wk-checkout>,
   and <wk-dialog> hosts for gates. */
(function () {
  var C = window.QA, M = C.menu || [];
  var WORDS = {
    zhs: {add: '加购', spec: '选规格', ok: '确定', settle: '结算', next: '下一步', submit: '确认下单', cart: '已选商品', total: '合计',
      empty: '还没有选择商品', table: '桌号', menu: '全部菜品', member: '会员价'},
    zht: {add: '加入購物車', spec: '選規格', ok: '確定', settle: '結算', next: '下一步', submit: '確認下單', cart: '已選商品', total: '合計',
      empty: '還沒有選擇商品', table: '桌號', menu: '全部餐點', member: '會員價'},
    en: {add: 'Add', spec: 'Choose size', ok: 'Confirm', settle: 'Checkout', next: 'Next', submit: 'Place order', cart: 'Your order',
      total: 'Total', empty: 'Nothing selected yet', table: 'Table', menu: 'Menu', member: 'Member price'}
  };
  var W = WORDS[C.lang] || WORDS.zhs;
  if (C.submit) W.submit = C.submit;
  var esc = QG.esc;
  var STYLE = '<style>:host{display:block;font-family:"Helvetica Neue","PingFang SC",sans-serif}' +
    'button{font:inherit;cursor:pointer}.btn{background:#7b3fe4;color:#fff;border:0;border-radius:6px;padding:6px 12px}' +
    '.btn.wide{display:block;width:100%;padding:11px;margin-top:10px;font-size:16px}' +
    'input,select,textarea{width:100%;box-sizing:border-box;padding:8px;border:1px solid #cbbbe8;border-radius:6px;margin-top:4px}' +
    'input[type=checkbox],input[type=radio]{width:auto}.wk-err,.co-err{color:#d4380d;font-size:13px;min-height:16px}</style>';
  QG.host = function () {
    var d = document.createElement('wk-dialog'); d.setAttribute('data-qg', '1'); document.body.appendChild(d); return d.shadowRoot;
  };
  function define(name, cls) { if (!customElements.get(name)) customElements.define(name, cls); }

  define('wk-dialog', class extends HTMLElement {
    constructor() { super(); this.attachShadow({mode: 'open'}); }
  });

  define('wk-item', class extends HTMLElement {
    constructor() { super(); this.attachShadow({mode: 'open'}); }
    connectedCallback() {
      var x = M[+this.getAttribute('idx')];
      this.shadowRoot.innerHTML = STYLE + '<style>.card{display:flex;justify-content:space-between;align-items:center;padding:12px;border-bottom:1px solid #eee4fb;background:#fff}' +
        '.n{font-size:15px;font-weight:500}.p{color:#7b3fe4;margin-top:4px}.mp{font-size:12px;color:#b07d2b;margin-left:6px}</style>' +
        '<div class="card"><div><div class="n">' + esc(x.name) + '</div><div class="p">¥' + x.price +
        (x.member_price ? '<span class="mp">' + W.member + ' ¥' + x.member_price + '</span>' : '') + '</div></div>' +
        '<button class="btn" part="add">' + (x.spec ? W.spec : W.add) + '</button></div>';
      var self = this;
      this.shadowRoot.querySelector('button').addEventListener('click', function () {
        self.dispatchEvent(new CustomEvent('wk-add', {bubbles: true, composed: true, detail: {idx: +self.getAttribute('idx')}}));
      });
    }
  });

  define('wk-cartbar', class extends HTMLElement {
    constructor() { super(); this.attachShadow({mode: 'open'}); }
    connectedCallback() { this.render(); }
    render() {
      var n = QG.cartCount();
      this.shadowRoot.innerHTML = STYLE + '<style>.bar{position:fixed;left:10px;right:10px;bottom:10px;background:#2a1b4a;color:#fff;border-radius:26px;display:flex;justify-content:space-between;align-items:center;padding:6px 6px 6px 18px;z-index:50}' +
        '.bar .btn{border-radius:20px;padding:9px 22px}</style><div class="bar"><span>' + W.total + ' ¥' + QG.cartTotal() + ' · ' + n + '</span>' +
        '<button class="btn settle"' + (n ? '' : ' disabled style="opacity:.5"') + '>' + W.settle + '</button></div>';
      var self = this;
      this.shadowRoot.querySelector('.settle').addEventListener('click', function () {
        self.dispatchEvent(new CustomEvent('wk-settle', {bubbles: true, composed: true}));
      });
    }
  });

  function sheet(inner, wire) {
    var d = document.createElement('wk-sheet');
    document.body.appendChild(d);
    var r = d.attachShadow({mode: 'open'});
    r.innerHTML = STYLE + '<style>.mask{position:fixed;inset:0;background:rgba(20,0,40,.5);z-index:700;display:flex;align-items:flex-end}' +
      '.box{background:#fff;width:100%;border-radius:16px 16px 0 0;padding:16px;max-height:80vh;overflow:auto}.opt{margin:4px;padding:6px 14px;border:1px solid #ccc;border-radius:16px;background:#fff}' +
      '.opt.on{border-color:#7b3fe4;color:#7b3fe4}.line{display:flex;justify-content:space-between;padding:6px 0}</style><div class="mask"><div class="box">' + inner + '</div></div>';
    wire(r, function () { d.parentNode && d.parentNode.removeChild(d); });
    return d;
  }

  define('wk-checkout', class extends HTMLElement {
    constructor() { super(); this.attachShadow({mode: 'open'}); }
    connectedCallback() {
      var r = this.shadowRoot;
      r.innerHTML = STYLE + '<style>.co{background:#fff;margin:10px;border-radius:12px;padding:14px}h2{margin:0 0 8px;font-size:18px}label{display:block;margin:8px 0}</style>' +
        '<div class="co"><h2>' + W.cart + '</h2>' + QG.cart().map(function (x) { return '<div>' + esc(x.name) + ' ×' + x.n + '</div>'; }).join('') +
        '<p><b>' + W.total + ' ¥' + QG.cartTotal() + '</b></p>' + QG.checkoutHtml() + '<button class="btn wide submit">' + esc(W.submit) + '</button></div>';
      QG.wireCheckout(r);
      var self = this;
      r.querySelector('.submit').addEventListener('click', function () {
        QG.submitOrder(r, function () { self.dispatchEvent(new CustomEvent('wk-done', {bubbles: true, composed: true})); });
      });
    }
  });

  define('wk-shop', class extends HTMLElement {
    constructor() { super(); this.attachShadow({mode: 'open'}); }
    connectedCallback() {
      var self = this;
      this.addEventListener('wk-add', function (e) { self.add(M[e.detail.idx]); });
      this.addEventListener('wk-settle', function () { self.openCart(); });
      this.addEventListener('wk-done', function () { self.done(); });
      this.shadowRoot.innerHTML = STYLE + '<div style="padding:40px;text-align:center;color:#aaa">…</div>';
      QG.run('entry', function () { self.menu(); });
    }
    head() {
      return '<style>.hd{background:#7b3fe4;color:#fff;padding:16px}.hd h1{margin:0;font-size:20px}.hd small{opacity:.85}' +
        '.sec{padding:8px 12px;color:#7b3fe4;font-weight:600;background:#f7f2ff}.list{padding-bottom:80px}</style>' +
        '<div class="hd"><h1>' + esc(C.name) + '</h1><small>' + W.table + ' ' + esc(C.table || '-') + '</small></div>';
    }
    menu() {
      var h = STYLE + this.head() + '<div class="sec">' + W.menu + '</div><div class="list">';
      M.forEach(function (x, i) { h += '<wk-item idx="' + i + '"></wk-item>'; });
      h += '</div><slot name="footer"></slot><wk-cartbar></wk-cartbar>';
      this.shadowRoot.innerHTML = h;
    }
    refresh() { var b = this.shadowRoot.querySelector('wk-cartbar'); if (b) b.render(); }
    add(x) {
      var self = this;
      if (x.spec) {
        var chosen = x.spec[0];
        sheet('<h3>' + esc(x.name) + ' · ' + W.spec + '</h3>' + x.spec.map(function (s, i) { return '<button class="opt' + (i ? '' : ' on') + '" data-s="' + esc(s) + '">' + esc(s) + '</button>'; }).join('') +
          '<button class="btn wide ok">' + W.ok + '</button>', function (r, close) {
          Array.prototype.forEach.call(r.querySelectorAll('.opt'), function (o) {
            o.addEventListener('click', function () {
              Array.prototype.forEach.call(r.querySelectorAll('.opt'), function (z) { z.classList.remove('on'); });
              o.classList.add('on'); chosen = o.getAttribute('data-s');
            });
          });
          r.querySelector('.ok').addEventListener('click', function () { close(); QG.run('add', function () { QG.addToCart(x, chosen); self.refresh(); }); });
        });
        return;
      }
      QG.run('add', function () { QG.addToCart(x); self.refresh(); });
    }
    openCart() {
      var self = this;
      QG.run('cart', function () {
        sheet('<h3>' + W.cart + '</h3>' + QG.cart().map(function (x) { return '<div class="line"><span>' + esc(x.name) + ' ×' + x.n + '</span><span>¥' + x.price * x.n + '</span></div>'; }).join('') +
          '<div class="line"><b>' + W.total + '</b><b>¥' + QG.cartTotal() + '</b></div><button class="btn wide next">' + W.next + '</button>', function (r, close) {
          r.querySelector('.next').addEventListener('click', function () { close(); QG.run('checkout', function () { self.checkout(); }); });
          r.querySelector('.mask').addEventListener('click', function (e) { if (e.target.classList.contains('mask')) close(); });
        });
      });
    }
    checkout() { this.shadowRoot.innerHTML = STYLE + this.head() + '<wk-checkout></wk-checkout><slot name="footer"></slot>'; }
    done() { this.shadowRoot.innerHTML = STYLE + this.head() + '<div class="dn">' + QG.doneHtml() + '</div>'; QG.wireDone(this.shadowRoot.querySelector('.dn')); }
  });
})();
