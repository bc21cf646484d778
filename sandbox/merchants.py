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
* ``observable_live``: whether a live audit (nothing sent) can observe the finding at
  all (see :data:`LIVE_UNOBSERVABLE`).
* Stages: gates run at ``entry`` (before the menu shows), ``menu`` (on adding an
  item), ``checkout`` (entering checkout or pressing submit), ``post_order``.
* ``pending``: ``None``, or the order-agent change (described) without which the
  auditor cannot reach the labelled verdict yet.  Such a merchant keeps its true labels;
  the whole-sandbox measures leave it out and its own test is expected to fail until the
  change lands (``tests/sandbox/test_traps.py``).
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
      order_mode: str = "dine_in", reason: str | None = None, extra_query: str = "",
      pending: str | None = None) -> dict[str, Any]:
    path = f"/m/{VENDOR_SHORT[vendor]}/{mid}/?table={table}{extra_query}"
    hard_negatives = list(hard_negatives)
    footer = cfg.get("footer", {})
    if cfg.get("special") not in ("miniprogram", "app", "broken", "loop"):
        # look-alikes every rendered page of this shop carries
        if footer.get("phone") and "merchant_phone_shown" not in hard_negatives:
            hard_negatives.append("merchant_phone_shown")
        if footer.get("follow_us") and "footer_follow_us" not in hard_negatives:
            hard_negatives.append("footer_follow_us")
        if cfg.get("sdk") and not cfg.get("leak"):
            hard_negatives.append("tracker_without_pi")
    return {"id": mid, "name": name, "address": address, "vendor": vendor, "path": path, "order_mode": order_mode,
            "expected_verdict": verdict, "expected_reason": reason, "findings": findings, "gates": gates,
            "hard_negatives": hard_negatives, "notes": notes, "pending": pending, "cfg": cfg}


