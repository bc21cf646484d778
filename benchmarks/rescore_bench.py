"""Benchmark ``qraudit rescore``: generate N realistic traces, re-judge them, print figures.

Each generated trace has ~15 steps, ~150 requests (query strings, headers with
Referer/Cookie, JSON / form / base64 bodies of 0.3-3 KB, a third of them to
third-party hosts), a few gates, checkboxes and — for some — a canary leak.

Usage: python benchmarks/rescore_bench.py [N] [--jobs J] [--keep DIR]
Target: 1,000 traces in < 10 s on 2 cores.  Prints figures; it is not a test.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import random
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

from results.rescore import rescore_dir

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.trace import (  # noqa: E402
    Candidate,
    Checkbox,
    Element,
    FormField,
    Gate,
    Request,
    Step,
    Trace,
    Try,
    TypedValue,
)

THIRD = ["https://hm.stats-cdn.cn/hm.gif", "https://log.adtrack.net/collect", "https://api.crm-saas.com/v2/event",
         "https://sdk.pixel-example.com/p", "http://127.0.0.2:9000/collect"]
STAGES = ["entry", "entry", "menu", "menu", "menu", "menu", "menu", "cart", "cart", "checkout", "checkout",
          "checkout", "checkout", "post_order", "post_order"]
DISHES = "招牌牛肉面 酸辣粉 小笼包 红烧肉 宫保鸡丁 鱼香肉丝 麻婆豆腐 番茄炒蛋 冰粉 奶茶".split()


def _body(rng: random.Random, size: int) -> str:
    items = [{"id": rng.randrange(10**6), "name": rng.choice(DISHES), "price": rng.randrange(5, 99),
              "sku": hashlib.md5(str(rng.random()).encode()).hexdigest(), "t": rng.randrange(10**12)}
             for _ in range(max(1, size // 120))]
    return json.dumps({"items": items, "session": base64.b64encode(os.urandom(24)).decode()}, ensure_ascii=False)


def make_trace(i: int, rng: random.Random) -> Trace:
    """A realistic synthetic visit (see module doc); ``i`` picks its flavour."""
    host = f"https://m{i}.shop{i % 50}.com.cn"
    url = f"{host}/order?store={i}&table=A{i % 20}"
    phone = f"139{i:08d}"
    steps = []
    for n, st in enumerate(STAGES, start=1):
        steps.append(Step(
            n=n, action="open" if n == 1 else "click", stage=st, url=url, state="menu",
            screenshot=f"step-{n:02d}.png", dom=f"step-{n:02d}.html",
            visible_text=" ".join(rng.choice(DISHES) + f" ¥{rng.randrange(9, 60)}" for _ in range(40))
            + (" 隐私政策" if i % 3 else "") + " 订餐电话 021-6234 5678 会员价",
            links=[{"text": "隐私政策", "href": f"{host}/privacy"}] if i % 3 else [],
            candidates=[Candidate("add", 5.0, Element("button.add", "button", "+"), ["text:+ +5"], True)],
            fields=[FormField(Element("#remark", "textarea"), "textarea", "remark", "备注")] if st == "checkout" else [],
            t_ms=n * 900,
        ))
    gates = []
    typed = []
    if i % 4 == 0:
        gates.append(Gate(
            id="g1", step=2, stage="entry", kind="overlay", element=Element("div.mask"),
            text="请输入手机号后点餐 获取验证码", fields=[
                FormField(Element("#tel", "input", attrs={"type": "tel"}), "tel", "mobile", "手机号"),
                FormField(Element("#code", "input"), "text", "code", "验证码")],
            tries=[Try("close icon", "still_blocked"), Try("Escape", "still_blocked")], passed_by="canary",
            canary_filled=[TypedValue(2, "phone", phone, "#tel")]))
        typed.append(TypedValue(2, "phone", phone, "#tel"))
    elif i % 4 == 1:
        gates.append(Gate(id="g1", step=3, stage="menu", kind="overlay", text="关注公众号领券", blocking=False,
                          tries=[Try("close icon", "passed")], passed_by="try"))
    if i % 5 == 0:
        typed.append(TypedValue(10, "phone", phone, "#contact"))
    checkboxes = [Checkbox(10, Element("input.agree", "input"), "我已阅读并同意《隐私政策》", i % 7 == 0,
                           ["《隐私政策》"])]
    reqs = []
    for rid in range(150):
        n = 1 + rid // 10
        third = rid % 3 == 0
        base = rng.choice(THIRD) if third else f"{host}/api/{rng.choice(['menu', 'cart', 'sku', 'log'])}"
        q = f"?v={rng.randrange(10**9)}&sid={hashlib.sha1(str(rid).encode()).hexdigest()}&ts={rng.randrange(10**12)}"
        method = "POST" if rid % 2 else "GET"
        body = _body(rng, rng.randrange(300, 3000)) if method == "POST" else None
        if typed and third and rid == 120 and i % 2 == 0:
            leak = rng.choice([phone, base64.b64encode(phone.encode()).decode(), hashlib.md5(phone.encode()).hexdigest(),
                               base64.b64encode(hashlib.md5(phone.encode()).hexdigest().encode()).decode()])
            q += f"&u={leak}"
        reqs.append(Request(
            id=rid, step=n, t_ms=n * 900 + rid, method=method, url=base + q, resource_type="xhr",
            headers={"Referer": url, "User-Agent": "Mozilla/5.0 (Linux; Android 13) MicroMessenger/8.0.47",
                     "Cookie": f"sid={rng.randrange(10**12)}; _ga=GA1.2.{rng.randrange(10**9)}",
                     "Content-Type": "application/json"},
            body=body, status=200))
    return Trace(url=url, visit_id=f"bench-{i}", final_url=url, canaries={"phone": phone, "name": "测试甲乙"},
                 order_reached="checkout", outcome="completed", steps=steps, gates=gates, checkboxes=checkboxes,
                 typed=typed, requests=reqs, started_at="2025-01-01T00:00:00Z")


def generate(folder: Path, n: int, seed: int = 7) -> int:
    """Write ``n`` traces under ``folder``/mNNNN/trace.json; return total bytes."""
    rng = random.Random(seed)
    total = 0
    for i in range(n):
        p = make_trace(i, rng).save(folder / f"m{i:04d}")
        total += p.stat().st_size
    return total


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("n", nargs="?", type=int, default=1000)
    ap.add_argument("--jobs", type=int, default=0, help="worker processes (0 = CPU count)")
    ap.add_argument("--keep", type=Path, help="generate into this folder and keep it")
    args = ap.parse_args()

    folder = args.keep or Path(tempfile.mkdtemp(prefix="qraudit-bench-"))
    try:
        t0 = time.perf_counter()
        size = generate(folder, args.n)
        gen_s = time.perf_counter() - t0
        print(f"generated {args.n} traces ({size / 1e6:.1f} MB, {size / args.n / 1e3:.0f} KB each) in {gen_s:.1f} s")

        cpu0 = resource.getrusage(resource.RUSAGE_SELF).ru_utime + resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime
        summary = rescore_dir(folder, jobs=args.jobs or None)
        s = summary.seconds
        cpu = (resource.getrusage(resource.RUSAGE_SELF).ru_utime
               + resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime - cpu0)
        print(f"rescore: {len(summary.items)} traces in {s:.2f} s = {len(summary.items) / s:.0f} traces/s "
              f"(jobs={args.jobs or os.cpu_count()}, cpus={os.cpu_count()}); CPU {cpu:.2f} s user "
              f"= {cpu / len(summary.items) * 1000:.1f} ms/trace; load average {os.getloadavg()[0]:.1f}")
        print(f"verdicts: {dict(summary.counts)}; errors: {len(summary.errors)}")
        rules: dict[str, int] = {}
        for it in summary.items:
            for r in it.rules:
                rules[r] = rules.get(r, 0) + 1
        print(f"rules fired: {dict(sorted(rules.items()))}")
        summary2 = rescore_dir(folder, jobs=1, write=False) if args.n <= 200 else None
        if summary2:
            print(f"single process: {summary2.seconds:.2f} s")
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
