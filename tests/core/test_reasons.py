"""Reason codes and the one table of their words (core.reasons)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from core.reasons import (
    ASKS,
    DOING,
    MODES,
    NET_ERRORS,
    REACHED,
    WORDS,
    Code,
    Doing,
    Reason,
    from_legacy_text,
    is_transient,
    render,
    stored,
)
from results.report.reasons import reason_text

# Sentences as runs stored before reason codes wrote them, and their Chinese.
AGENT_REASONS = {
    "page could not be loaded: host name not found (DNS) (ERR_NAME_NOT_RESOLVED)":
        "页面无法打开：域名无法解析",
    "page could not be loaded: connection refused (ERR_CONNECTION_REFUSED)":
        "页面无法打开：连接被拒绝",
    "page could not be loaded: HTTP 404": "页面无法打开：服务器返回错误（状态码 404）",
    "no items to order: everything is sold out (售罄)": "没有可点的菜品：全部售罄",
    "dead end while adding an item": "无法继续：在「加菜」时走不下去",
    "dead end while opening the cart": "无法继续：在「打开购物车」时走不下去",
    "dead end while getting past a gate (phone, sms_code)":
        "无法继续：在「通过拦截层（手机号、短信验证码）」时走不下去",
    "redirect loop: the page keeps redirecting": "重定向循环：页面不断跳转",
    "app-only: the page asks to download/open an app": "仅限手机应用：页面要求下载或打开手机应用",
    "mini-program only: the page asks to open a WeChat mini-program": "仅限小程序：页面要求打开微信小程序",
    "closed: the merchant is not taking orders now (休息/打烊/closed)": "商家休息中：当前不接受点餐（休息/打烊）",
    "timeout after 45 s while choosing order mode dine_in": "超时：45 秒内未完成（当时在「选择就餐方式（堂食）」）",
    "PI gate (membership, phone) with no way past it": "索取个人信息的拦截层（注册会员、手机号）无法绕过",
    "mini-program or app link (weixin://): not a web page; mini-program/app only":
        "小程序或手机应用的链接：不是网页，只能在小程序或手机应用中打开",
    "could not reach checkout (reached menu)": "未能到达结算页（进度：菜单）",
}




@pytest.mark.parametrize("reason", sorted(AGENT_REASONS))
def test_a_stored_sentence_is_read_back_and_rendered_in_both_languages(reason):
    r = from_legacy_text(reason)
    assert r.code != Code.UNKNOWN
    assert r.text("zh") == AGENT_REASONS[reason]
    assert reason_text(reason, "zh") == AGENT_REASONS[reason]
    assert reason_text(reason, "en") == reason
    # and the code says the same as the sentence did
    assert reason_text(None, "zh", str(r.code), dict(r.params)) == AGENT_REASONS[reason]


def test_an_unknown_sentence_is_kept_as_stored():
    r = from_legacy_text("something new happened")
    assert r.code == Code.UNKNOWN and r.text("zh") == "something new happened"
    assert reason_text("something new happened", "zh") == "something new happened"
    assert reason_text(None, "zh") == "" and from_legacy_text(None) is None


def _sample(code: Code) -> dict:
    return {"net_error": "ERR_CONNECTION_REFUSED", "http_status": None, "doing": Doing.GATE, "doing_asks": ["phone"],
            "mode": "dine_in", "seconds": 45, "error": "ValueError: x", "scheme": "weixin", "kind": "app",
            "asks": ["phone", "membership"], "reached": "menu", "script_error": True, "no_pi_field": True,
            "text": "as stored"}


LATIN_WORD = re.compile(r"[A-Za-z]+")  # the Chinese report shows these words as they are: none at all
ALLOWED_LATIN: set[str] = set()


@pytest.mark.parametrize("code", list(Code))
def test_every_code_has_english_and_chinese_words(code):
    en, zh = render(code, _sample(code), "en"), render(code, _sample(code), "zh")
    assert en and zh and code in WORDS
    if code != Code.UNKNOWN:
        latin = {w for w in LATIN_WORD.findall(zh)} - ALLOWED_LATIN
        assert not latin, (code, zh)


def test_every_doing_ask_mode_reached_and_net_error_has_chinese():
    for table in (DOING, ASKS, MODES, REACHED):
        for key, (en, zh) in table.items():
            assert en and zh and not re.search(r"[a-z]{3}", zh.replace("{mode}", "").replace("{asks}", "")), key
    for err, (en, zh, _transient) in NET_ERRORS.items():
        assert en and zh and not re.search(r"[A-Za-z]", zh), err


def test_transient_load_failures_are_decided_on_the_code():
    assert is_transient(Code.LOAD_FAILED, {"net_error": "ERR_NAME_NOT_RESOLVED"})
    assert is_transient(Code.LOAD_FAILED, {"http_status": 503}) and is_transient(Code.LOAD_FAILED, {"http_status": 429})
    assert not is_transient(Code.LOAD_FAILED, {"http_status": 404})
    assert not is_transient(Code.LOAD_FAILED, {"net_error": "ERR_UNSAFE_PORT"})
    assert not is_transient(Code.CLOSED, {})


def test_stored_prefers_the_code_and_reads_json_params():
    r = stored("load_failed", '{"http_status": 502}', "whatever the words")
    assert r == Reason(Code.LOAD_FAILED, {"http_status": 502}) and r.text() == "page could not be loaded: HTTP 502"
    assert stored("no_such_code_yet", {}, "newer words").text() == "newer words"
    assert stored(None, None, "closed: the merchant is not taking orders now (休息/打烊/closed)").code == Code.CLOSED


def test_the_agent_and_the_engine_end_visits_with_codes_not_sentences():
    """A drift guard: ``Finished`` carries a Reason; no English sentence is raised or parsed."""
    root = Path(__file__).resolve().parents[2]
    for f in [*root.joinpath("crawler").rglob("*.py")]:
        src = f.read_text(encoding="utf-8")
        assert not re.search(r'Finished\(\s*"\w+",\s*f?"', src), f
        assert "page could not be loaded" not in src, f
