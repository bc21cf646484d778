"""The vendor guess made from what the browser rendered (after an audit)."""

from __future__ import annotations

from core.trace import Request, Step, Trace
from crawler.scrapy.discovery import vendor_from_trace


def _trace(url: str, *steps: Step, requests: list[Request] | None = None) -> Trace:
    return Trace(url=url, visit_id="v1", steps=list(steps), requests=requests or [])


def test_declarative_shadow_roots_in_a_snapshot_mean_shadow_dom(tmp_path):
    (tmp_path / "step-01.html").write_text(
        "<html><body><shop-menu><template shadowrootmode='open'><button>加入购物车</button>"
        "</template></shop-menu></body></html>", encoding="utf-8")
    t = _trace("http://shop.example/o", Step(n=1, action="open", stage="entry", url="http://shop.example/o",
                                              dom="step-01.html"))
    assert vendor_from_trace(t, tmp_path) == "shadow-dom"


def test_a_hash_route_seen_after_scripts_ran_means_spa_hash(tmp_path):
    t = _trace("http://shop.example/o",
               Step(n=1, action="open", stage="entry", url="http://shop.example/o"),
               Step(n=2, action="click", stage="menu", url="http://shop.example/o#/menu"))
    assert vendor_from_trace(t, tmp_path) == "spa-hash"


def test_data_loaded_by_fetch_means_lazy_json_and_nothing_means_none(tmp_path):
    step = Step(n=1, action="open", stage="entry", url="http://shop.example/o", dom="missing.html")
    fetched = [Request(id=1, step=1, t_ms=5, method="GET", url="http://shop.example/api/menu", resource_type="fetch")]
    assert vendor_from_trace(_trace("http://shop.example/o", step, requests=fetched), tmp_path) == "lazy-json"
    assert vendor_from_trace(_trace("http://shop.example/o", step), tmp_path) is None
