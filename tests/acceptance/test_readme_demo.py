"""Acceptance (``make acceptance``; not part of ``make test``, whose time budget it would double):
the README's commands, as written, after ``make demo``; and the reports they leave, read as
the people who read the results would: on a phone and a desk, in Chinese, with the evidence
marks in the right place.

One session-wide run (slow: two crawls of the demo district): a working folder that looks
like the repository (its files linked, its own ``data/``), ``make demo``, then every line of
the README's "Everyday use" block in one shell, in order.  A lock keeps two test sessions of
this machine from serving the sandbox on its fixed port at once.
"""

from __future__ import annotations

import fcntl
import html as html_mod
import json
import os
import re
import subprocess
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from PIL import Image

from results.api import Results
from sandbox.followup import CHANGES
from sandbox.merchants import by_id
from sandbox.server import SandboxServer
from tests.results.zhcheck import RunFacts, problems

pytestmark = [pytest.mark.acceptance, pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(5400)]  # two crawls

REPO = Path(__file__).resolve().parents[2]
LINKED = ("Makefile", "scripts", "pyproject.toml", ".venv", "seeds", "notebooks", "README.md")
WAIT_SANDBOX = ("python -c \"import time,pathlib; p=pathlib.Path('{out}'); t=time.time()\n"
                "while 'Ctrl-C stops it' not in (p.read_text() if p.exists() else ''):\n"
                "    assert time.time()-t < 120, 'sandbox did not start'; time.sleep(0.2)\"")


def readme_commands() -> list[str]:
    """The command lines of the README's "Everyday use" block (comments dropped)."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## Everyday use"):]
    block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    return [re.sub(r"\s+#\s.*$", "", line).rstrip() for line in block.splitlines() if line.strip()]


class Demo:
    """What ran: the working folder, its data, and per command its output, status and time."""

    def __init__(self, work: Path) -> None:
        self.work = work
        self.data = work / "data"
        self.out: dict[str, dict] = {}

    def of(self, prefix: str) -> dict:
        return next(v for k, v in self.out.items() if k.startswith(prefix))

    @property
    def res(self) -> Results:
        return Results(self.data)


@pytest.fixture(scope="session")
def demo(tmp_path_factory) -> Demo:
    work = tmp_path_factory.mktemp("fresh-clone")
    for name in LINKED:
        (work / name).symlink_to(REPO / name)
    env = {k: v for k, v in os.environ.items() if k not in ("QRAUDIT_DATA", "VIRTUAL_ENV")}
    env["COLUMNS"] = "200"
    d = Demo(work)
    t0 = time.monotonic()
    make = subprocess.run(["make", "demo"], cwd=work, env=env, capture_output=True, text=True, timeout=3600)
    d.out["make demo"] = {"rc": make.returncode, "stdout": make.stdout, "stderr": make.stderr,
                          "s": time.monotonic() - t0}
    assert make.returncode == 0, make.stdout[-3000:] + make.stderr[-3000:]

    logs = work / "logs"
    logs.mkdir()
    lines = ["cd " + str(work), "trap 'kill $(jobs -p) 2>/dev/null' EXIT"]  # never leave a sandbox behind
    commands = readme_commands()
    for i, cmd in enumerate(commands):
        out, err = logs / f"{i}.out", logs / f"{i}.err"
        if cmd.endswith("&"):
            lines.append(f"{cmd[:-1].rstrip()} > {out} 2> {err} &")
            lines.append(WAIT_SANDBOX.format(out=out))
            lines.append(f"echo 0 > {logs}/{i}.rc")
        elif cmd.startswith(". "):
            lines.append(f"{cmd}; echo $? > {logs}/{i}.rc")
        else:
            lines.append(f"s=$(date +%s.%N); {{ {cmd} ; }} > {out} 2> {err}; echo $? > {logs}/{i}.rc; "
                         f"echo $(date +%s.%N) $s > {logs}/{i}.t")
    with open("/tmp/qraudit-readme-sandbox-8765.lock", "w") as lock:  # the sandbox's fixed port: one at a time
        fcntl.flock(lock, fcntl.LOCK_EX)
        proc = subprocess.run(["bash", "-c", "\n".join(lines)], env=env, capture_output=True, text=True,
                              timeout=5400)
    assert proc.returncode == 0, proc.stderr[-3000:]
    for i, cmd in enumerate(commands):
        rec = {"rc": int((logs / f"{i}.rc").read_text().strip() or -1),
               "stdout": (logs / f"{i}.out").read_text() if (logs / f"{i}.out").exists() else "",
               "stderr": (logs / f"{i}.err").read_text() if (logs / f"{i}.err").exists() else ""}
        if (logs / f"{i}.t").exists():
            end, start = map(float, (logs / f"{i}.t").read_text().split())
            rec["s"] = end - start
        d.out[cmd] = rec
    print("\n".join(f"{v.get('s', 0):7.1f} s  rc {v['rc']}  {k}" for k, v in d.out.items()))
    return d


def _merchant_ids(res: Results, run: str) -> dict[str, str]:
    """Sandbox merchant id (m01...) -> the run's merchant id, matched on names."""
    names = dict(zip(res.audits(run)["name"], res.audits(run)["merchant_id"], strict=True))
    return {m: names[by_id(m)["name"]] for m in CHANGES}


