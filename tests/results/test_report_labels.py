"""The report's words: the district's label, Chinese reasons, whole chart labels, links between languages."""

from __future__ import annotations

import json
import re
from html import unescape
from pathlib import Path

import pytest

from crawler.report import build_report
from crawler.report.charts import _text_w, bar_chart
from crawler.report.i18n import rule_titles
from crawler.report.reasons import NET_ERRORS_ZH, _doing, reason_text, reason_zh

from .conftest import RUN_A
from .fakerun import build_fake_run, merchants_with

ROOT = Path(__file__).resolve().parents[2]


def _visible(html: str) -> str:
    """The text a reader sees: tags (and so their attributes) and comments removed."""
    return unescape(re.sub(r"<!--.*?-->|<[^>]+>", " ", html, flags=re.S))


# ---- 1. the district's label ---------------------------------------------------


def test_header_shows_the_district_label_not_its_name(tmp_path):
    toml = tmp_path / "riverside.toml"
    toml.write_text('[district]\nname = "riverside"\nlabel = "河畔区 Riverside"\n\n'
                    '[[sources]]\ntype = "urls"\nurls = ["https://a.example/"]\n', encoding="utf-8")
    run_dir = build_fake_run(tmp_path / "data", "r1", district="riverside", district_file=toml)
    index = build_report("r1", tmp_path / "data")
    html = index.read_text(encoding="utf-8")
    assert "<h1>河畔区 Riverside</h1>" in html
    assert "<title>河畔区 Riverside r1 · " in html
    assert re.search(r'<span class="runid">[^<]*· 河畔区 Riverside</span>', html)
    page = (index.parent / "merchants" / "m01.html").read_text(encoding="utf-8")
    assert re.search(r'<span class="runid">[^<]*· 河畔区 Riverside</span>', page)
    assert "<code>riverside</code>" in html  # the internal name is still there, as a fact

    # the label is sealed in the manifest: the report keeps it when the district file is gone
    assert json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))["run"]["district_label"] == (
        "河畔区 Riverside")
    toml.unlink()
    html = build_report("r1", tmp_path / "data").read_text(encoding="utf-8")
    assert "<h1>河畔区 Riverside</h1>" in html


def test_header_falls_back_to_the_district_name(tmp_path):
    build_fake_run(tmp_path, "r2", district="nowhere-district", district_file=tmp_path / "missing.toml")
    html = build_report("r2", tmp_path).read_text(encoding="utf-8")
    assert "<h1>nowhere-district</h1>" in html
    assert re.search(r'<span class="runid">[^<]*· nowhere-district</span>', html)


def test_the_demo_district_is_shown_by_its_label(data_dir):
    """The fixture runs name the demo district but no readable file: seeds/demo.toml gives the label."""
    html = build_report(RUN_A, data_dir).read_text(encoding="utf-8")
    assert "<h1>沪滨区 (simulated demo district)</h1>" in html


# ---- 2. reasons in Chinese -----------------------------------------------------

AGENT_REASONS = {
    "page could not be loaded: host name not found (DNS) (ERR_NAME_NOT_RESOLVED)":
        "页面无法打开：域名无法解析（DNS）（ERR_NAME_NOT_RESOLVED）",
    "page could not be loaded: connection refused (ERR_CONNECTION_REFUSED)":
        "页面无法打开：连接被拒绝（ERR_CONNECTION_REFUSED）",
    "page could not be loaded: HTTP 404": "页面无法打开：服务器返回 HTTP 404 错误",
    "no items to order: everything is sold out (售罄)": "没有可点的菜品：全部售罄",
    "dead end while adding an item": "无法继续：在「加菜」时走不下去",
    "dead end while opening the cart": "无法继续：在「打开购物车」时走不下去",
    "dead end while getting past a gate (phone, sms_code)":
        "无法继续：在「通过拦截层（手机号、短信验证码）」时走不下去",
    "redirect loop: the page keeps redirecting": "重定向循环：页面不断跳转",
    "app-only: the page asks to download/open an app": "仅限 App：页面要求下载或打开 App",
    "mini-program only: the page asks to open a WeChat mini-program": "仅限小程序：页面要求打开微信小程序",
    "closed: the merchant is not taking orders now (休息/打烊/closed)": "商家休息中：当前不接受点餐（休息/打烊）",
    "timeout after 45 s while choosing order mode dine_in": "超时：45 秒内未完成（当时在「选择就餐方式（堂食）」）",
    "PI gate (membership, phone) with no way past it": "索取个人信息的拦截层（注册会员、手机号）无法绕过",
    "mini-program or app link (weixin://): not a web page; mini-program/app only":
        "小程序或 App 链接（weixin://）：不是网页，只能在小程序或 App 中打开",
    "could not reach checkout (reached menu)": "未能到达结算页（进度：菜单）",
}


@pytest.mark.parametrize("reason", sorted(AGENT_REASONS))
def test_known_reasons_read_in_chinese(reason):
    assert reason_zh(reason) == AGENT_REASONS[reason]
    assert reason_text(reason, "zh") == AGENT_REASONS[reason]
    assert reason_text(reason, "en") == reason


