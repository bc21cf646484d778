"""The report for the people who read it: Chinese words only in the Chinese report, full legal
titles with their articles, a glossary, the live-audit limits, network evidence shown as a
request, a one-page report for a check, and pages that fit a phone."""

from __future__ import annotations

import json
import re
from html import unescape
from pathlib import Path

import pytest

from detectors.engine import load_rules
from results.report import build_report
from results.report.citations import cite, cn_number

from .conftest import RUN_A, RUN_B
from .fakerun import build_fake_run, merchants_with
from .zhcheck import RunFacts, problems


def _pages(index: Path) -> list[Path]:
    out = index.parent
    return [*sorted(out.glob("*.html")), *sorted((out / "merchants").glob("*.html"))]


def _visible(html: str) -> str:
    return unescape(re.sub(r"<!--.*?-->|<[^>]+>", " ", html, flags=re.S))


# ---- 2. every word of the Chinese report in Chinese ---------------------------------------------


#: The fake runs' merchants as a crawl would record them: vendor guesses and reasons of the real vocabulary.
REAL = {"m01": {"vendor": "server-forms"}, "m02": {"vendor": "spa-hash"},
        "m03": {"vendor": "server-forms", "reason": "closed: the merchant is not taking orders now (休息/打烊/closed)"},
        "m04": {"vendor": "lazy-json"}}


def test_the_chinese_report_has_no_latin_word_outside_the_allowed_kinds(tmp_path):
    data_dir = tmp_path / "data"
    build_fake_run(data_dir, RUN_A, merchants_with(REAL))
    build_fake_run(data_dir, RUN_B, merchants_with({**REAL, "m01": {**REAL["m01"], "verdict": "compliant",
                                                                     "findings": []}}))
    index = build_report(RUN_B, data_dir)  # B has a previous run: its comparison page is built too
    assert (index.parent / "diff.html").is_file()
    facts = RunFacts(data_dir, RUN_B)
    found = {p.name: problems(p.read_text(encoding="utf-8"), facts) for p in _pages(index)}
    assert {k: v for k, v in found.items() if v} == {}
    # the checker does catch English: the English report fails it
    en = build_report(RUN_B, data_dir, lang="en")
    assert problems((en.parent / "merchants" / "m04.html").read_text(encoding="utf-8"), facts)


def test_the_checker_refuses_english_dressed_as_an_allowed_kind(data_dir):
    facts = RunFacts(data_dir, RUN_A)
    assert problems('<p><span class="page">老街面馆</span> <code class="rule">forced_phone</code></p>', facts) == []
    bad = ('<p><span class="page">we made this up</span><code class="rule">not_a_rule</code>'
           '<code class="hash">xyz</code><code class="tech">anything</code> gate g1</p>')
    assert len(problems(bad, facts)) == 5


def test_run_facts_tries_and_steps_are_in_chinese(data_dir):
    index = build_report(RUN_A, data_dir)
    html = index.read_text(encoding="utf-8")
    assert "（整区巡查，已完成）" in html and "(crawl, finished)" not in html
    page = (index.parent / "merchants" / "m01.html").read_text(encoding="utf-8")
    shown = _visible(page)
    assert "点关闭图标 → 仍被拦截" in shown and "按退出键 → 仍被拦截" in shown
    assert "still_blocked" not in shown and "Escape" not in shown
    assert "2. 填写" in shown and "3. 点击" in shown  # step cards: the action in words, the page's own text quoted


# ---- 2. citations with their full Chinese title and article; glossary -------------------------------


def test_every_citation_of_every_rule_has_a_full_title_and_an_article():
    for rid, info in load_rules().items():
        for raw in info.legal_basis:
            c = cite(raw)
            assert c.known, (rid, raw)
            zh = c.text("zh")
            assert not re.search(r"[A-Za-z]", zh.replace("App违法违规", "").replace("GB/T", "")), (raw, zh)
            if re.search(r"\d", raw.split(")")[-1]):
                assert c.where("zh"), (raw, zh)
    assert cite("PIPL art. 16").text("zh") == "《中华人民共和国个人信息保护法》第十六条"
    assert cite("CRPL art. 29 ¶2").text("zh") == "《中华人民共和国消费者权益保护法》第二十九条第二款"
    assert cite("Network Data Security Regulations art. 22(5)").text("zh") == "《网络数据安全管理条例》第二十二条第（五）项"
    assert cite("Necessary-PI Scope art. 4").text("zh") == "《常见类型移动互联网应用程序必要个人信息范围规定》第四条"
    assert [cn_number(n) for n in (1, 10, 16, 20, 23, 100, 105, 110)] == [
        "一", "十", "十六", "二十", "二十三", "一百", "一百零五", "一百一十"]


