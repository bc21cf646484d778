"""``Store.holding``: several small writes through one open of the file, all or nothing."""

from __future__ import annotations

import pytest

from results import store as store_mod
from results.store import Store


def _count_opens(monkeypatch) -> list[int]:
    opened = [0]
    real = store_mod.open_duckdb

    def counting(*args, **kwargs):
        opened[0] += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(store_mod, "open_duckdb", counting)
    return opened


def test_a_held_block_opens_the_file_once_and_commits(tmp_path, monkeypatch):
    store = Store(data_dir=tmp_path)
    opened = _count_opens(monkeypatch)
    with store.holding():
        run_id = store.create_run("check", settings={"url": "http://shop.example/"})
        store.upsert_merchant(run_id, {"merchant_id": "m1", "url": "http://shop.example/"})
        store.log_audit(run_id, "m1", None, "start")
        with store.holding():  # nests
            assert store.get_run(run_id)["status"] == "running"
    assert opened == [1]
    assert [m["merchant_id"] for m in Store(data_dir=tmp_path).merchants(run_id)] == ["m1"]
    assert opened[0] > 1  # outside the block every call opens the file again


def test_an_error_in_a_held_block_rolls_every_write_back(tmp_path):
    store = Store(data_dir=tmp_path)
    with pytest.raises(RuntimeError), store.holding():
        run_id = store.create_run("check")
        store.upsert_merchant(run_id, {"merchant_id": "m1", "url": "http://shop.example/"})
        raise RuntimeError("boom")
    assert store.merchants(run_id) == []
    with store.connect(read_only=True) as con:
        assert con.execute("SELECT count(*) FROM runs WHERE run_id = ?", [run_id]).fetchone()[0] == 0
