"""The report's words: the district's label, Chinese reasons, whole chart labels, links between languages."""

from __future__ import annotations

import json
import re
from html import unescape
from pathlib import Path

import pytest

from results.report import build_report
from results.report.charts import _text_w, bar_chart
from results.report.i18n import rule_titles

from ..core.test_reasons import AGENT_REASONS
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
    assert "<title>河畔区 Riverside · " in html
    assert re.search(r'<div class="runid">.*?</code> · 河畔区 Riverside</div>', html)
    page = (index.parent / "merchants" / "m01.html").read_text(encoding="utf-8")
    assert re.search(r'<div class="runid">.*?</code> · 河畔区 Riverside</div>', page)
    assert '<code class="id">riverside</code>' in html  # the internal name is still there, as a fact

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
    assert re.search(r'<div class="runid">.*?</code> · nowhere-district</div>', html)


def test_the_demo_district_is_shown_by_its_label(data_dir):
    """The fixture runs name the demo district but no readable file: seeds/demo.toml gives the label."""
    html = build_report(RUN_A, data_dir).read_text(encoding="utf-8")
    assert "<h1>沪滨区（模拟示范区）</h1>" in html


# ---- 2. reasons in Chinese (the words themselves: tests/core/test_reasons.py) ------


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
        assert english not in zh.replace("&#39;", "'"), mid  # not even as a tooltip: the data keep it
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
    assert ">英文版</a>" in zh.read_text(encoding="utf-8")
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
