"""The detectors on the traps of issue 13, from hand-made traces: binary websocket frames,
keystroke-level and prefix leaks, legacy-charset encodings, bank card fields, prompts
repeated on every page, WeCom follows, a face step beside another way, the newer texts."""

from __future__ import annotations

import base64
import re
from urllib.parse import quote

from core.trace import TypedValue, WebSocketFrame
from detectors import judge
from detectors import text as tx
from detectors.encodings import build_needles, chain_text, compose, describe_chain, js_escape
from detectors.engine import load_rules
from detectors.rules.leak import keystroke_streams

from .builders import (
    NAME,
    PHONE,
    el,
    field,
    gate,
    permission,
    phone_gate,
    request,
    rules_of,
    trace,
    tries,
    typed_phone,
)

PRIVACY = [{"text": "隐私政策", "href": "/privacy"}]
TRACKER = "https://collect.tracker-cdn.net"


def _leaks(result):
    return [f for f in result.findings if f.rule == "third_party_leak"]


def _phone_trace(**kw):
    g = phone_gate(links=[el("a", "隐私政策")], passed_by="try", tried=tries(("skip link", "passed")))
    return trace(gates=[g], typed=[typed_phone(1)], links=PRIVACY, **kw)


# ---- websockets --------------------------------------------------------------------------

def test_phone_inside_a_binary_websocket_frame_is_a_leak():
    frame = bytes([0x08, 0x96, 0x01, 0x12, 11]) + PHONE.encode() + bytes([0x1A, 3]) + b"m42" + bytes([0x20, 0x01, 0xFF])
    ws = [WebSocketFrame(step=3, t_ms=1, url="wss://ws.tracker-cdn.net/ws", direction="sent",
                         payload="base64:" + base64.b64encode(frame).decode()),
          WebSocketFrame(step=3, t_ms=2, url="wss://ws.tracker-cdn.net/ws", direction="received",
                         payload=f'{{"echo":"{PHONE}"}}')]
    leaks = _leaks(judge(_phone_trace(websocket_frames=ws)))
    assert len(leaks) == 1 and leaks[0].evidence["leaks"][0]["ws_frame"] == 0


def test_phone_over_the_merchants_own_socket_is_no_leak():
    ws = [WebSocketFrame(step=3, t_ms=1, url="wss://m.shop-example.com.cn/ws", direction="sent",
                         payload=f'{{"type":"bind","phone":"{PHONE}"}}')]
    assert not _leaks(judge(_phone_trace(websocket_frames=ws)))


# ---- keystroke level -------------------------------------------------------------------------

def test_one_character_per_request_is_joined_and_found():
    reqs = [request(i + 1, f"{TRACKER}/k.gif?f=m&i={i}&c={c}&t={1000 + i}", step_n=2) for i, c in enumerate(PHONE)]
    t = _phone_trace(requests=reqs)
    streams = keystroke_streams(t, {"shop-example.com.cn"})
    assert any(s["text"] == PHONE and s["field"] == "c" for s in streams)
    leaks = _leaks(judge(t))
    first = leaks[0].evidence["leaks"][0] if leaks else {}
    assert first.get("where") == "keystrokes:c" and first.get("keystrokes") == 11


def test_key_codes_sent_one_by_one_are_joined():
    reqs = [request(i + 1, f"{TRACKER}/kc", method="POST", body=f'{{"keyCode": "{ord(c)}"}}', step_n=2)
            for i, c in enumerate(PHONE)]
    assert _leaks(judge(_phone_trace(requests=reqs)))


def test_a_long_prefix_is_a_leak_a_short_one_is_not():
    assert _leaks(judge(_phone_trace(requests=[request(1, f"{TRACKER}/suggest?q={PHONE[:8]}")])))
    assert not _leaks(judge(_phone_trace(requests=[request(1, f"{TRACKER}/suggest?q={PHONE[:7]}")])))
    # the whole value found in the same request wins over its prefixes
    d = _leaks(judge(_phone_trace(requests=[request(1, f"{TRACKER}/c?m={PHONE}")])))[0].evidence
    assert d["encoding"] == "typed"


def test_single_characters_of_unrelated_fields_are_no_leak():
    reqs = [request(i + 1, f"{TRACKER}/p.gif?v=1&s={c}") for i, c in enumerate("abcdefghijk")]
    assert not _leaks(judge(_phone_trace(requests=reqs)))


# ---- legacy charsets ---------------------------------------------------------------------------

