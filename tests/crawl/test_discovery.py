"""Discovery without a browser: generic parsers, record merging, and the sandbox district."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from app.districts import open_district
from crawler.district import District, load_district
from crawler.scrapy.discovery import (
    discover,
    guess_vendor,
    make_record,
    merge_records,
    parse_listing,
    parse_sitemap,
    read_csv_source,
    read_qr_photos,
)
from results.store import Store
from tests.crawl.conftest import QRAUDIT
from tests.crawl.fake_district import FakeDistrict


def test_parse_listing_finds_repeated_items_names_addresses_and_next_page():
    html = """<html><body><nav><a href="/about">关于</a><a href="/login">登录</a></nav>
    <div class="list">
      <article class="card"><h3>甲店</h3><span>小吃 · 北京路 1 号</span><a href="/s/1">进店</a></article>
      <article class="card"><h3>乙店</h3><span>地址：南京路 2 号</span><a href="/s/2">进店</a></article>
      <article class="card"><a href="/s/3">丙店</a><address>上海路 3 号</address></article>
    </div>
    <div class="pages"><a href="?page=2">2</a><a href="?page=3">3</a><a href="/list?page=2">下一页</a></div>
    <footer><a href="/terms">条款</a></footer></body></html>"""
    cands, nxt = parse_listing(html, "https://dir.example/list?page=1")
    assert [(c["url"], c["name"], c["address"]) for c in cands] == [
        ("https://dir.example/s/1", "甲店", "北京路 1 号"),
        ("https://dir.example/s/2", "乙店", "南京路 2 号"),
        ("https://dir.example/s/3", "丙店", "上海路 3 号"),
    ]
    assert "https://dir.example/list?page=2" in nxt and "https://dir.example/list?page=3" in nxt


def test_parse_listing_uses_ordering_look_and_jsonld():
    html = """<html><head><script type="application/ld+json">
    {"@context": "https://schema.org", "@type": "Restaurant", "name": "JSON 店", "url": "/r/9",
     "address": {"@type": "PostalAddress", "streetAddress": "长江路 9 号"}}</script></head>
    <body><p>推荐: <a href="https://saas.example/h5/#/menu?shopId=4&tableNo=2">快来点餐</a></p>
    <a href="/help">帮助</a></body></html>"""
    cands, _ = parse_listing(html, "https://dir.example/")
    urls = [c["url"] for c in cands]
    assert urls == ["https://dir.example/r/9", "https://saas.example/h5/#/menu?shopId=4&tableNo=2"]
    assert cands[0]["name"] == "JSON 店" and cands[0]["address"] == "长江路 9 号"
    assert "https://dir.example/help" not in urls


def test_parse_sitemap_keeps_ordering_urls_and_follows_indexes():
    body = b"""<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
    <url><loc>https://d.example/</loc></url><url><loc>https://d.example/directory?page=1</loc></url>
    <url><loc>https://d.example/m/a/?table=A1</loc></url><url><loc>https://d.example/shop/order?id=2</loc></url>
    </urlset>"""
    pages, subs = parse_sitemap(body)
    assert pages == ["https://d.example/m/a/?table=A1", "https://d.example/shop/order?id=2"] and subs == []
    idx = b"""<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
    <sitemap><loc>https://d.example/s1.xml</loc></sitemap></sitemapindex>"""
    assert parse_sitemap(idx) == ([], ["https://d.example/s1.xml"])
    with pytest.raises(ValueError):
        parse_sitemap(b"not xml at all")


def test_merge_records_one_record_per_merchant():
    d = District(name="d")
    a = make_record(d, "http://h.example/m/1/?table=A1", "directory", name="面馆")
    b = make_record(d, "http://h.example/m/1/?table=B2&utm_source=x", "csv", address="北京路 1 号")
    c = make_record(d, "http://h.example/m/1/", "sitemap")
    assert a["merchant_id"] == b["merchant_id"] == c["merchant_id"]
    m = merge_records(merge_records(c, a), b)
    assert m["name"] == "面馆" and m["address"] == "北京路 1 号"
    assert [s["source"] for s in m["sources"]] == ["sitemap", "directory", "csv"]
    assert m["table_param"] == "table=A1" and m["audit_url"].endswith("?table=A1")
    assert merge_records(m, a) == m  # the same source twice adds nothing
    with pytest.raises(ValueError):
        merge_records(a, make_record(d, "http://h.example/m/2/", "csv"))


