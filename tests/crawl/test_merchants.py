"""Finding a merchant by name (exact, fuzzy, ambiguous) over the demo district and stored runs."""

from __future__ import annotations

import io

import pytest

from app.cmd_crawl import CrawlProgress
from app.merchants import find_merchant, match_merchant
from core.errors import QrauditError
from results.store import Store

RECS = [
    {"merchant_id": "a", "name": "云朵小面", "address": "沪滨区梧桐路18号", "url": "http://h/a"},
    {"merchant_id": "b", "name": "云朵小面", "address": "沪滨区海湾路2号", "url": "http://h/b"},
    {"merchant_id": "c", "name": "Bayside Burgers", "address": "沪滨区海湾路88号", "url": "http://h/c"},
    {"merchant_id": "d", "name": "川香小馆", "address": "沪滨区天府路8号", "url": "http://h/d"},
    {"merchant_id": "e", "name": "外卖小厨", "address": "沪滨区外环路200号", "url": "http://h/e"},
]


def test_exact_fuzzy_address_and_id():
    assert match_merchant("bayside burgers", RECS)["merchant_id"] == "c"
    assert match_merchant("Bayside", RECS)["merchant_id"] == "c"
    assert match_merchant("川香", RECS)["merchant_id"] == "d"
    assert match_merchant("天府路8号", RECS)["merchant_id"] == "d"
    assert match_merchant("e", RECS)["merchant_id"] == "e"


def test_ambiguous_and_unknown_list_candidates():
    with pytest.raises(QrauditError, match="2 merchants are named '云朵小面'.*梧桐路.*海湾路2号"):
        match_merchant("云朵小面", RECS)
    with pytest.raises(QrauditError, match="ambiguous.*川香小馆.*外卖小厨"):
        match_merchant("小", RECS)
    with pytest.raises(QrauditError, match="no merchant matches 'zzz qqq'"):
        match_merchant("zzz qqq", RECS)


def test_find_merchant_in_demo_by_fresh_discovery(tmp_path):
    store = Store(data_dir=tmp_path / "d")
    rec = find_merchant("云朵小面", "demo", store=store)
    assert rec["name"] == "云朵小面" and rec["address"] == "沪滨区梧桐路18号"
    assert rec["table_param"].startswith("table=") and rec["audit_url"].startswith("http://127.0.0.1:")


def test_find_merchant_uses_the_latest_stored_crawl(tmp_path):
    store = Store(data_dir=tmp_path / "d")
    run = store.create_run("crawl", district="example-district")
    store.upsert_merchant(run, {"merchant_id": "x1", "name": "老街面馆", "address": "文昌路 18 号",
                                "url": "https://h5.canyin-saas.example/order/#/menu?shopId=88012"})
    store.finish_run(run)
    assert find_merchant("老街", "example-district", store=store)["merchant_id"] == "x1"


def test_progress_bar_counts_from_events():

    from rich.console import Console  # noqa: PLC0415  (heavy: loaded only when needed)


    out = io.StringIO()
    with CrawlProgress(Console(file=out, force_terminal=True, width=120)) as prog:
        prog("merchant", {"record": {"merchant_id": "a"}, "known": 1, "already_done": True})
        prog("merchant", {"record": {"merchant_id": "b"}, "known": 2})
        prog("merchant", {"record": {"merchant_id": "c"}, "known": 3})
        prog("result", {"merchant_id": "b", "verdict": "violation", "rules": ["forced_phone"]})
        task = prog.progress.tasks[0]
        assert (task.completed, task.total, task.fields["violations"]) == (2, 3, 1)
        prog("closed", {"reason": "finished"})
    assert "violations" in out.getvalue()