# ---- 5. every README command works as written ----------------------------------------------------


def test_every_readme_command_works_as_written_after_make_demo(demo):
    failed = {k: (v["rc"], v["stderr"][-500:]) for k, v in demo.out.items() if v["rc"] != 0}
    assert failed == {}
    assert "report:" in demo.out["make demo"]["stdout"] and "report (en):" in demo.out["make demo"]["stdout"]

    runs = demo.of("qraudit runs")["stdout"]
    assert "crawl" in runs and "demo" in runs

    en = Path(demo.of("qraudit report latest --lang en")["stdout"].strip())
    assert en.name == "index.html" and en.parent.name == "report-en" and en.is_file()
    # make demo built the Chinese report with its link to the English one
    zh = en.parent.parent / "report" / "index.html"
    assert '<a class="lang" href="../report-en/index.html"' in zh.read_text(encoding="utf-8")

    by_name = demo.of('qraudit check --merchant "云朵小面"')["stdout"]
    assert "verdict: violation" in by_name and re.search(r"^report: .*index\.html$", by_name, re.M)

    assert "QR photos:" in demo.of("qraudit sandbox &")["stdout"]
    url = demo.of('qraudit check "http://127.0.0.1:8765')["stdout"]
    assert "verdict: violation" in url and "forced_phone" in url  # 云朵小面, audited live
    photo = json.loads(demo.of("qraudit check data/sandbox/photos/m11-A6.png")["stdout"])
    assert photo["verdict"] == "violation" and photo["mode"] == "live" and photo["run_id"]
    assert {f["rule"] for f in photo["findings"]} >= {"forced_phone"}

    diff = demo.of("qraudit diff")["stdout"]
    ids = _merchant_ids(demo.res, demo.res.latest_run("demo"))
    for mid, change in CHANGES.items():
        status = "fixed" if change["change"] == "fixed" else "new"
        assert re.search(rf"{status}\s+│ {ids[mid]}", diff), (mid, diff)

    assert len(demo.of("qraudit export latest")["stdout"].split()) == 3
    assert demo.of("qraudit verify latest")["stdout"].startswith("OK:")
    assert "no verdict changed" in demo.of("qraudit rescore latest --dry-run")["stdout"]
    assert "forced_phone" in demo.of("qraudit rules")["stdout"]
    nb = demo.of("python notebooks/run.py 03-rectification.ipynb")["stdout"]
    fixed = int(re.search(r"^fixed: (\d+)", nb, re.M).group(1))
    new = int(re.search(r"^new: (\d+)", nb, re.M).group(1))
    assert fixed >= 4 and new >= 2, nb
    assert (demo.data / "notebooks" / "03-rectification.ipynb").is_file()


def test_checks_are_runs_of_kind_check_with_their_one_page_report(demo):
    runs = demo.res.runs()
    checks = runs[runs["kind"] == "check"]
    assert len(checks) == 3 and set(checks["status"]) == {"finished"}
    for rid in checks["run_id"]:
        report = demo.res.run_dir(rid) / "report" / "index.html"
        assert report.is_file() and not (report.parent / "merchants").exists()
        assert (demo.res.run_dir(rid) / "manifest.json").is_file()


# ---- 7. the campaign follow-up shows fixed and new -------------------------------------------------


def test_the_followup_report_compares_with_the_demo(demo):
    res = demo.res
    latest = res.latest_run("demo")
    assert res.run(latest)["kind"] == "crawl" and res.previous_run(latest)
    page = (res.run_dir(latest) / "report" / "diff.html").read_text(encoding="utf-8")
    ids = _merchant_ids(res, latest)
    fixed = page[page.index('id="fixed"'):page.index("</section>", page.index('id="fixed"'))]
    new = page[page.index('id="new"'):page.index("</section>", page.index('id="new"'))]
    for mid, change in CHANGES.items():
        assert f"merchants/{ids[mid]}.html" in (fixed if change["change"] == "fixed" else new), mid
    index = (res.run_dir(latest) / "report" / "index.html").read_text(encoding="utf-8")
    assert 'href="diff.html"' in index


