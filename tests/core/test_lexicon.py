"""The one normaliser (core.lexicon): Traditional Chinese read as Simplified, width and case folded."""

from __future__ import annotations

from core.lexicon import fold, simplified


def test_traditional_characters_become_simplified_character_for_character():
    # characters a hand-written pair list had missed (貨, 賬, 送貨) and everyday ordering words
    for hant, hans in (("收貨地址", "收货地址"), ("手機號碼", "手机号码"), ("會員註冊", "会员注册"),
                       ("企業微信", "企业微信"), ("關注公眾號", "关注公众号"), ("隱私權政策", "隐私权政策"),
                       ("送貨上門", "送货上门"), ("點餐", "点餐")):
        assert simplified(hant) == hans
        assert len(simplified(hant)) == len(hant)


def test_variants_read_as_the_word_the_lists_use():
    assert simplified("檯號") == simplified("枱號") == "台号"
    assert simplified("結帳") == "结账"


def test_latin_text_and_simplified_text_are_unchanged():
    assert simplified("Place order 提交订单 ¥38") == "Place order 提交订单 ¥38"
    assert simplified(None) == ""


def test_fold_width_case_and_script():
    assert fold("ＡＢＣ１２３ 手機") == "abc123 手机"
    assert fold(None) == ""
