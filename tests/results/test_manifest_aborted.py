"""Visits cut short by Ctrl-C and redone on resume: their folders are kept apart in the manifest."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from PIL import Image

from results.manifest import read_manifest, verify
from results.store import Store

from .fakerun import DEFAULT_MERCHANTS, build_merchant

STARTED = datetime(2026, 11, 30, 9, 15, tzinfo=UTC)


def _merchant(mid: str) -> dict:
    return next(m for m in DEFAULT_MERCHANTS if m["id"] == mid)


def _audit(store: Store, run: str, mid: str) -> None:
    """Audit ``mid`` into a visit folder of its own (as the crawl's engine does) and store it."""
    m = _merchant(mid)
    trace, result = build_merchant(store.merchant_dir(run, mid) / f"v-{mid}", m, STARTED)
    store.save_result(run, mid, trace, result, record={"merchant_id": mid, "name": m["name"], "url": trace.url})


def _cut_short(store: Store, run: str, mid: str, visit: str) -> str:
    """A visit stopped by Ctrl-C: a screenshot and a partial trace, and no stored result."""
    folder = store.merchant_dir(run, mid) / visit
    folder.mkdir(parents=True)
    Image.new("RGB", (40, 80), (200, 200, 200)).save(folder / "step-01.png")
    (folder / "trace.json").write_text(json.dumps({"schema_version": 1, "url": "http://127.0.0.1:8000/x",
                                                   "visit_id": visit, "complete": False}), encoding="utf-8")
    return f"merchants/{mid}/{visit}"


def test_a_visit_cut_short_then_redone_on_resume_is_kept_apart_and_still_verified(tmp_path):
    store = Store(data_dir=tmp_path)
    run = store.create_run("crawl", district="demo", run_id="r1")
    _audit(store, run, "m02")
    aborted = _cut_short(store, run, "m01", "m01-0badc0de")
    store.finish_run(run, "interrupted")  # Ctrl-C
    run_dir = store.run_dir(run)

    man = read_manifest(run_dir)
    assert not [f for f in man["files"] if f.startswith(aborted + "/")]
    assert sorted(man["aborted_visits"][aborted]["files"]) == [f"{aborted}/step-01.png", f"{aborted}/trace.json"]
    assert verify(run_dir) == []

    _audit(store, run, "m01")  # crawl --resume audits m01 again, in a new visit folder
    store.finish_run(run, "finished")
    man = read_manifest(run_dir)
    assert not [f for f in man["files"] if f.startswith(aborted + "/")]
    assert "merchants/m01/v-m01/trace.json" in man["files"] and aborted in man["aborted_visits"]
    assert "m01-0badc0de" not in {u["visit_id"] for u in man["urls"]}
    assert {u["visit_id"] for u in man["amendments"][-1]["urls"]} == {"v-m01"}
    assert verify(run_dir) == []
    # still evidence of what happened: a changed file of the aborted visit is named
    shot = run_dir / aborted / "step-01.png"
    shot.write_bytes(shot.read_bytes()[:-4] + b"XXXX")
    assert [p.split(" (")[0] for p in verify(run_dir)] == [f"changed: {aborted}/step-01.png"]


def test_a_manifest_that_listed_the_cut_short_visit_as_evidence_moves_it_apart_on_resume(tmp_path):
    """Manifests written before aborted visits were kept apart listed them among the files."""
    store = Store(data_dir=tmp_path)
    run = store.create_run("crawl", district="demo", run_id="r2")
    _audit(store, run, "m02")
    aborted = _cut_short(store, run, "m01", "m01-feedf00d")
    store.finish_run(run, "interrupted")
    run_dir = store.run_dir(run)
    path = run_dir / "manifest.json"
    old = json.loads(path.read_text(encoding="utf-8"))
    old["files"].update(old.pop("aborted_visits")[aborted]["files"])
    path.write_text(json.dumps(old), encoding="utf-8")

    _audit(store, run, "m01")
    store.finish_run(run, "finished")
    man = read_manifest(run_dir)
    assert not [f for f in man["files"] if f.startswith(aborted + "/")]
    assert man["amendments"][-1]["aborted_visits"] == [aborted]
    moved = man["aborted_visits"][aborted]["files"]
    assert moved == {f: e for f, e in old["files"].items() if f.startswith(aborted + "/")}  # as listed, not re-hashed
    assert verify(run_dir) == []
