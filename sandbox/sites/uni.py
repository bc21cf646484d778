"""Vendor style ``uni_app`` ("优点 UniDian"): what a uni-app / Taro H5 build renders.

One shell page; ``static/uni.js`` renders hash routes (``#/pages/index/index``,
``#/pages/cart/cart``, ``#/pages/order/confirm``, ``#/pages/order/result``) with
uni-app's custom tags (``<uni-view>``, ``<uni-button>``, ``<uni-scroll-view>``);
gates come from ``static/gates.js``.  The traps of live pages are switched on per
merchant by ``cfg.traps`` (passed to the page as ``QA.traps``):

* ``touch_only``: controls answer only a finger (``touchstart``/``touchend``); the menu's
  scroll wrapper owns the touches (better-scroll style) and clicks do nothing;
* ``ws_leak``: the phone goes over the merchant's own websocket (fine) and, from a
  dedicated worker, in a binary frame over a tracker's websocket;
* ``keys_leak``: each key typed into the phone field goes to a tracker, one character a
  request (and the first 7 digits to the merchant's own number-segment lookup);
* ``prefix_leak``: a tracker's "suggestions" get 7 to 10 digits, never the whole number.

Gates of this style used by the trap merchants (``gates.js``): ``env_check`` (refuses a
browser whose client hints, ``userAgentData``, platform, touch or plugins contradict its
user agent, in the page, a worker and on the server), ``geo_hang`` (location asked with no
error callback), ``coupon_touch``, ``wecom``, ``wecom_card``, ``topup``, ``login_prompt``,
``face_choice``.
"""

from __future__ import annotations

import json
from typing import Any

from sandbox.sites.common import footer_html, menu_of, page, qa_config
from sandbox.web import Req, Resp

SKIN = {"p": "ua", "color": "#fa541c", "div": True, "radius": "12px"}
CSS = """body{margin:0;font-family:-apple-system,"PingFang SC",sans-serif;background:#f7f7f7;color:#333}
uni-view,uni-page-head,uni-scroll-view,uni-button{display:block}uni-text{display:inline}
.ua-head{background:#fa541c;color:#fff;padding:12px 14px}.ua-title{font-size:18px;font-weight:600}.ua-sub{font-size:12px;opacity:.85}
.goods-scroll{height:calc(100vh - 170px);overflow:hidden;position:relative;touch-action:none}.goods-inner{padding:0 10px}
.ua-cat{color:#fa541c;margin:12px 2px 4px;font-weight:600}
.goods-item{display:flex;align-items:center;background:#fff;border-radius:10px;padding:10px;margin:8px 0}
.goods-img{width:50px;height:50px;border-radius:8px;background:#ffe7ba;margin-right:10px}.goods-info{flex:1}
.goods-name{display:block;font-size:15px}.goods-price{display:block;color:#f5222d;margin-top:4px}
.stepper-plus{width:28px;height:28px;border-radius:50%;background:#fa541c;color:#fff;text-align:center;line-height:28px;font-size:20px}
.spec-btn{background:#fa541c;color:#fff;border-radius:12px;padding:4px 10px;font-size:13px}
.cart-bar{position:fixed;left:0;right:0;bottom:0;height:54px;background:#262626;color:#fff;display:flex;align-items:center;justify-content:space-between;padding:0 12px;z-index:50}
.settle,.ua-btn{background:#fa541c;color:#fff;border-radius:20px;padding:9px 20px;text-align:center}
.ua-page{background:#fff;margin:10px;border-radius:10px;padding:12px 14px 70px}.ua-line{display:flex;justify-content:space-between;padding:8px 0;border-bottom:1px solid #f0f0f0}
.ua-link{color:#fa541c;margin-top:12px}.ua-form input,.ua-form textarea,.ua-form select{width:100%;box-sizing:border-box;padding:8px;border:1px solid #d9d9d9;border-radius:6px;margin-top:4px}
.ua-form input[type=radio],.ua-form input[type=checkbox]{width:auto}
.ua-popup-mask{position:fixed;inset:0;background:rgba(0,0,0,.45);z-index:800;display:flex;align-items:flex-end}
.ua-popup{background:#fff;width:100%;border-radius:14px 14px 0 0;padding:14px}.ua-popup-t{font-weight:600;margin-bottom:8px}
.ua-opt{display:inline-block;border:1px solid #ccc;border-radius:14px;padding:5px 14px;margin:4px}.ua-opt.active{border-color:#fa541c;color:#fa541c}
.ua-popup .ua-btn{margin-top:12px}.ua-toast{position:fixed;top:40%;left:50%;transform:translateX(-50%);background:rgba(0,0,0,.75);color:#fff;padding:8px 16px;border-radius:6px;z-index:9999}
.ua-footer{font-size:12px;color:#999;text-align:center;padding:12px 8px 70px}.ua-footer a{color:#999}.ua-loading{padding:40px;text-align:center;color:#999}"""


def handle(sb: Any, req: Req, m: dict[str, Any], rest: str) -> Resp:
    """Serve one request of a ``uni_app`` merchant."""
    if rest != "/":
        return Resp("not found", 404, "text/plain")
    conf = qa_config(sb, req, m, SKIN)
    menu = json.dumps(menu_of(m), ensure_ascii=False).replace("</", "<\\/")
    footer = json.dumps(footer_html(m, "ua"), ensure_ascii=False).replace("</", "<\\/")
    body = (f'<uni-app><uni-page><div id="app"></div></uni-page></uni-app>'
            f"<script>window.QA={conf};QA.menu={menu};QA.footer={footer};</script>"
            f'<script src="/static/gates.js"></script><script src="/static/uni.js"></script>')
    return page(m, m["name"], body, f"<style>{CSS}</style>")