def test_guess_vendor_is_generic():
    assert guess_vendor("https://a.example/x", '<meta name="generator" content="ShopKit 3.2">') == "shopkit"
    html = '<html><body><script src="https://cdn.saas-order.example/app.js"></script>点餐</body></html>'
    assert guess_vendor("https://a.example/x", html) == "saas-order.example"
    assert guess_vendor("https://a.example/#/menu", None) == "spa-hash"
    assert guess_vendor("https://a.example/", "<body><iframe src='/inner'></iframe></body>") == "iframe-shell"
    assert guess_vendor("https://a.example/", "<body><order-app></order-app></body>") == "shadow-dom"
    form = "<body><form method='post' action='/cart'><button>加入购物车</button></form>" + "菜" * 300 + "</body>"
    assert guess_vendor("https://a.example/", form) == "server-forms"


def test_csv_source(tmp_path):
    p = tmp_path / "m.csv"
    p.write_text("\ufeffname,address,url\n甲,北京路 1 号,{sandbox}/m/1/?table=2\n,,\n", encoding="utf-8")
    assert read_csv_source(p, {"sandbox": "http://127.0.0.1:9"}) == [
        {"url": "http://127.0.0.1:9/m/1/?table=2", "name": "甲", "address": "北京路 1 号"}
    ]


def test_discover_fake_district_merges_and_respects_robots(tmp_path):
    with FakeDistrict() as fd:
        path = fd.write_seeds(tmp_path)
        with open_district(load_district(path)) as live:
            recs = discover(live)
    by_url = {r["url"]: r for r in recs}
    assert len(recs) == 7  # six shops + one weixin:// link; shop 1 listed twice, shop 2/3/5/6 in two sources
    assert sorted(s["source"] for s in by_url[fd.shop_url(6)]["sources"]) == ["csv", "sitemap"]
    assert by_url[fd.shop_url(2)]["name"] == "Cafe Two" and by_url[fd.shop_url(2)]["table_param"] == "tableNo=7"
    assert not any("/private" in r["url"] or r["url"].endswith("/about") for r in recs)


# ---- the sandbox district ------------------------------------------------------


def _ground_truth_ids(live):
    sb = live.server
    return {live.merchant_id(sb.merchant_url(m["id"])): m["id"] for m in sb.ground_truth()["merchants"]}


def test_qr_photos_of_the_sandbox_decode_to_merchant_urls(tmp_path):
    with open_district(load_district("demo"), qr_dir=tmp_path / "qr") as live:
        codes = read_qr_photos(tmp_path / "qr")
        gt = _ground_truth_ids(live)
        assert codes, "no QR code decoded from the sandbox photos"
        assert all(live.merchant_id(url) in gt for url, _ in codes)


def test_discover_demo_finds_every_ground_truth_merchant_once():
    with open_district(load_district("demo")) as live:
        gt = _ground_truth_ids(live)
        recs = discover(live)
    ids = [r["merchant_id"] for r in recs]
    assert len(ids) == len(set(ids))
    assert set(ids) == set(gt)
    sources = {s["source"] for r in recs for s in r["sources"]}
    assert sources == {"directory", "sitemap", "csv", "qr_photos"}
    assert all(r["name"] and r["address"] for r in recs)


def test_scrapy_discovery_over_the_sandbox(tmp_path, crawl_env):
    """The spider (Scrapy, no browser) finds every ground-truth merchant exactly once, from every source."""
    data = tmp_path / "data"
    proc = subprocess.run([*QRAUDIT, "crawl", "--discover-only", "--no-progress", "--data", str(data)],
                          env=crawl_env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]

    store = Store(data_dir=data, read_only=True)
    (run,) = store.runs().run_id
    assert store.get_run(run)["status"] == "finished"
    recs = store.merchants(run)
    with open_district(load_district("demo")) as live:
        gt = _ground_truth_ids(live)
        gt_names = {m["id"]: m["name"] for m in live.server.ground_truth()["merchants"]}
    assert sorted(r["merchant_id"] for r in recs) == sorted(gt)
    for r in recs:
        assert r["name"] == gt_names[gt[r["merchant_id"]]]
        assert r["table_param"] and r["table_param"].startswith("table=")
    assert {s["source"] for r in recs for s in r["sources"]} == {"directory", "sitemap", "csv", "qr_photos"}
    assert not store.done_merchants(run)
    assert json.loads((Path(store.run_dir(run)) / "run.json").read_text())["status"] == "finished"