FOOT = {"phone": False, "privacy": True}
FOOTP = {"phone": True, "privacy": True}  # the shop's own 订餐电话 in the footer
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
      {"menu": "noodles", "footer": FOOTP, "sdk": True,
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
      {"menu": "dumplings", "footer": FOOTP, "member_prices": True,
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
      {"menu": "dumplings", "footer": FOOTP, "special": "closed"}, reason="closed"),
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
      {"menu": "tea", "footer": FOOTP, "gates": [{"type": "reprompt", "stage": "entry", "times": 3}]}),
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
    # ---------------- web components (shadow DOM) ----------------
    M("m21", "尚品会所餐厅", "沪滨区金融街1号", "web_components", "V1", "violation",
      _f("forced_membership@entry", "forced_phone@entry", "excessive_fields@entry"),
      [_g("membership", "entry", True, "<wk-dialog> 注册会员后下单: 本店仅限会员点餐, 开卡 form with required 姓名/生日/手机号, no close")],
      [], "Member-only ordering: the menu never shows before 开卡. Policy link in the dialog.",
      {"menu": "hotpot", "footer": FOOT,
       "gates": [{"type": "member", "stage": "entry", "fields": ["name", "birthday", "phone"], "title": "本店仅限会员点餐，注册会员后下单"}]}),
    M("m22", "橙子鲜果捞", "沪滨区橙园路45号", "web_components", "P3", "violation",
      _f("forced_phone@checkout", "third_party_leak@checkout"),
      [_g("phone", "checkout", True, "checkout phone field required; submit shows 请填写手机号 until filled")],
      [], "On blur of the phone field an MD5 of it goes to the third-party host as /pixel.gif?h=<md5>. Policy note shown.",
      {"menu": "tea", "footer": FOOTP, "sdk": True, "checkout": {"fields": [{"k": "phone", "req": True}]},
       "leak": {"to": "tp", "enc": "md5", "when": "blur"}}),
    M("m23", "未来智慧餐厅", "沪滨区科技园路100号", "web_components", "R8", "violation",
      _f("forced_biometric@entry"),
      [_g("camera", "entry", True, "<wk-dialog> 刷脸点餐 · 人脸识别 calls getUserMedia({video:true}) on load; refusal blocks (only 重新识别)")],
      [], "No way to order without the face step. Policy link shown.",
      {"menu": "canteen", "footer": FOOT, "gates": [{"type": "face", "stage": "entry"}]}),
    M("m24", "甜蜜蜜甜品", "沪滨区糖果街12号", "web_components", "S6", "violation",
      _f("induced_consent@checkout"),
      [_g("membership", "entry", False, "加入会员享95折 modal with 暂不加入 (declinable)"),
       _g("consent", "checkout", False, "pre-ticked 同意成为会员并接收营销短信 box at checkout")],
      ["declinable_membership_offer"],
      "The entry membership offer can be declined (hard negative); the pre-ticked marketing/membership box is the violation.",
      {"menu": "bakery", "footer": FOOT, "gates": [{"type": "member_offer", "stage": "entry"}],
       "checkout": {"boxes": [{"k": "join", "checked": True, "required": False, "text": "同意成为会员并接收营销短信"}]}}),
    M("m25", "台北牛肉麵", "沪滨区宝岛路7号", "web_components", "T1", "violation",
      _f("forced_profile_auth@entry"),
      [_g("profile_auth", "entry", True, "in-page 授權頭像暱稱後點餐 gate whose only button redirects to WeChat OAuth snsapi_userinfo")],
      [], "Traditional Chinese. Declining returns to the same gate with 需要授權才能點餐.",
      {"menu": "zht_noodle", "lang": "zht", "footer": FOOT,
       "gates": [{"type": "oauth", "stage": "entry", "provider": "wechat", "scope": "snsapi_userinfo", "mode": "button"}]}),
    M("m26", "家常小炒王", "沪滨区邻里路23号", "web_components", "L5", "compliant", [], [],
      ["icon_only_close", "optional_fields_marked", "optional_phone_field"],
      "Entry coupon modal 领取新人券：输入手机号 whose only close is an SVG × without text (it closes for good); "
      "checkout asks 姓名/生日/手机号 all marked 选填, submits empty.",
      {"menu": "canteen", "footer": FOOT, "gates": [{"type": "coupon_icon", "stage": "entry"}],
       "checkout": {"fields": [{"k": "name", "req": False}, {"k": "birthday", "req": False}, {"k": "phone", "req": False}]}}),
    M("m27", "Sunny Side Cafe", "沪滨区阳光路9号", "web_components", "E5", "violation",
      _f("forced_phone@checkout", "no_privacy_notice@checkout"),
      [_g("phone", "checkout", True, "English checkout: Mobile number required (Please fill in Mobile number), no privacy link anywhere")],
      [], "English. No privacy policy link on any page.",
      {"menu": "en_cafe", "lang": "en", "footer": {"phone": True, "privacy": False},
       "checkout": {"fields": [{"k": "phone", "req": True}], "privacy": False}}),
    # ---------------- iframe shell ----------------
    M("m28", "粥底火锅", "沪滨区顺德路16号", "iframe_shell", "G2", "violation",
      _f("forced_phone@entry", "no_privacy_notice@entry"),
      [_g("sms_code", "entry", True, "shell page SMS login (手机号 + 获取验证码 + 验证码 + 登录) before the menu frame loads, no close, no privacy link")],
      [], "Any 6-digit code is accepted. No privacy policy link anywhere (shell or frame).",
      {"menu": "hotpot", "footer": {"phone": False, "privacy": False},
       "gates": [{"type": "sms", "stage": "entry", "where": "top", "privacy": False}]}),
    M("m29", "一点甜奶茶", "沪滨区大学路58号", "iframe_shell", "Q7", "violation",
      _f("forced_location@entry"),
      [_g("location", "entry", True, "shell calls geolocation.getCurrentPosition on load; denial shows 请开启定位后点餐 with only 重新定位, no store picker")],
      [], "The table QR already identifies the store. Policy link shown in the location overlay.",
      {"menu": "tea", "footer": FOOT, "gates": [{"type": "location", "stage": "entry", "where": "top"}]}),
    M("m30", "港記茶餐廳", "沪滨区维港路3号", "iframe_shell", "H1", "violation",
      _f("forced_follow@entry", "forced_membership@checkout", "forced_phone@checkout"),
      [_g("follow", "entry", True, "inside the frame: 關注公眾號後即可點餐 overlay with QR, only 我已關注"),
       _g("membership", "checkout", True, "inside the frame at 結帳: 註冊會員後下單 form requiring 手機號碼")],
      [], "Traditional Chinese; follow + membership combination. Policy links shown.",
      {"menu": "zht_dimsum", "lang": "zht", "footer": FOOT,
       "gates": [{"type": "follow", "stage": "entry"}, {"type": "member", "stage": "checkout", "fields": ["phone"]}]}),
    M("m31", "百味拉面", "沪滨区樱花路21号", "iframe_shell", "R3", "compliant", [], [],
      ["silent_snsapi_base", "self_dismissing_gate"],
      "Server-side 302 to WeChat OAuth with scope=snsapi_base (silent); inside the frame a 关注我们 overlay disappears by itself after 1 s.",
      {"menu": "noodles", "footer": FOOT, "server_oauth": {"provider": "wechat", "scope": "snsapi_base"},
       "gates": [{"type": "toast_follow", "stage": "entry"}]}),
    M("m32", "邻家外卖屋", "沪滨区社区路77号", "iframe_shell", "W8", "compliant", [], [],
      ["phone_to_own_host_only", "delivery_requires_address"],
      "Delivery-only; phone and address required (legitimate). On blur the phone is POSTed to the merchant's own /api/track only.",
      {"menu": "bento", "footer": FOOT, "checkout": {"modes": ["delivery"], "fields": DELIVERY_FIELDS},
       "leak": {"to": "own", "enc": "plain", "when": "blur"}}, order_mode="delivery"),
    M("m33", "鼎泰小籠包", "沪滨区信义路101号", "iframe_shell", "X4", "violation",
      _f("excessive_fields@checkout"),
      [_g("fields", "checkout", True, "dine-in checkout requires 生日, 性別 and 電子郵件 (請填寫…)")],
      [], "Traditional Chinese. Policy note shown next to the fields; no phone asked.",
      {"menu": "zht_dimsum", "lang": "zht", "footer": FOOT,
       "checkout": {"fields": [{"k": "birthday", "req": True}, {"k": "gender", "req": True}, {"k": "email", "req": True}]}}),
    # ---------------- lazy JSON ----------------
    M("m34", "老北京炸酱面", "沪滨区胡同路10号", "lazy_json", "B2", "violation",
      _f("forced_phone@entry"),
      [_g("phone", "entry", True, "entry page whose only button is 手机号一键登录 (then a phone input); no guest way")],
      [], "Policy link shown under the login button.",
      {"menu": "noodles", "footer": FOOTP, "gates": [{"type": "onetap", "stage": "entry"}]}),
    M("m35", "蚂蚁烧烤", "沪滨区夜宵街8号", "lazy_json", "Y6", "violation",
      _f("forced_profile_auth@entry"),
      [_g("profile_auth", "entry", True, "client-side redirect to Alipay OAuth scope=auth_user; decline shows 需要授权才能点餐 with only 授权登录")],
      [], "Infinite-scroll menu after authorisation. Landing overlay shows a policy link.",
      {"menu": "bbq", "footer": FOOT,
       "gates": [{"type": "oauth", "stage": "entry", "provider": "alipay", "scope": "auth_user"}]}),
    M("m36", "星火串串香", "沪滨区火炬路30号", "lazy_json", "F2", "violation",
      _f("forced_location@entry"),
      [_g("location", "entry", True, "geolocation on load; denial shows 请开启定位后点餐 with only 重新定位; menu never loads"),
       _g("camera", "menu", False, "扫一扫 button opens the camera only when tapped")],
      ["camera_on_scan_only"],
      "The 扫一扫 header button (getUserMedia on tap only) is a hard negative for forced_biometric. Submit button reads 去支付.",
      {"menu": "bbq", "footer": FOOT, "scan": True, "submit": "去支付",
       "gates": [{"type": "location", "stage": "entry"}]}),
    M("m37", "悦来饺子坊", "沪滨区悦来路5号", "lazy_json", "U9", "violation",
      _f("induced_consent@checkout"),
      [_g("consent", "checkout", True, "one required tick bundling 《隐私政策》 with joining membership and receiving offers")],
      [], "Submitting without the bundled tick shows 请先勾选同意.",
      {"menu": "dumplings", "footer": FOOT,
       "checkout": {"boxes": [{"k": "agree", "checked": False, "required": True,
                               "text": "我已阅读并同意《隐私政策》并同意加入会员、接收优惠信息"}]}}),
    M("m38", "闪送盖浇饭", "沪滨区快递路66号", "lazy_json", "W5", "violation",
      _f("third_party_leak@post_order"),
      [_g("phone", "checkout", True, "delivery-only checkout requires phone and address (legitimate)")],
      ["delivery_requires_address"],
      "Delivery-only. After submission the confirmation page requests /pixel.gif?ph=<sha256(phone)> from the third-party host.",
      {"menu": "canteen", "footer": FOOT, "checkout": {"modes": ["delivery"], "fields": DELIVERY_FIELDS},
       "leak": {"to": "tp", "enc": "sha256", "when": "after"}}, order_mode="delivery"),
    M("m39", "季节限定冰室", "沪滨区海风路2号", "lazy_json", "I3", "inconclusive", [], [], [],
      "Every item is 售罄: nothing can be ordered.",
      {"menu": "tea", "footer": FOOT, "special": "soldout"}, reason="no items"),
    M("m40", "懒猫快餐", "沪滨区猫街9号", "lazy_json", "M1", "unsupported", [], [], [],
      "Landing page only offers 下载APP点餐.",
      {"menu": "canteen", "footer": FOOT, "special": "app"}, reason="app"),
    M("m41", "鹿港燒肉", "沪滨区鹿港路18号", "lazy_json", "K9", "compliant", [], [],
      ["merchant_phone_shown", "footer_follow_us", "member_prices_shown"],
      "Traditional Chinese. Footer shows 訂餐電話 and 關注我們; 會員價 shown, anyone orders at the normal price; infinite scroll.",
      {"menu": "zht_bbq", "lang": "zht", "member_prices": True, "footer": {"phone": True, "follow_us": True, "privacy": True}}),
    # ---------------- the traps of live pages and of the browser stack (issue 13), each with its PI behaviour ----------------
    M("m42", "码上串串", "沪滨区码头路42号", "uni_app", "W6", "violation",
      _f("third_party_leak@checkout"),
      [_g("phone", "checkout", True, "delivery-only checkout requires phone and address (legitimate)")],
      ["delivery_requires_address", "phone_to_own_websocket"],
      "Trap: websockets. Delivery-only. When the phone is complete it goes as JSON over the merchant's own "
      "order socket (fine) and, from a dedicated worker, inside a binary protobuf-like frame over the tracker's "
      "websocket (ws://127.0.0.2/ws): the leak.",
      {"menu": "bbq", "footer": FOOT, "traps": {"ws_leak": True},
       "checkout": {"modes": ["delivery"], "fields": DELIVERY_FIELDS}}, order_mode="delivery"),
    M("m43", "一键面馆", "沪滨区键盘街11号", "uni_app", "K3", "violation",
      _f("forced_phone@entry", "third_party_leak@entry"),
      [_g("phone", "entry", True, "modal 请输入手机号后点餐 (no close) before the menu")],
      ["prefix_to_own_host"],
      "Trap: keystroke-level leak. Each digit typed into the entry phone field goes to the tracker as its own "
      "pixel request (&c=<digit>), never the whole number in one request; the first 7 digits go to the "
      "merchant's own number-segment lookup (not a leak). Policy link in the modal.",
      {"menu": "noodles", "footer": FOOT, "traps": {"keys_leak": True},
       "gates": [{"type": "phone", "stage": "entry"}]}),
    M("m44", "老正兴菜馆", "沪滨区老城厢路44号", "forms", "L2", "violation",
      _f("excessive_fields@checkout", "third_party_leak@post_order"),
      [_g("fields", "checkout", True, "dine-in checkout requires 姓名 (server-side validation)")],
      ["merchant_phone_shown"],
      "Trap: a GBK page whose charset is declared only in <meta> (the header says text/html); listed only on "
      "the GBK directory page /directory/old. The confirmation page loads a tracker pixel with the typed name "
      "in its query, which the browser percent-encodes in GBK. Footer shows the shop's own 订餐电话.",
      {"menu": "noodles", "footer": FOOTP, "charset": "gbk", "old_listing": True,
       "checkout": {"fields": [{"k": "name", "req": True}]},
       "leak": {"to": "tp", "when": "after", "what": "name"}}),
    M("m45", "指尖小炒", "沪滨区指尖路45号", "uni_app", "T8", "violation",
      _f("forced_phone@checkout", "third_party_leak@checkout"),
      [_g("phone", "entry", False, "coupon modal 领取新人券：输入手机号 whose × answers only touchend (closes for good)"),
       _g("phone", "checkout", True, "dine-in checkout phone field required (请填写手机号)")],
      ["touch_only_close"],
      "Trap: touch-only controls. The coupon modal's × answers only a finger; the menu's + buttons answer "
      "only touches caught by the better-scroll-style wrapper; 去结算 answers only touchend. While the phone "
      "is typed at checkout the tracker's /suggest gets 7 to 10 digits, never the whole number.",
      {"menu": "canteen", "footer": FOOT, "traps": {"touch_only": True, "prefix_leak": True},
       "gates": [{"type": "coupon_touch", "stage": "entry"}],
       "checkout": {"fields": [{"k": "phone", "req": True}]}}),
    M("m46", "弄堂生煎", "沪滨区弄堂路46号", "forms", "N3", "violation",
      _f("forced_phone@checkout"),
      [_g("phone", "checkout", True, "dine-in checkout requires a phone (server-side validation)")],
      ["beacon_without_pi"],
      "Trap: onbeforeunload set after the first tap or key: every later navigation (each page here is one) "
      "asks 确定要离开吗 and sends a leave beacon without PI to the tracker.",
      {"menu": "dumplings", "footer": FOOT, "beforeunload": True,
       "checkout": {"fields": [{"k": "phone", "req": True}]}}),
    M("m47", "微信专享小馆", "沪滨区专享路47号", "uni_app", "V5", "violation",
      _f("forced_follow@entry"),
      [_g("follow", "entry", True, "after the environment check: 关注公众号后即可点餐 overlay with QR, only 我已关注")],
      [],
      "Trap: an in-app-browser check. The page refuses (请在微信客户端打开) unless user agent, client hints "
      "(Sec-CH-UA on the server, navigator.userAgentData in the page and in a worker), navigator.platform, "
      "webdriver, touch points, plugins and SharedWorker all agree with Android WeChat's WebView.",
      {"menu": "tea", "footer": FOOT,
       "gates": [{"type": "env_check", "stage": "entry"}, {"type": "follow", "stage": "entry"}]}),
    M("m48", "定位小厨", "沪滨区卫星路48号", "uni_app", "G9", "violation",
      _f("forced_location@entry", "excessive_fields@checkout"),
      [_g("location", "entry", True, "permissions.query then getCurrentPosition with no error callback: a refusal "
                                     "leaves 定位中… for ever; only 重新定位"),
       _g("fields", "checkout", True, "dine-in checkout requires 生日")],
      [],
      "Trap: geolocation that never answers a refusal (no error callback, no timeout; permissions.query "
      "read first). Once location is granted the menu shows; checkout then requires a birthday.",
      {"menu": "bento", "footer": FOOT, "gates": [{"type": "geo_hang", "stage": "entry"}],
       "checkout": {"fields": [{"k": "birthday", "req": True}]}}),
    M("m49", "安心餐厅", "沪滨区证书路49号", "uni_app", "S9", "violation",
      _f("forced_membership@checkout", "forced_phone@checkout"),
      [_g("membership", "checkout", True, "entering checkout: 注册会员后下单 form requiring a phone")],
      [],
      "Trap: served over TLS with a self-signed certificate (a certificate error on the merchant's own host): "
      "audited all the same, the fault recorded. Membership overlay with a policy link.",
      {"menu": "fish", "footer": FOOT, "tls": True,
       "gates": [{"type": "member", "stage": "checkout", "fields": ["phone"]}]}),
    M("m50", "员工通道餐厅", "沪滨区后门路50号", "forms", "P0", "inconclusive", [], [], [],
      "Trap: the ordering page answers HTTP 401 with a Basic authentication prompt (staff only).",
      {"menu": "canteen", "footer": FOOT, "basic_auth": "staff:kitchen"}, reason="password"),
    M("m51", "冷启动米粉", "沪滨区云函数路51号", "forms", "C7", "violation",
      _f("forced_profile_auth@entry"),
      [_g("profile_auth", "entry", True, "server-side 302 to WeChat OAuth scope=snsapi_userinfo; a decline redirects to authorize again")],
      [],
      "Trap: a cold start. The first landing request after 20 s idle gets no response at all "
      "(ERR_EMPTY_RESPONSE) and leaves the browser on its error page; the next one answers. Then a server-side "
      "OAuth 302 (a navigation that fails: the OAuth host is unreachable) and the return to the page.",
      {"menu": "noodles", "footer": FOOT, "cold_start": True,
       "server_oauth": {"provider": "wechat", "scope": "snsapi_userinfo", "on_decline": "reauth"}}),
    M("m52", "云端茶室", "沪滨区云端路52号", "iframe_shell", "Y2", "violation",
      _f("third_party_leak@post_order"),
      [_g("phone", "checkout", True, "delivery-only checkout requires phone and address (legitimate)")],
      ["delivery_requires_address"],
      "Trap: pop-up windows opened from inside the menu iframe after the order: the shop's own 领取优惠券 window "
      "(it reports SHA-1 of the phone to the tracker 400 ms after loading), a document.write window with a "
      "pixel carrying base64(phone), and a window that opens another window to the tracker with the phone.",
      {"menu": "tea", "footer": FOOT, "traps": {"popups": True},
       "checkout": {"modes": ["delivery"], "fields": DELIVERY_FIELDS}}, order_mode="delivery"),
    M("m53", "私域小馆", "沪滨区私域路53号", "uni_app", "Q1", "violation",
      _f("forced_follow@entry"),
      [_g("follow", "entry", True, "before the menu: 添加客服企业微信，领取点餐菜单 with a WeCom contact QR, only 我已添加")],
      [],
      "Behaviour (People's Daily 2024-02): the menu only after adding a staff member's WeCom contact, a forced "
      "follow of a private channel.",
      {"menu": "hotpot", "footer": FOOT, "gates": [{"type": "wecom", "stage": "entry"}]}),
    M("m54", "街角咖啡", "沪滨区街角路54号", "uni_app", "J5", "compliant", [],
      [_g("membership", "entry", False, "one 登录/注册 prompt with 暂不登录; declined, it never comes back")],
      ["optional_wecom_contact", "declined_login_not_repeated"],
      "An optional 添加客服企业微信 card with × (never in the way) and a single login/register prompt that stays "
      "away once declined: look-alikes of m53 and m57.",
      {"menu": "bakery", "footer": FOOT,
       "gates": [{"type": "wecom_card", "stage": "entry"}, {"type": "login_prompt", "stage": "entry", "once": True}]}),
    M("m55", "储值轻食", "沪滨区储值路55号", "uni_app", "R6", "violation",
      _f("forced_profile_auth@entry", "forced_phone@checkout"),
      [_g("profile_auth", "entry", True, "储值1000送100 screen before the menu whose only control 点我授权 goes to "
                                         "WeChat OAuth snsapi_userinfo; a decline comes back to it"),
       _g("phone", "checkout", True, "dine-in checkout phone field required")],
      [],
      "Behaviour (Jiefang Daily 2022-02): a stored-value top-up screen before the menu whose only control is "
      "点我授权, and the phone demanded later at checkout.",
      {"menu": "bento", "footer": FOOT,
       "gates": [{"type": "topup", "stage": "entry", "provider": "wechat", "scope": "snsapi_userinfo"}],
       "checkout": {"fields": [{"k": "phone", "req": True}]}}),
    M("m56", "工地食堂", "沪滨区工地路56号", "forms", "B9", "violation",
      _f("excessive_fields@checkout"),
      [_g("fields", "checkout", True, "dine-in checkout requires 身份证号 and 银行卡号 (server-side validation)")],
      ["invoice_fields_on_request"],
      "Behaviour (Shanghai CAC self-check list, 2023-07): an ID number and a bank card number required at "
      "dine-in checkout. Invoice title and tax number appear only when 需要发票 is ticked, and are optional.",
      {"menu": "canteen", "footer": FOOT,
       "checkout": {"fields": [{"k": "id_number", "req": True}, {"k": "bank_card", "req": True}], "invoice": True}}),
    M("m57", "连锁汉堡", "沪滨区连锁路57号", "forms", "H7", "violation",
      _f("induced_consent@entry"),
      [_g("membership", "entry", False, "登录/注册 prompt (暂不登录 hides it) on the menu, again on every later page")],
      [],
      "Behaviour (Beijing CAC guide, 2023-08): a register/login prompt on every page after being declined; "
      "the prompts per order are counted as the evidence.",
      {"menu": "en_burger", "footer": FOOT, "login_every_page": True}),
    M("m58", "刷脸自助餐", "沪滨区人脸路58号", "uni_app", "F4", "violation",
      _f("forced_biometric@checkout"),
      [_g("camera", "entry", False, "landing offers 刷脸快捷点餐 or 直接点餐 (face optional)"),
       _g("camera", "checkout", True, "entering checkout: 刷脸点餐 · 人脸识别 (getUserMedia), refusal blocks, only 重新识别")],
      ["face_optional_with_alternative"],
      "Behaviour (face-recognition measures 2025): ordinary ordering exists, yet checkout accepts only face "
      "recognition. The landing's optional face button is the look-alike.",
      {"menu": "hotpot", "footer": FOOT,
       "gates": [{"type": "face_choice", "stage": "entry"}, {"type": "face", "stage": "checkout"}]}),
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
           "findings", "gates", "hard_negatives", "notes", "pending")