def test_citations_link_to_the_law_page_and_the_glossary_is_on_every_page(data_dir):
    index = build_report(RUN_A, data_dir)
    out = index.parent
    law = (out / "law.html").read_text(encoding="utf-8")
    page = (out / "merchants" / "m01.html").read_text(encoding="utf-8")
    links = re.findall(r'<a href="\.\./law\.html#([\w-]+)"><cite class="law">([^<]+)</cite>([^<]*)</a>', page)
    assert ("pipl-16", "《中华人民共和国个人信息保护法》", "第十六条") in links
    for anchor, _title, _where in links:
        assert f'id="{anchor}"' in law, anchor
    assert "PIPL" not in _visible(law) and "第十六条" in law and "不得以个人不同意" in law
    glossary = (out / "glossary.html").read_text(encoding="utf-8")
    for term in ("测试值（金丝雀值）", "拦截层", "第三方"):
        assert term in glossary
    for p in _pages(index):
        assert 'href="../glossary.html"' in p.read_text(encoding="utf-8") or 'href="glossary.html"' in \
            p.read_text(encoding="utf-8"), p.name


# ---- mode and not_observed -------------------------------------------------------------------


def test_a_live_audit_says_what_it_could_not_observe_in_both_languages(tmp_path):
    live = {"mode": "live", "not_observed": ["server_validation", "post_order"]}
    build_fake_run(tmp_path, "live", merchants_with({"m01": live, "m02": live}))
    zh = build_report("live", tmp_path)
    page = _visible((zh.parent / "merchants" / "m01.html").read_text(encoding="utf-8"))
    assert "实时审计（未代顾客提交任何信息）" in page
    assert "本次审计看不到的内容" in page and "服务器对订单的校验" in page and "提交订单之后的页面与行为" in page
    index = _visible(zh.read_text(encoding="utf-8"))
    assert "服务器对订单的校验（哪些信息是必填、是否拒单）（2）" in index
    assert "沙盒审计（可提交订单，从不付款） 2" in index  # m03, m04: privileged
    en = build_report("live", tmp_path, lang="en")
    page = _visible((en.parent / "merchants" / "m01.html").read_text(encoding="utf-8"))
    assert "live (nothing sent on the diner's behalf)" in page and "what follows a placed order" in page


# ---- 3. a network finding shows the request, not a box ------------------------------------------


def test_a_network_finding_shows_the_request_and_draws_no_box(data_dir):
    index = build_report(RUN_A, data_dir)
    page = (index.parent / "merchants" / "m04.html").read_text(encoding="utf-8")
    leak = page[page.index("third_party_leak</code>"):]
    leak = leak[:leak.index("</article>")]
    assert "http://127.0.0.2:9000/collect?p=13800000000" in leak and "读取请求" in leak
    evidence = json.loads(unescape(re.search(r'data-evidence="([^"]*)"', leak).group(1)))
    assert evidence["box"] is None and evidence["how"] == "box_request"
    assert "证据是上面的网络请求" in leak and "未记录元素位置" not in leak


