"""A live crawl (hosts not declared) through Scrapy and scrapy-playwright holds every press.

scrapy-playwright routes each page it makes with ``page.route("**")`` and continues
every request; a page's routes come before its context's, so a hold routed on the
context alone let a live crawl send orders (the sandbox saw ``order_submit`` from
five of seven merchants).  Here the real agent crawls sandbox merchants whose host
is *not* declared a sandbox, through ``qraudit crawl``: the sandbox must see no
order, SMS request or payment, every trace is live and holds its presses, and no
non-GET request leaves after the first hold.
"""

from __future__ import annotations

import json
import subprocess

import pytest

from tests.crawl.conftest import QRAUDIT

pytestmark = pytest.mark.browser

#: a gate then a submit, a join gate, an API order, a plain order: each presses something held live
MERCHANTS = ("m01", "m07", "m11", "m02")


def test_live_crawl_sends_nothing(sandbox, tmp_path, crawl_env):
    urls = ",\n".join(f'  "{sandbox.merchant_url(m)}"' for m in MERCHANTS)
    district = tmp_path / "live.toml"
    district.write_text(
        '[district]\nname = "live-sandbox"\nenv = "wechat"\n\n[[sources]]\ntype = "urls"\nurls = [\n'
        f"{urls}\n]\n\n[limits]\nper_host_concurrency = 2\ndownload_delay = 0\ntimeout_s = 60\n"
        "obey_robots = false\n", encoding="utf-8")
    data = tmp_path / "data"
    sandbox.reset_events()
    proc = subprocess.run([*QRAUDIT, "crawl", "--district", str(district), "--data", str(data),
                           "--concurrency", "2", "--no-progress"], env=crawl_env, capture_output=True, text=True,
                          timeout=600)
    events = [e for e in sandbox.events if e["type"] in ("order_submit", "sms_send", "pay")]
    assert proc.returncode in (0, 1), proc.stderr[-2000:]
    assert events == [], f"a live crawl sent: {[(e['type'], e['merchant']) for e in events]}"
    traces = [json.loads(p.read_text(encoding="utf-8")) for p in data.glob("runs/*/merchants/*/*/trace.json")]
    assert len(traces) == len(MERCHANTS)
    held_some = 0
    for t in traces:
        assert t["sandbox"] is False, t["url"]
        holds = t.get("holds") or []
        if not holds:
            continue
        held_some += 1
        first = holds[0]["step"]
        sent = [r["url"] for r in t["requests"] if r.get("held") is False and r.get("step") is not None
                and r["step"] >= first and r["method"].upper() != "GET"]
        assert sent == [], f"{t['url']}: sent after the hold: {sent}"
        assert any(r.get("held") for r in t["requests"]), f"{t['url']}: a press was held but no request marked held"
    assert held_some >= 3, "the live crawl held fewer presses than these merchants make"