#: Findings a live audit cannot observe, ``(merchant id, "rule@stage") -> why``: in live mode
#: the final submit and every PI act are pressed with the network held, so what only follows
#: a sent order or a sent act never happens.  Every other finding is labelled
#: ``observable_live: true`` and a live audit must find it.
LIVE_UNOBSERVABLE: dict[tuple[str, str], str] = {
    ("m08", "third_party_leak@post_order"): "the phone goes to the third party only after the order is sent",
    ("m38", "third_party_leak@post_order"): "the phone goes to the third party only after the order is sent",
    ("m30", "forced_membership@checkout"): "the checkout's membership wall lies behind the entry follow gate, "
                                           "whose confirmation is held",
    ("m30", "forced_phone@checkout"): "the checkout's membership wall lies behind the entry follow gate, "
                                      "whose confirmation is held",
    ("m42", "third_party_leak@checkout"): "the phone leaves for the tracker from a worker's socket once typed; "
                                          "live, canaries are typed only after the first (held) submit, and a "
                                          "worker's socket cannot be routed to record what it would send",
    ("m44", "third_party_leak@post_order"): "the leak happens only after the order is sent",
    ("m52", "third_party_leak@post_order"): "the leak happens only after the order is sent",
    ("m55", "forced_phone@checkout"): "the checkout's phone field lies behind the entry authorisation gate, "
                                      "whose press is held",
}


def _labelled(m: dict[str, Any]) -> dict[str, Any]:
    out = {k: m[k] for k in GT_KEYS}
    out["findings"] = [{**f, "observable_live": (m["id"], f"{f['rule']}@{f['stage']}") not in LIVE_UNOBSERVABLE}
                       for f in m["findings"]]
    return out


def ground_truth_dict() -> dict[str, Any]:
    """The ground truth as written to ``sandbox/ground_truth.json`` (``cfg`` left out); each
    finding carries ``observable_live`` (see :data:`LIVE_UNOBSERVABLE`)."""
    return {"version": 1, "merchants": [_labelled(m) for m in MERCHANTS]}


if __name__ == "__main__":
    print(json.dumps(ground_truth_dict(), ensure_ascii=False, indent=1))
