"""The district's merchants: each site's configuration and its labels (the ground truth).

``MERCHANTS`` is the single source: every entry has the ground-truth keys of
``sandbox/ground_truth.json`` (id, name, address, vendor, path, order_mode,
expected_verdict, expected_reason, findings, gates, hard_negatives, notes) plus
``cfg``, the vendor engine's parameters (not exported).  ``python -m
sandbox.merchants`` rewrites ground_truth.json; a test checks they agree.

Labelling conventions (see also ``notes`` per merchant):

* ``no_privacy_notice`` is labelled where a page shows PI inputs (phone, SMS
  code) with no privacy policy link or notice anywhere on it; every other PI
  prompt of the sandbox (incl. optional fields, follow/location/camera/OAuth
  landing overlays) shows a policy link right there.  A server-side OAuth 302
  shows no page of the merchant, so it is not labelled ``no_privacy_notice``.
* A membership wall whose form requires a phone is ``forced_membership`` AND
  ``forced_phone``; required name/birthday/gender/email/ID there is also
  ``excessive_fields`` (dine-in).
* Stages: gates run at ``entry`` (before the menu shows), ``menu`` (on adding an
  item), ``checkout`` (entering checkout or pressing submit), ``post_order``.
"""

from __future__ import annotations

import json
from typing import Any

from sandbox.sites.common import VENDOR_SHORT


def _f(*pairs: str) -> list[dict[str, str]]:
    return [{"rule": p.split("@")[0], "stage": p.split("@")[1]} for p in pairs]


def _g(asks: str, stage: str, forced: bool, form: str) -> dict[str, Any]:
    return {"asks": asks, "stage": stage, "forced": forced, "form": form}


def M(mid: str, name: str, address: str, vendor: str, table: str, verdict: str, findings: list[dict[str, str]],
      gates: list[dict[str, Any]], hard_negatives: list[str], notes: str, cfg: dict[str, Any],
      order_mode: str = "dine_in", reason: str | None = None, extra_query: str = "") -> dict[str, Any]:
    path = f"/m/{VENDOR_SHORT[vendor]}/{mid}/?table={table}{extra_query}"
    return {"id": mid, "name": name, "address": address, "vendor": vendor, "path": path, "order_mode": order_mode,
            "expected_verdict": verdict, "expected_reason": reason, "findings": findings, "gates": gates,
            "hard_negatives": hard_negatives, "notes": notes, "cfg": cfg}


FOOT = {"phone": True, "privacy": True}
DELIVERY_FIELDS = [{"k": "phone", "req": True}, {"k": "address", "req": True}]