# ---- 1, 2. the reports on a phone and a desk, in Chinese -------------------------------------------

WIDTH_JS = """() => {
  const vw = document.documentElement.clientWidth, bad = [];
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    if (r.right > vw + 0.5 || r.left < -0.5) bad.push('wider: ' + el.tagName + '.' + el.className + ' ' + r.right);
    const cs = getComputedStyle(el);
    if (['hidden', 'clip', 'auto', 'scroll'].includes(cs.overflowX) && el.scrollWidth > el.clientWidth + 1)
      bad.push('clipped: ' + el.tagName + '.' + el.className);
  }
  return {scroll: document.documentElement.scrollWidth, height: document.documentElement.scrollHeight,
          bad: bad.slice(0, 5), hidden: getComputedStyle(document.body).overflowX
          + getComputedStyle(document.documentElement).overflowX};
}"""


def _report_pages(folder: Path) -> list[Path]:
    return [*sorted(folder.glob("*.html")), *sorted((folder / "merchants").glob("*.html"))]


@pytest.mark.parametrize("size", [(390, 844), (1280, 900)])
def test_every_demo_report_page_fits_the_screen(demo, browser, size, tmp_path):
    res = demo.res
    folders = []
    for rid in res.runs()["run_id"]:
        for name in ("report", "report-en"):
            if (res.run_dir(rid) / name / "index.html").is_file():
                folders.append(res.run_dir(rid) / name)
    assert len(folders) >= 6  # two crawls and three checks, both languages where built
    page = browser.new_page(viewport={"width": size[0], "height": size[1]})
    widths = {}
    try:
        for folder in folders:
            for p in _report_pages(folder):
                page.goto(p.as_uri())
                r = page.evaluate(WIDTH_JS)
                assert r["scroll"] <= size[0] and not r["bad"], (p, r)
                assert "hidden" not in r["hidden"]  # fitting, not hiding
                widths[str(p)] = (r["scroll"], r["height"])
        # the screenshot test: the index and a merchant page, the full page as wide as the screen
        latest = res.run_dir(res.latest_run("demo")) / "report"
        for p in (latest / "index.html", sorted((latest / "merchants").glob("*.html"))[0]):
            page.goto(p.as_uri())
            shot = tmp_path / f"{p.stem}-{size[0]}.png"
            page.screenshot(path=str(shot), full_page=True)
            assert Image.open(shot).size[0] == size[0]
    finally:
        page.close()
    index = str(res.run_dir(res.latest_run("demo")) / "report" / "index.html")
    print(f"{size}: index {widths[index]}, widest page {max(w for w, _h in widths.values())} px")


def test_the_chinese_demo_reports_show_no_latin_word_outside_the_allowed_kinds(demo):
    res = demo.res
    found = {}
    for rid in res.runs()["run_id"]:
        folder = res.run_dir(rid) / "report"
        facts = RunFacts(demo.data, rid)
        for p in _report_pages(folder):
            bad = problems(p.read_text(encoding="utf-8"), facts)
            if bad:
                found[f"{rid}/{p.name}"] = bad
    assert found == {}


# ---- 3. evidence marks in the right place ---------------------------------------------------------

FIND_JS = """([sel, frameUrl]) => {
  let doc = document;
  if (frameUrl) {
    const f = [...document.querySelectorAll('iframe[data-qraudit-frame-url]')]
      .find(e => e.getAttribute('data-qraudit-frame-url') === frameUrl);
    if (!f) return null;
    doc = f.contentDocument;
  }
  const deep = (root) => {
    const hit = root.querySelector(sel);
    if (hit) return hit;
    for (const el of root.querySelectorAll('*')) if (el.shadowRoot) { const h = deep(el.shadowRoot); if (h) return h; }
    return null;
  };
  const el = deep(doc);
  if (!el) return null;
  const r = el.getBoundingClientRect();
  let x = r.left, y = r.top;
  if (frameUrl) { const fr = doc.defaultView.frameElement.getBoundingClientRect(); x += fr.left; y += fr.top; }
  return {x, y, width: r.width, height: r.height};
}"""