def test_a_name_percent_encoded_in_gbk_big5_or_js_escape_is_found():
    typed = [TypedValue(step=4, kind="name", value=NAME, selector="#name")]
    for enc in (quote(NAME.encode("gbk")), quote(NAME.encode("gbk"), safe="").lower(), js_escape(NAME)):
        t = trace(typed=typed, links=PRIVACY, requests=[request(1, f"{TRACKER}/p.gif?n={enc}", step_n=5)])
        assert _leaks(judge(t)), enc
    ns = build_needles([("name", "臺北測試")])
    assert quote("臺北測試".encode("big5"), safe="").lower() in ns.texts


def test_a_gbk_request_body_is_read_as_gbk():
    body = base64.b64encode(f"name={NAME}".encode("gbk")).decode()
    t = trace(typed=[TypedValue(step=4, kind="name", value=NAME)], links=PRIVACY,
              requests=[request(1, f"{TRACKER}/crm", method="POST", body=body, body_encoding="base64", step_n=5,
                                headers={"Content-Type": "text/plain; charset=gbk"})])
    assert _leaks(judge(t))


# ---- the explanation in Chinese: the encoding in words ------------------------------------------

def _zh_without_hosts(f) -> str:
    text = f.explanation_zh
    for d in f.evidence["leaks"]:
        text = text.replace(d["host"], "")
    return text


def test_the_chinese_explanation_names_the_encoding_in_words_and_keeps_the_code_in_english():
    prefix = _leaks(judge(_phone_trace(requests=[request(1, f"{TRACKER}/suggest?q={PHONE[:8]}")])))[0]
    gbk = _leaks(judge(trace(typed=[TypedValue(step=4, kind="name", value=NAME)], links=PRIVACY,
                             requests=[request(1, f"{TRACKER}/p.gif?n={quote(NAME.encode('gbk'))}", step_n=5)])))[0]
    ws = _leaks(judge(_phone_trace(websocket_frames=[WebSocketFrame(
        step=3, t_ms=1, url="wss://ws.tracker-cdn.net/ws", direction="sent", payload=f'{{"tel":"{PHONE}"}}')])))[0]
    assert prefix.evidence["encoding"] == "prefix8(typed)" and "(prefix8(typed) in url)" in prefix.explanation
    assert "（输入过程中的前8位）" in prefix.explanation_zh and "手机号" in prefix.explanation_zh
    assert gbk.evidence["encoding"] == "url-gbk(typed)" and "(url-gbk(typed) in url)" in gbk.explanation
    assert "国标扩展汉字字符集的网址编码" in gbk.explanation_zh and "姓名" in gbk.explanation_zh
    assert ws.evidence["method"] == "WS" and "（原样明文）" in ws.explanation_zh
    for f in (prefix, gbk, ws):
        assert not re.search(r"[A-Za-z]", _zh_without_hosts(f)), f.explanation_zh


def test_every_encoding_chain_the_needles_can_carry_has_words_in_both_languages():
    ns = build_needles([("phone", PHONE), ("name", NAME), ("email", "Diner@example.com")])
    chains = {n.chain for n in ns.texts.values()} | {n.chain for d in ns.hexes.values() for n in d.values()}
    views = ("raw", "urldecoded", "urldecoded2", "html", "base64", "base64+urldecoded", "base64+html")
    assert any(c.startswith("prefix") for c in chains) and "url-gbk(typed)" in chains
    for chain in chains:
        for view in views:
            full = compose(view, chain)
            en, zh = describe_chain(full, "en"), describe_chain(full, "zh")
            assert en is not None and zh is not None, full
            assert not re.search(r"[A-Za-z]", chain_text(full, "zh")), (full, chain_text(full, "zh"))
    assert chain_text("rot13(typed)", "zh") == "其他编码形式" and chain_text("rot13(typed)") == "rot13(typed)"


# ---- excessive fields: the field classes named -----------------------------------------------------

def test_id_and_bank_card_fields_are_named():
    assert tx.field_kind(field("银行卡号（储值卡绑定）")) == "bank_card"
    assert tx.field_kind(field("会员卡号")) != "bank_card"
    assert tx.field_kind(field("银行卡预留手机号")) == "phone"
    g = gate(stage="checkout", step=5, kind="form", text="身份证号 银行卡号 隐私政策",
             fields=[field("身份证号 *", name="id_number", required=("asterisk",)),
                     field("银行卡号 *", name="bank_card", required=("asterisk",))])
    f = next(x for x in judge(trace(gates=[g], links=PRIVACY)).findings if x.rule == "excessive_fields")
    assert "ID number" in f.explanation and "bank card number" in f.explanation and "sensitive" in f.explanation
    assert f.evidence["field_classes"] == ["id_number", "bank_card"] and "银行卡号" in f.explanation_zh