MERCHANTS: list[dict[str, Any]] = [
    # ---------------- forms (server-rendered) ----------------
    M("m01", "云朵小面", "沪滨区梧桐路18号", "forms", "A3", "violation",
      _f("forced_phone@entry", "no_privacy_notice@entry"),
      [_g("phone", "entry", True, "menu page covered by a modal 请输入手机号后点餐 (POST form), no close, no privacy link")],
      ["merchant_phone_shown"],
      "Footer shows the shop's own 订餐电话 tel: link; the page has no privacy link anywhere.",
      {"menu": "noodles", "gates": [{"type": "phone", "stage": "entry", "privacy": False}],
       "footer": {"phone": True, "privacy": False}}),
    M("m02", "老街馄饨", "沪滨区石库门路6号", "forms", "B7", "compliant", [], [],
      ["optional_phone_field", "unticked_optional_marketing_box", "merchant_phone_shown"],
      "Checkout has a phone field marked 选填 (submits empty) and an unticked optional marketing box; a third-party "
      "page-view SDK loads but never receives PI.",
      {"menu": "noodles", "footer": FOOT, "sdk": True,
       "checkout": {"fields": [{"k": "phone", "req": False}],
                    "boxes": [{"k": "marketing", "checked": False, "required": False,
                               "text": "愿意接收本店优惠短信（可不勾选）"}]}}),
    M("m03", "阿福烧腊", "沪滨区南粤街22号", "forms", "C2", "violation",
      _f("forced_profile_auth@entry"),
      [_g("profile_auth", "entry", True, "server-side 302 to WeChat OAuth scope=snsapi_userinfo; a decline redirects to authorize again")],
      [], "Declining (redirect_uri without code) sends the diner straight back to the authorize URL.",
      {"menu": "roast", "footer": FOOT,
       "server_oauth": {"provider": "wechat", "scope": "snsapi_userinfo", "on_decline": "reauth"}}),
    M("m04", "青禾茶饮", "沪滨区青年路101号", "forms", "T5", "violation",
      _f("forced_follow@entry"),
      [_g("follow", "entry", True, "overlay with an official-account QR image, 关注公众号后即可点餐, only 我已关注 button")],
      [], "Follow overlay shows a policy link; menu items need a spec (大杯/中杯).",
      {"menu": "tea", "footer": FOOT, "gates": [{"type": "follow", "stage": "entry"}]}),
    M("m05", "金谷饺子馆", "沪滨区麦香路9号", "forms", "D1", "compliant", [], [],
      ["delivery_requires_address", "member_prices_shown", "merchant_phone_shown"],
      "Checkout offers 堂食/自提/外卖 with 外卖 preselected; phone and address are required only for 外卖. Member "
      "prices (会员价) are shown but non-members order at the normal price.",
      {"menu": "dumplings", "footer": FOOT, "member_prices": True,
       "checkout": {"modes": ["dine_in", "pickup", "delivery"], "mode_default": "delivery",
                    "fields": [{"k": "phone", "req": "delivery"}, {"k": "address", "req": "delivery"}]}}),
    M("m06", "福满楼", "沪滨区和平路66号", "forms", "E8", "violation",
      _f("excessive_fields@checkout"),
      [_g("fields", "checkout", True, "dine-in checkout requires real name and 身份证号 (server-side validation)")],
      [], "Policy link shown next to the fields; no phone asked.",
      {"menu": "canteen", "footer": FOOT,
       "checkout": {"fields": [{"k": "name", "req": True}, {"k": "id_number", "req": True}]}}),
    M("m07", "食尚烤鱼", "沪滨区渔港路3号", "forms", "F6", "violation",
      _f("forced_membership@checkout", "forced_phone@checkout"),
      [_g("membership", "checkout", True, "去结算 redirects to a 注册会员后下单 开卡 page requiring a phone number")],
      [], "Membership page has a policy link; after 开卡 the normal checkout follows.",
      {"menu": "fish", "footer": FOOT, "gates": [{"type": "member", "stage": "checkout", "fields": ["phone"]}]}),
    M("m08", "速递便当", "沪滨区物流园路12号", "forms", "W1", "violation",
      _f("third_party_leak@post_order"),
      [_g("phone", "checkout", True, "delivery-only checkout requires phone and address (legitimate)")],
      ["delivery_requires_address"],
      "Delivery-only shop. After submission the confirmation page POSTs JSON {uid: base64(phone)} to the third-party host /collect.",
      {"menu": "bento", "footer": FOOT, "checkout": {"modes": ["delivery"], "fields": DELIVERY_FIELDS},
       "leak": {"to": "tp", "enc": "b64", "when": "after"}}, order_mode="delivery"),
    M("m09", "老王生煎", "沪滨区弄堂里5号", "forms", "A1", "inconclusive", [], [], [],
      "Closed for the day: 本店今日休息 / 暂停营业, no menu.",
      {"menu": "dumplings", "footer": FOOT, "special": "closed"}, reason="closed"),
    M("m10", "转角面包房", "沪滨区拐角街2号", "forms", "K2", "inconclusive", [], [], [],
      "Endless server-side 302 loop between / and /go.",
      {"menu": "bakery", "footer": FOOT, "special": "loop"}, reason="redirect"),
    # ---------------- hash SPA ----------------
    M("m11", "滇味米线", "沪滨区彩云路27号", "hash_spa", "A6", "violation",
      _f("forced_phone@menu"),
      [_g("phone", "menu", True, "tapping + on a dish opens a phone modal (请输入手机号后点餐) with no close")],
      [], "The phone modal shows a policy link.",
      {"menu": "noodles", "footer": FOOT, "gates": [{"type": "phone", "stage": "add"}]}),
    M("m12", "川香小馆", "沪滨区天府路8号", "hash_spa", "B3", "violation",
      _f("forced_profile_auth@entry", "forced_phone@checkout"),
      [_g("profile_auth", "entry", True, "client-side location.href to WeChat OAuth snsapi_userinfo; decline shows 需要授权才能点餐 with only 授权登录"),
       _g("phone", "checkout", True, "checkout phone field required (请填写手机号)")],
      [], "Landing overlay shows a policy link while redirecting; checkout shows the policy note.",
      {"menu": "hotpot", "footer": FOOT,
       "gates": [{"type": "oauth", "stage": "entry", "provider": "wechat", "scope": "snsapi_userinfo"}],
       "checkout": {"fields": [{"k": "phone", "req": True}]}}),
    M("m13", "鲜榨果汁铺", "沪滨区果园路15号", "hash_spa", "J2", "violation",
      _f("induced_consent@entry"),
      [_g("phone", "entry", False, "closable phone prompt (输入手机号，领取专属优惠 / 暂不) that re-appears 1.2 s after each close, 3 times")],
      [], "The prompt can be closed each time (so not forced_phone) but comes back 3 times: repeat prompt after refusal.",
      {"menu": "tea", "footer": FOOT, "gates": [{"type": "reprompt", "stage": "entry", "times": 3}]}),
    M("m14", "山城火锅", "沪滨区重庆路77号", "hash_spa", "H9", "violation",
      _f("forced_biometric@checkout"),
      [_g("camera", "checkout", True, "entering checkout opens 刷脸点餐 · 人脸识别 calling getUserMedia({video:true}); refusal blocks (only 重新识别)")],
      [], "Face step shows a policy link.",
      {"menu": "hotpot", "footer": FOOT, "gates": [{"type": "face", "stage": "checkout"}]}),
    M("m15", "外卖小厨", "沪滨区外环路200号", "hash_spa", "W3", "violation",
      _f("third_party_leak@checkout"),
      [_g("phone", "checkout", True, "delivery-only checkout requires phone and address (legitimate)")],
      ["delivery_requires_address"],
      "Delivery-only. While typing the phone (input event, 11 digits) it is sent in plain to the third-party host /collect?mobile=.",
      {"menu": "canteen", "footer": FOOT, "checkout": {"modes": ["delivery"], "fields": DELIVERY_FIELDS},
       "leak": {"to": "tp", "enc": "plain", "when": "input"}}, order_mode="delivery"),
    M("m16", "绿野轻食", "沪滨区森林路31号", "hash_spa", "G4", "compliant", [], [],
      ["dismissible_follow_banner", "location_for_delivery_only", "delivery_requires_address"],
      "A 关注公众号领券 card with × that stays closed; checkout 堂食(default)/自提/外卖; geolocation only when 外卖 is chosen "
      "and refusable (manual address); phone+address required only for 外卖.",
      {"menu": "bento", "footer": FOOT, "gates": [{"type": "follow_banner", "stage": "entry"}],
       "checkout": {"modes": ["dine_in", "pickup", "delivery"], "mode_default": "dine_in", "geo_on_delivery": True,
                    "fields": [{"k": "phone", "req": "delivery"}, {"k": "address", "req": "delivery"}]}}),
    M("m17", "夜猫子烧烤", "沪滨区夜市街1号", "hash_spa", "N5", "inconclusive", [], [], [],
      "The SPA bundle throws on load (TypeError); white page.",
      {"menu": "bbq", "footer": FOOT, "special": "broken"}, reason="broken"),
    M("m18", "小满咖啡", "沪滨区咖啡巷4号", "hash_spa", "C1", "unsupported", [], [], [],
      "Only 请在微信小程序中打开 with a weixin://dl/business/ link and a mini-program code.",
      {"menu": "bakery", "footer": FOOT, "special": "miniprogram"}, reason="mini-program"),
    M("m19", "蜀道面馆", "沪滨区剑阁路19号", "hash_spa", "S2", "violation",
      _f("forced_follow@checkout"),
      [_g("follow", "checkout", True, "entering checkout redirects to a 请先关注公众号 page (QR + 我已关注) that re-appears until followed")],
      [], "Follow-check page shows a policy link.",
      {"menu": "noodles", "footer": FOOT, "gates": [{"type": "follow_check", "stage": "checkout", "back": "#/checkout"}]}),
    M("m20", "Bayside Burgers", "沪滨区海湾路88号", "hash_spa", "E2", "compliant", [], [],
      ["privacy_modal_with_refuse", "footer_follow_us"],
      "English. A privacy modal with Accept/Decline; declining still allows ordering. Footer says Follow us.",
      {"menu": "en_burger", "lang": "en", "sdk": True, "footer": {"phone": True, "follow_us": True, "privacy": True},
       "gates": [{"type": "privacy", "stage": "entry"}]}),
]


def by_id(mid: str, default: Any = KeyError) -> dict[str, Any]:
    """The merchant entry ``mid``; raises ``KeyError`` (or returns ``default`` when given)."""
    for m in MERCHANTS:
        if m["id"] == mid:
            return m
    if default is KeyError:
        raise KeyError(mid)
    return default


GT_KEYS = ("id", "name", "address", "vendor", "path", "order_mode", "expected_verdict", "expected_reason",
           "findings", "gates", "hard_negatives", "notes")


def ground_truth_dict() -> dict[str, Any]:
    """The ground truth as written to ``sandbox/ground_truth.json`` (``cfg`` left out)."""
    return {"version": 1, "merchants": [{k: m[k] for k in GT_KEYS} for m in MERCHANTS]}


if __name__ == "__main__":
    print(json.dumps(ground_truth_dict(), ensure_ascii=False, indent=1))