def test_an_unknown_reason_is_shown_as_stored():
    assert reason_zh("something new happened") is None
    assert reason_text("something new happened", "zh") == "something new happened"
    assert reason_text(None, "zh") == ""


def _literal_reasons(path: Path, pattern: str) -> list[str]:
    """The reason texts written in ``path`` (f-string fields replaced by a sample word)."""
    src = path.read_text(encoding="utf-8")
    out = []
    for m in re.finditer(pattern, src):
        text = re.sub(r"\{([^{}]*)\}", lambda f: "45" if "timeout" in f.group(1) else "phone", m.group(1))
        out.append(text)
    return out


def test_every_reason_the_agent_writes_has_a_chinese_text():
    """A drift guard: a new Finished("...", "reason") in the agent needs its entry in crawler/report/reasons.py."""
    agent = _literal_reasons(ROOT / "crawler" / "agent" / "agent.py",
                             r'Finished\(\s*"(?:error|blocked|unsupported)",\s*f?"([^"]+)"')
    audit = _literal_reasons(ROOT / "crawler" / "audit.py", r'outcome, reason = "error", f?"([^"]+)"')
    audit += ["mini-program or app link (weixin://): not a web page; mini-program/app only",
              "non-web link (tel://): not a web page; mini-program/app only"]
    assert len(agent) >= 15 and len(audit) >= 3
    missing = [r for r in agent + audit if reason_zh(r) is None]
    assert missing == []
    # what the agent says it was doing ("dead end while ...", "timeout after 45 s while ...")
    src = (ROOT / "crawler" / "agent" / "agent.py").read_text(encoding="utf-8")
    doings = re.findall(r'\bdoing = f?"([^"]+)"', src)
    assert len(doings) >= 8
    samples = [re.sub(r"\{mode\}", "dine_in", re.sub(r"\{purpose\}", "cart", re.sub(
        r"\{', '\.join\(view\.asks\)\}", "phone", d))) for d in doings]
    assert [d for d in samples if _doing(d) == d or re.search(r"[a-z]{3}", _doing(d).replace("phone", ""))] == []
    # the net errors a page load can fail with
    net = re.search(r"NET_ERRORS = \{(.*?)\n\}", src, re.S).group(1)
    names = re.findall(r'"ERR_[A-Z_]+": "([^"]+)"', net)
    assert len(names) >= 10 and [n for n in names if n not in NET_ERRORS_ZH] == []


def test_the_chinese_report_shows_reasons_in_chinese_and_keeps_the_english(tmp_path):
    changes = {
        "m02": {"verdict": "inconclusive", "order_reached": "landing",
                "reason": "page could not be loaded: host name not found (DNS) (ERR_NAME_NOT_RESOLVED)"},
        "m03": {"verdict": "inconclusive", "order_reached": "menu",
                "reason": "no items to order: everything is sold out (售罄)"},
        "m05": {"name": "面面俱到", "vendor": "beta", "verdict": "inconclusive", "order_reached": "item",
                "reason": "dead end while adding an item"},
        "m06": {"name": "转转", "vendor": "beta", "verdict": "inconclusive", "order_reached": "landing",
                "reason": "redirect loop: the page keeps redirecting"},
        "m07": {"name": "App 店", "vendor": "beta", "verdict": "unsupported", "order_reached": "landing",
                "reason": "app-only: the page asks to download/open an app"},
        "m08": {"name": "小程序店", "vendor": "beta", "verdict": "unsupported", "order_reached": "landing",
                "reason": "mini-program only: the page asks to open a WeChat mini-program"},
    }
    run_dir = build_fake_run(tmp_path, "r3", merchants_with(changes))
    zh = build_report("r3", tmp_path).read_text(encoding="utf-8")
    seen = _visible(zh)
    for mid, ch in changes.items():
        english, chinese = ch["reason"], AGENT_REASONS[ch["reason"]]
        assert chinese in seen, mid
        assert english not in seen, mid  # English only as the tooltip
        assert f'title="{english}"' in zh.replace("&#39;", "'"), mid
        page = (run_dir / "report" / "merchants" / f"{mid}.html").read_text(encoding="utf-8")
        assert chinese in _visible(page), mid
        # the data keep the English
        assert json.loads((run_dir / "merchants" / mid / "result.json").read_text(encoding="utf-8"))["reason"] == (
            english)
    en = _visible(build_report("r3", tmp_path, lang="en").read_text(encoding="utf-8"))
    for ch in changes.values():
        assert ch["reason"] in en and AGENT_REASONS[ch["reason"]] not in en


# ---- 3. chart labels are never cut off ------------------------------------------


def _chart_labels(svg: str) -> list[tuple[float, str]]:
    """(x of the right edge, shown text) of each row label of a bar chart."""
    return [(float(x), unescape(t)) for x, t in
            re.findall(r'<text x="([\d.]+)" y="[\d.]+" text-anchor="end"[^>]*><title>[^<]*</title>([^<]*)</text>',
                       svg)]


