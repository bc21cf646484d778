"""The static HTML report: built from a fake run, checked as files and in a real Chromium."""

from __future__ import annotations

import re

import pytest
from PIL import Image

from results.report import build_report
from results.store import Store

from .conftest import RUN_A
from .fakerun import GATE_BOX, VIEWPORT


def test_report_files_are_self_contained(data_dir):
    index = build_report(RUN_A, data_dir)
    out = index.parent
    assert out == data_dir / "runs" / RUN_A / "report"
    pages = [index, *sorted((out / "merchants").glob("*.html"))]
    assert [p.stem for p in pages[1:]] == ["m01", "m02", "m03", "m04"]
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert "http://cdn" not in html and "https://" not in html.replace("https://www.w3.org", "")
        for ref in re.findall(r'(?:src|href)="([^"#]+)"', html):
            if ref.startswith(("http://127.0.0.1", "http://www.w3.org")):
                continue
            assert not ref.startswith(("/", "http")), ref
            assert (page.parent / ref).resolve().exists(), f"{page.name}: broken link {ref}"
    html = index.read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in html and "违规" in html and "<svg" in html
    assert html.count('<tr data-verdict=') == 4


def test_gate_screenshot_is_outlined_at_the_element_box(data_dir):
    index = build_report(RUN_A, data_dir)
    img = Image.open(index.parent / "img" / "m01" / "finding-0.png").convert("RGB")
    s = VIEWPORT["device_scale_factor"]
    x0, y0 = GATE_BOX["x"] * s, GATE_BOX["y"] * s
    x1, y1 = x0 + GATE_BOX["width"] * s, y0 + GATE_BOX["height"] * s
    mid_y = int((y0 + y1) / 2)
    assert img.getpixel((int(x0) + 1, mid_y)) == (230, 0, 0)  # left edge of the box
    assert img.getpixel((int(x1) - 1, mid_y)) == (230, 0, 0)  # right edge
    assert img.getpixel((int((x0 + x1) / 2), mid_y)) != (230, 0, 0)  # inside untouched
    page = (index.parent / "merchants" / "m01.html").read_text(encoding="utf-8")
    # Chinese words only (the English explanation and citation stay in the data and the English report)
    assert "点餐前必须提供手机号。" in page and "A phone number is required before ordering." not in page
    assert "《中华人民共和国个人信息保护法》</cite>第十六条" in page and "PIPL art. 16" not in page
    assert "div.login-mask" in page
    assert "../../merchants/m01/step-02.png" in page  # links the original evidence file


def test_english_report_and_bad_language(data_dir, cli):
    code, out, _ = cli("report", RUN_A, "--lang", "en")
    assert code == 0
    index = data_dir / "runs" / RUN_A / "report-en" / "index.html"
    assert out.strip() == str(index)
    html = index.read_text(encoding="utf-8")
    assert '<html lang="en">' in html and "Merchants" in html and "violation" in html
    code, _, err = cli("report", RUN_A, "--lang", "fr")
    assert code == 2 and "unknown report language" in err
    code, _, err = cli("report", "nope")
    assert code == 2 and "unknown run" in err


def test_report_of_a_merchant_without_trace_or_screenshots(data_dir, tmp_path):
    mdir = data_dir / "runs" / RUN_A / "merchants" / "m02"
    for p in mdir.iterdir():
        if p.suffix in (".png", ".json") and p.name != "result.json":
            p.unlink()
    index = build_report(RUN_A, data_dir, out=tmp_path / "rep")
    page = (index.parent / "merchants" / "m02.html").read_text(encoding="utf-8")
    assert "<img" not in page and "无截图" in page


@pytest.mark.browser
def test_report_in_a_browser(data_dir, page):
    index = build_report(RUN_A, data_dir)
    page.goto(index.as_uri())
    rows = page.locator("#merchants tbody tr:visible")
    assert rows.count() == 4
    page.fill("#filter-text", "川味")
    assert rows.count() == 1 and page.locator("#row-count").inner_text() == "1"
    page.fill("#filter-text", "")
    page.select_option("#filter-verdict", "violation")
    assert rows.count() == 2
    page.select_option("#filter-verdict", "")
    page.select_option("#filter-rule", "forced_phone")
    assert rows.count() == 1
    page.select_option("#filter-rule", "")
    header = page.locator("#merchants thead th").nth(5)  # number of findings
    header.click()
    first = page.locator("#merchants tbody tr").first.locator("td").nth(5).inner_text()
    header.click()
    first_desc = page.locator("#merchants tbody tr").first.locator("td").nth(5).inner_text()
    assert (first, first_desc) == ("0", "2")
    assert header.get_attribute("aria-sort") == "descending"
    page.locator("#merchants a", has_text="老街面馆").click()
    page.wait_for_load_state("load")
    assert page.url.endswith("/merchants/m01.html")
    n_img = page.locator("img").count()
    assert n_img == 7  # the outlined gate screenshot + six steps
    widths = page.evaluate("Array.from(document.images).map(i => i.complete ? i.naturalWidth : 0)")
    assert all(w > 0 for w in widths), widths

    en = build_report(RUN_A, data_dir, lang="en")
    page.goto(en.as_uri())
    assert page.locator("h2#merchants-h").inner_text() == "Merchants"
    page.locator("#merchants a", has_text="老街面馆").click()
    page.wait_for_load_state("load")
    body = page.locator("main").inner_text()
    assert "A phone number is required before ordering." in body and "Legal basis" in body


def test_report_from_an_open_store(data_dir):
    """The crawl command builds the report with its Store at the end of a crawl."""

    index = build_report(RUN_A, Store(data_dir=data_dir))
    assert index == data_dir / "runs" / RUN_A / "report" / "index.html"
    assert "老街面馆" in index.read_text(encoding="utf-8")