def _figures(res: Results, run: str) -> list[tuple[str, dict, Path]]:
    """(merchant page, evidence placement, step DOM snapshot) of every finding of the run's Chinese report."""
    audits = res.audits(run).set_index("merchant_id")
    out = []
    for page in sorted((res.run_dir(run) / "report" / "merchants").glob("*.html")):
        html = page.read_text(encoding="utf-8")
        for ev, dom in re.findall(r'data-evidence="([^"]*)" data-dom="([^"]*)"', html):
            evidence = json.loads(html_mod.unescape(ev))
            snapshot = Path(audits.loc[page.stem, "evidence_dir"]) / dom if dom else None
            out.append((page.stem, evidence, snapshot))
    return out


def _step_url(dom: Path) -> str:
    """The page address of the step whose DOM snapshot is ``dom``."""
    trace = json.loads((dom.parent / "trace.json").read_text(encoding="utf-8"))
    return next(st["url"] for st in trace["steps"] if st.get("dom") == dom.name)


def test_boxes_sit_on_their_element_when_the_snapshot_is_rendered_afresh(demo, browser):
    """Each step's stored DOM snapshot is opened again at its own address (scripts stay disabled in it),
    its images and styles served by a sandbox started now, so the page is laid out as it was; the centre
    of the red box drawn on the screenshot must fall inside the element the finding names (inside its
    frame, or its shadow root) there."""
    res = demo.res
    run = res.previous_run(res.latest_run("demo"))  # the demo crawl
    figures = [f for f in _figures(res, run) if f[1]["box"] and f[2] is not None]
    in_frames = [f for f in figures if f[1]["how"] == "outlined_frame"]
    assert len(figures) >= 15 and len(in_frames) >= 3
    wrong = []
    with SandboxServer() as sb:
        page = browser.new_page(viewport={"width": 390, "height": 844})
        current: dict[str, str] = {}

        def serve(route):
            url = route.request.url
            if url == current["url"].split("#")[0]:
                route.fulfill(body=current["html"], content_type="text/html; charset=utf-8")
                return
            for old, new in ((current["origin"], sb.base_url), (current["third"], sb.third_party_base)):
                if old and url.startswith(old + "/"):  # what the page loaded then, from today's sandbox
                    route.fulfill(response=route.fetch(url=new + url[len(old):]))
                    return
            route.abort()

        page.route("**/*", serve)
        try:
            for mid, ev, dom in figures:
                url = _step_url(dom)
                parts = urlsplit(url)
                current.update(url=url, html=dom.read_text(encoding="utf-8"),
                               origin=f"{parts.scheme}://{parts.netloc}",
                               third=f"http://127.0.0.2:{_third_port(dom)}" if _third_port(dom) else "")
                # a blank page first: from the previous figure's ".../?table=X" (a hash-routed page's earlier
                # step) to ".../?table=X#/pages/order/confirm" goto is a same-document fragment navigation,
                # which would keep the previous snapshot instead of loading this one
                page.goto("about:blank")
                page.goto(url, wait_until="load")
                frame_url = ev["frame_url"] if ev["how"] == "outlined_frame" else None
                el = page.evaluate(FIND_JS, [ev["selector"], frame_url])
                b = ev["box"]
                cx, cy = b["x"] + b["width"] / 2, b["y"] + b["height"] / 2
                if el is None or not (el["x"] <= cx <= el["x"] + el["width"]
                                      and el["y"] <= cy <= el["y"] + el["height"]):
                    wrong.append((mid, ev, el))
        finally:
            page.close()
    assert wrong == [], wrong


def _third_port(dom: Path) -> str:
    m = re.search(r"http://127\.0\.0\.2:(\d+)/", dom.read_text(encoding="utf-8"))
    return m.group(1) if m else ""


def test_network_findings_show_the_request_and_element_findings_are_outlined(demo):
    res = demo.res
    run = res.previous_run(res.latest_run("demo"))
    findings = res.findings(run)
    figures = _figures(res, run)
    leaks = [ev for _m, ev, _d in figures if ev["how"] == "box_request"]
    assert len(leaks) >= int((findings["rule"] == "third_party_leak").sum()) and all(ev["box"] is None for ev in leaks)
    unplaced = [(m, ev) for m, ev, _d in figures if ev["selector"] and ev["how"] == "no_box"]
    assert unplaced == []
    for page in (res.run_dir(run) / "report" / "merchants").glob("*.html"):
        assert "未记录元素位置" not in page.read_text(encoding="utf-8"), page