def test_bar_chart_label_column_fits_the_longest_label():
    titles = [t["en"] for t in rule_titles().values()]
    longest = max(titles, key=len)
    svg = bar_chart([(t, [("violation", i + 1)]) for i, t in enumerate(titles)], title="By rule")
    labels = _chart_labels(svg)
    assert [t for _x, t in labels] == titles  # whole, no "…"
    width = float(re.search(r'viewBox="0 0 ([\d.]+) ', svg).group(1))
    for x, t in labels:
        assert x - _text_w(t) >= 0, t  # starts inside the picture
    bars = [float(x) for x in re.findall(r'<rect x="([\d.]+)"', svg)]
    assert min(bars) >= max(x for x, _t in labels)  # bars begin right of the labels
    assert width >= _text_w(longest) + 100


def test_english_report_rule_chart_shows_whole_rule_titles(tmp_path):
    build_fake_run(tmp_path, "r4", merchants_with({
        "m02": {"verdict": "violation", "findings": [("induced_consent", "checkout")]},
        "m03": {"verdict": "violation", "order_reached": "checkout", "findings": [("forced_profile_auth", "entry")]},
    }))
    html = build_report("r4", tmp_path, lang="en").read_text(encoding="utf-8")
    by_rule = re.findall(r'<figcaption>By rule \(merchants\)</figcaption>(<svg.*?</svg>)', html, re.S)[0]
    shown = [t for _x, t in _chart_labels(by_rule)]
    titles = rule_titles()
    for rule in ("induced_consent", "forced_profile_auth", "excessive_fields", "third_party_leak", "forced_phone"):
        assert titles[rule]["en"] in shown, rule
    assert not any(t.endswith("…") for t in shown)


@pytest.mark.browser
def test_rule_chart_labels_are_inside_the_picture_in_a_browser(tmp_path, page):
    build_fake_run(tmp_path, "r5", merchants_with({
        "m02": {"verdict": "violation", "findings": [("induced_consent", "checkout")]},
    }))
    index = build_report("r5", tmp_path, lang="en")
    page.goto(index.as_uri())
    boxes = page.evaluate("""() => {
        const fig = [...document.querySelectorAll('figure.chartbox')]
            .find(f => f.querySelector('figcaption').textContent.startsWith('By rule'));
        const svg = fig.querySelector('svg');
        const vb = svg.viewBox.baseVal;
        return [...svg.querySelectorAll('text[text-anchor=end]')].map(t => {
            const b = t.getBBox();
            return {text: t.textContent, x: b.x, right: b.x + b.width, vbw: vb.width};
        });
    }""")
    assert len(boxes) == 4
    for b in boxes:
        assert b["x"] >= 0 and b["right"] <= b["vbw"], b
        assert not b["text"].endswith("…"), b


# ---- 4. links between the languages ----------------------------------------------


def _lang_links(html: str) -> list[str]:
    return re.findall(r'<a class="lang" href="([^"]+)"', html)


def test_zh_and_en_reports_link_to_each_other(data_dir):
    run_dir = data_dir / "runs" / RUN_A
    zh = build_report(RUN_A, data_dir)
    assert _lang_links(zh.read_text(encoding="utf-8")) == []  # only one language built: no dead link
    en = build_report(RUN_A, data_dir, lang="en")
    assert en == run_dir / "report-en" / "index.html"
    assert _lang_links(en.read_text(encoding="utf-8")) == ["../report/index.html"]
    assert _lang_links(zh.read_text(encoding="utf-8")) == ["../report-en/index.html"]  # relinked
    for mid in ("m01", "m02", "m03", "m04"):
        zpage = run_dir / "report" / "merchants" / f"{mid}.html"
        epage = run_dir / "report-en" / "merchants" / f"{mid}.html"
        assert _lang_links(zpage.read_text(encoding="utf-8")) == [f"../../report-en/merchants/{mid}.html"]
        assert _lang_links(epage.read_text(encoding="utf-8")) == [f"../../report/merchants/{mid}.html"]
    assert ">English version</a>" in zh.read_text(encoding="utf-8")
    assert ">中文版</a>" in en.read_text(encoding="utf-8")
    # rebuilding one language keeps both directions
    build_report(RUN_A, data_dir)
    assert _lang_links(zh.read_text(encoding="utf-8")) == ["../report-en/index.html"]
    assert _lang_links(en.read_text(encoding="utf-8")) == ["../report/index.html"]
    for page in [zh, en, *run_dir.glob("report*/merchants/*.html")]:
        for href in _lang_links(page.read_text(encoding="utf-8")):
            assert (page.parent / href).resolve().is_file(), (page, href)


def test_a_report_elsewhere_gets_no_language_link(data_dir, tmp_path):
    build_report(RUN_A, data_dir, lang="en")
    other = build_report(RUN_A, data_dir, out=tmp_path / "elsewhere")
    assert _lang_links(other.read_text(encoding="utf-8")) == []
    en = data_dir / "runs" / RUN_A / "report-en" / "index.html"
    assert _lang_links(en.read_text(encoding="utf-8")) == []