# ---- induced consent: prompts per order ---------------------------------------------------------------

def test_a_login_prompt_on_every_page_is_counted():
    prompt = "登录/注册 登录后享会员价和积分 手机号登录/注册 暂不登录 隐私政策"
    g = gate(text=prompt, passed_by="try", appearances=4,
             tried=tries(("skip link", "gate_returned"), ("skip link", "gate_returned"),
                         ("skip link", "gate_returned"), ("skip link", "passed")))
    g.appeared_steps = [1, 2, 4, 5]
    f = next(x for x in judge(trace(gates=[g], links=PRIVACY)).findings if x.rule == "induced_consent")
    assert f.evidence["prompts_per_order"] == 4 and f.evidence["declined"] == 4 and f.stage == "entry"


def test_different_login_prompts_on_different_pages_add_up():
    gs = [gate(f"g{i}", step=s, stage=st, text=txt, passed_by="try", tried=tries(("skip link", "passed")))
          for i, (s, st, txt) in enumerate([(1, "entry", "登录享会员价 暂不登录"), (4, "cart", "注册会员领积分 以后再说"),
                                            (5, "checkout", "手机号快捷登录 暂不")])]
    f = [x for x in judge(trace(gates=gs, links=PRIVACY)).findings if x.rule == "induced_consent"]
    assert f and f[0].evidence["prompts_per_order"] == 3


def test_one_declined_login_prompt_is_fine():
    g = gate(text="登录/注册 暂不登录 隐私政策", passed_by="try", tried=tries(("skip link", "passed")))
    assert not rules_of(judge(trace(gates=[g], links=PRIVACY)))


# ---- WeCom: a follow of a private channel ---------------------------------------------------------------

def test_a_wecom_contact_wall_is_a_forced_follow():
    assert tx.text_asks("添加客服企业微信，领取点餐菜单").get("follow")
    assert tx.text_asks("扫码加入门店福利群").get("follow") and not tx.text_asks("添加备注").get("follow")
    g = gate(text="添加客服企业微信，领取点餐菜单 长按识别二维码添加门店客服 我已添加 隐私政策",
             images=[{"src": "/qr.png", "alt": "", "width": 160, "height": 160,
                      "qr_text": "https://work.weixin.qq.com/ca/cawcde123"}])
    assert rules_of(judge(trace(gates=[g], links=PRIVACY))) == {("forced_follow", "entry")}


def test_an_optional_wecom_card_is_no_follow_gate():
    g = gate(text="添加客服企业微信，预约包间更方便（可选） ×", passed_by="try", tried=tries(("close icon", "passed")))
    assert not rules_of(judge(trace(gates=[g], links=PRIVACY)))


# ---- face: the only way, or one way among others ---------------------------------------------------------

def test_a_face_step_beside_an_untried_other_way_is_not_forced():
    g = gate(text="选择点餐方式 刷脸快捷点餐 直接点餐 隐私政策", passed_by="granted", permission=0,
             buttons=[el("div.face", "刷脸快捷点餐"), el("div.plain", "直接点餐")],
             tried=tries(("Escape", "still_blocked"), ("wait", "still_blocked")))
    t = trace(gates=[g], links=PRIVACY, permissions=[permission("camera", answer="denied", video=True),
                                                     permission("camera", answer="granted", video=True)])
    assert not [f for f in judge(t).findings if f.rule == "forced_biometric"]
    g.buttons = [el("div.retry", "重新识别")]
    assert [f for f in judge(t).findings if f.rule == "forced_biometric"]


# ---- the newer texts ------------------------------------------------------------------------------------

def test_newer_texts_are_cited_with_their_to_verify_marks():
    rules = load_rules()
    basis = {rid: " | ".join(r.legal_basis) for rid, r in rules.items()}
    for rid in ("forced_phone", "forced_membership", "forced_profile_auth", "excessive_fields", "induced_consent"):
        assert "Decree No. 778, to verify" in basis[rid], rid
    for rid in ("induced_consent", "third_party_leak", "no_privacy_notice"):
        assert "Decree No. 790, to verify" in basis[rid] and "articles: to verify" in basis[rid], rid
    assert "art. 10 reported" in basis["forced_biometric"] and "to verify" in basis["forced_biometric"]
    for rid in rules:
        if rid.startswith("forced_"):
            assert "special action" in basis[rid] and "wording to verify" in basis[rid], rid
    assert all(len(set(r.legal_basis)) == len(r.legal_basis) for r in rules.values())