def test_a_leaks_method_and_encoding_are_in_words_of_the_one_table(tmp_path):
    """A websocket frame's method (WS) and every layer of an encoding chain (a prefix, a GBK URL
    encoding) have Chinese words; a run stored when the rule still quoted the chain's code in its
    Chinese explanation is shown in words too, and the host it names is marked as one.  The English
    keeps the codes."""
    leaks = {"m04": {**REAL["m04"], "leak": {"method": "WS", "encoding": "prefix8(typed)", "host": "127.0.0.2",
                              "explanation_zh": "输入的手机号被发送至第三方127.0.0.2（prefix8(typed)）。"}},
             "m01": {**REAL["m01"], "findings": [("third_party_leak", "checkout")],
                     "leak": {"method": "POST", "encoding": "url-gbk(typed)", "host": "collect.tracker-cdn.net",
                              "explanation_zh": "输入的姓名被发送至第三方collect.tracker-cdn.net（按国标扩展汉字字符集的网址编码）。"}},
             "m02": {**REAL["m02"], "verdict": "violation", "findings": [("third_party_leak", "checkout")],
                     "leak": {"encoding": "sha512(digits)"}}}
    build_fake_run(tmp_path, "leaks", merchants_with(leaks))
    zh = build_report("leaks", tmp_path)
    facts = RunFacts(tmp_path, "leaks")
    pages = {mid: (zh.parent / "merchants" / f"{mid}.html").read_text(encoding="utf-8") for mid in ("m01", "m02", "m04")}
    assert {mid: problems(p, facts) for mid, p in pages.items()} == {"m01": [], "m02": [], "m04": []}
    m04, m01 = (re.sub(r"\s+", " ", _visible(pages[m])) for m in ("m04", "m01"))
    assert "网络请求 长连接消息 http" in m04 and "（输入过程中的前8位）" in m04 and "发送形式 输入过程中的前8位" in m04
    assert "网络请求 提交请求 http" in m01 and "发送形式 按国标扩展汉字字符集的网址编码" in m01
    assert '第三方<span class="url">collect.tracker-cdn.net</span>（' in pages["m01"]
    assert '发送形式</dt><dd>哈希（<code class="tech">SHA-512</code>），内层为仅数字</dd>' in pages["m02"]
    en = build_report("leaks", tmp_path, lang="en")
    m04 = re.sub(r"\s+", " ", _visible((en.parent / "merchants" / "m04.html").read_text(encoding="utf-8")))
    assert "Network request WS http" in m04 and "Sent as the first 8 characters, sent while being typed" in m04


# ---- 4. a check's report is one page ------------------------------------------------------------


def test_a_check_run_gets_a_one_page_report(tmp_path):
    build_fake_run(tmp_path, "20261201T000000Z-check", merchants_with({"m02": None, "m03": None, "m04": None}),
                   district=None, district_file=None, kind="check")
    index = build_report("20261201T000000Z-check", tmp_path)
    assert not (index.parent / "merchants").exists()
    html = index.read_text(encoding="utf-8")
    assert "老街面馆" in html and "强制索要手机号" in _visible(html)
    assert 'src="img/m01/finding-0.png"' in html and "../../merchants/m01/step-02.png" not in html
    assert "单店检查" in html  # the run's facts, folded into the one page
    assert (index.parent / "img" / "m01" / "finding-0.png").is_file()


# ---- 1. the pages fit a phone ---------------------------------------------------------------------

WIDTH_JS = """() => {
  const vw = document.documentElement.clientWidth, bad = [];
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    if (r.right > vw + 0.5 || r.left < -0.5) bad.push('wider: ' + el.tagName + '.' + el.className);
    const cs = getComputedStyle(el);
    if (['hidden', 'clip', 'auto', 'scroll'].includes(cs.overflowX) && el.scrollWidth > el.clientWidth + 1)
      bad.push('clipped: ' + el.tagName + '.' + el.className);
  }
  return {scroll: document.documentElement.scrollWidth, vw, bad: bad.slice(0, 5),
          hidden: getComputedStyle(document.body).overflowX + getComputedStyle(document.documentElement).overflowX};
}"""


@pytest.mark.browser
@pytest.mark.parametrize("size", [(390, 844), (1280, 900)])
def test_every_page_fits_the_screen_without_sideways_scrolling(data_dir, browser, size):
    build_report(RUN_A, data_dir, lang="en")
    zh = build_report(RUN_B, data_dir)
    en = build_report(RUN_B, data_dir, lang="en")
    page = browser.new_page(viewport={"width": size[0], "height": size[1]})
    try:
        for index in (zh, en):
            for p in _pages(index):
                page.goto(p.as_uri())
                r = page.evaluate(WIDTH_JS)
                assert r["scroll"] <= size[0] and not r["bad"], (p, r)
                assert "hidden" not in r["hidden"]  # fitting, not hiding
    finally:
        page.close()
