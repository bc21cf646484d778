"""The simulated district: ground truth, every site answering, directory, QR photos, safety log."""

from __future__ import annotations

import http.client
import json
import re
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter

import pytest
from typer.testing import CliRunner

import app.cmd_sandbox  # noqa: F401
from app.cli import app
from sandbox.merchants import MERCHANTS, ground_truth_dict
from sandbox.server import GROUND_TRUTH_PATH, SandboxServer
from sandbox.sites import common

RULES = {"forced_phone", "forced_follow", "forced_membership", "forced_profile_auth", "forced_biometric",
         "forced_location", "excessive_fields", "induced_consent", "no_privacy_notice", "third_party_leak"}
STAGES = {"entry", "menu", "cart", "checkout", "post_order"}
KEYS = {"id", "name", "address", "vendor", "path", "order_mode", "expected_verdict", "expected_reason", "findings",
        "gates", "hard_negatives", "notes", "pending"}
ASKS = {"phone", "sms_code", "follow", "membership", "profile_auth", "location", "camera", "fields", "consent"}
WECHAT_UA = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
             "Mobile/15E148 MicroMessenger/8.0.47(0x18002f2c) NetType/WIFI Language/zh_CN")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # noqa: D401 - stdlib hook
        return None


_TLS = ssl.create_default_context()
_TLS.check_hostname = False
_TLS.verify_mode = ssl.CERT_NONE  # the sandbox's TLS merchant has a self-signed certificate on purpose
_opener = urllib.request.build_opener(_NoRedirect, urllib.request.HTTPSHandler(context=_TLS))


def _text(raw: bytes) -> str:
    """The page's text in the charset its ``<meta>`` declares (the GBK merchant), else UTF-8."""
    m = re.search(rb"charset=[\"']?([\w-]+)", raw[:1024])
    return raw.decode(m.group(1).decode() if m else "utf-8", "replace")


def fetch(url: str, data: bytes | None = None, headers: dict | None = None) -> tuple[int, dict, str]:
    """GET/POST without following redirects: (status, headers, text)."""
    req = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with _opener.open(req, timeout=10) as r:
            return r.status, dict(r.headers), _text(r.read())
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), _text(e.read())


def post_form(url: str, form: dict, cookie: str = "") -> tuple[int, dict, str]:
    return fetch(url, urllib.parse.urlencode(form).encode(),
                 {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie})


# ---- ground truth ------------------------------------------------------------

def test_ground_truth_file_matches_source():
    on_disk = json.loads(GROUND_TRUTH_PATH.read_text(encoding="utf-8"))
    assert on_disk == json.loads(json.dumps(ground_truth_dict(), ensure_ascii=False)), \
        "ground_truth.json is stale: run `python -c 'from sandbox.server import write_ground_truth; write_ground_truth()'`"


def test_ground_truth_well_formed():
    gt = json.loads(GROUND_TRUTH_PATH.read_text(encoding="utf-8"))
    assert gt["version"] == 1
    ms = gt["merchants"]
    assert len(ms) >= 32
    ids = [m["id"] for m in ms]
    assert len(set(ids)) == len(ids)
    assert len({m["path"] for m in ms}) == len(ms)
    assert len({m["vendor"] for m in ms}) >= 5
    rule_merchants: Counter = Counter()
    hn_kinds: set = set()
    for m in ms:
        assert set(m) == KEYS, m["id"]
        assert re.fullmatch(r"m\d\d", m["id"])
        assert m["order_mode"] in ("dine_in", "pickup", "delivery")
        assert "table=" in m["path"] and m["path"].startswith("/m/")
        assert m["address"].startswith("沪")
        pairs = {(f["rule"], f["stage"]) for f in m["findings"]}
        assert len(pairs) == len(m["findings"]), f"duplicate finding in {m['id']}"
        for f in m["findings"]:
            assert set(f) == {"rule", "stage", "observable_live"} and f["rule"] in RULES and f["stage"] in STAGES, m["id"]
            assert isinstance(f["observable_live"], bool), m["id"]
        for g in m["gates"]:
            assert set(g) == {"asks", "stage", "forced", "form"} and g["asks"] in ASKS and g["stage"] in STAGES
        v = m["expected_verdict"]
        if v == "violation":
            assert m["findings"] and m["expected_reason"] is None, m["id"]
        elif v == "compliant":
            assert not m["findings"] and m["expected_reason"] is None, m["id"]
        else:
            assert v in ("inconclusive", "unsupported") and not m["findings"] and m["expected_reason"], m["id"]
        assert m["pending"] is None or (isinstance(m["pending"], str) and m["pending"].startswith("order agent:")), m["id"]
        rule_merchants.update({f["rule"] for f in m["findings"]})
        hn_kinds.update(m["hard_negatives"])
    assert set(rule_merchants) == RULES
    assert all(n >= 2 for n in rule_merchants.values()), rule_merchants
    assert len(hn_kinds) >= 10
    assert sum(1 for m in ms if m["hard_negatives"]) >= 10
    assert sum(1 for m in ms if m["expected_verdict"] == "compliant") >= 6
    reasons = {m["expected_reason"] for m in ms if m["expected_reason"]}
    assert {"closed", "broken", "redirect", "no items", "mini-program", "app"} <= reasons


def test_languages_and_vendors_vary():
    langs = Counter(m["cfg"].get("lang", "zhs") for m in MERCHANTS)
    assert langs["zht"] >= 3 and langs["en"] >= 2
    per_vendor = Counter(m["vendor"] for m in MERCHANTS)
    assert all(n >= 5 for n in per_vendor.values()), per_vendor


# ---- every site answers ------------------------------------------------------------

def test_every_merchant_url_answers():
    with SandboxServer() as sandbox:  # its own: a cold-start merchant answers nothing only at first
        _every_merchant_url_answers(sandbox)


def _every_merchant_url_answers(sandbox):
    for m in sandbox.ground_truth()["merchants"]:
        url = sandbox.merchant_url(m["id"])
        cfg = next(x for x in MERCHANTS if x["id"] == m["id"])["cfg"]
        if cfg.get("cold_start"):
            with pytest.raises((urllib.error.URLError, http.client.RemoteDisconnected, ConnectionError)):
                fetch(url, headers={"User-Agent": WECHAT_UA})  # cold: no answer at all
            time.sleep(common.WARMING_S + 0.2)
        status, headers, body = fetch(url, headers={"User-Agent": WECHAT_UA})
        if cfg.get("basic_auth"):
            assert status == 401 and headers["WWW-Authenticate"].startswith("Basic "), m["id"]
            continue
        if cfg.get("tls"):
            assert url.startswith("https://"), m["id"]
        if cfg.get("server_oauth"):
            assert status == 302, m["id"]
            loc = headers["Location"]
            assert loc.startswith("https://open.weixin.qq.com/connect/oauth2/authorize?appid=wx")
            q = urllib.parse.parse_qs(urllib.parse.urlsplit(loc).query)
            assert q["scope"] == [cfg["server_oauth"]["scope"]] and loc.endswith("#wechat_redirect")
            assert q["redirect_uri"][0].startswith(sandbox.base_url + "/m/")
        elif cfg.get("special") == "loop":
            assert status == 302 and f"/{m['id']}/" in headers["Location"], m["id"]
        else:
            assert status == 200, (m["id"], status)
            assert m["name"] in body, m["id"]


def test_static_and_menu_json(sandbox):
    for name in ("gates.js", "spa.js", "wc.js", "lazy.js"):
        status, headers, body = fetch(f"{sandbox.base_url}/static/{name}")
        assert status == 200 and "javascript" in headers["Content-Type"] and len(body) > 1000
    assert fetch(f"{sandbox.base_url}/static/../server.py")[0] == 404
    status, _, body = fetch(f"{sandbox.base_url}/m/lz/m35/api/menu?page=1")
    page1 = json.loads(body)
    assert status == 200 and len(page1["items"]) == 6 and page1["next"] == 2
    page3 = json.loads(fetch(f"{sandbox.base_url}/m/lz/m35/api/menu?page=3")[2])
    assert page3["next"] is None and page3["items"]
    status, headers, body = fetch(f"{sandbox.base_url}/qr.png?d=hello")
    assert status == 200 and headers["Content-Type"] == "image/png"
    assert fetch(f"{sandbox.base_url}/m/kd/m99/?table=A1")[0] == 404
    assert fetch(f"{sandbox.base_url}/m/hs/m01/?table=A1")[0] == 404  # wrong vendor segment


def test_oauth_callback_decline_and_grant(sandbox):
    base = sandbox.base_url
    # forced profile auth (server-side): a decline goes straight back to the authorize URL
    status, headers, _ = fetch(f"{base}/m/kd/m03/oauth/cb?state=tC2")
    assert status == 302 and headers["Location"].endswith("auth=denied")
    status, headers, _ = fetch(base + headers["Location"])
    assert status == 302 and "scope=snsapi_userinfo" in headers["Location"]
    # a code is accepted (any value) and sets a cookie that opens the menu
    status, headers, _ = fetch(f"{base}/m/kd/m03/oauth/cb?code=CANARY123&state=tC2")
    assert status == 302 and "qa_auth=" in headers["Set-Cookie"]
    cookie = headers["Set-Cookie"].split(";")[0]
    status, _, body = fetch(base + headers["Location"], headers={"Cookie": cookie})
    assert status == 200 and "叉烧饭" in body
    # Alipay auth_code works too
    status, headers, _ = fetch(f"{base}/m/lz/m35/oauth/cb?auth_code=X&state=tY6")
    assert status == 302 and "qa_auth=" in headers["Set-Cookie"]
    # client-side OAuth: the page carries the real authorize URL with the sandbox callback
    body = fetch(sandbox.merchant_url("m35"))[2]
    assert "https://openauth.alipay.com/oauth2/publicAppAuthorize.htm?app_id=" in body and "auth_user" in body


# ---- directory ------------------------------------------------------------

def test_directory_and_sitemap_list_every_merchant(sandbox):
    ids = {m["id"] for m in sandbox.ground_truth()["merchants"]}
    status, _, home = fetch(sandbox.base_url + "/")
    assert status == 200 and "扫码点餐商户名录" in home and "/directory?page=1" in home
    seen: set = set()
    links = []
    url = sandbox.base_url + "/directory?page=1"
    pages = 0
    while url:
        status, _, html = fetch(url)
        assert status == 200
        pages += 1
        hrefs = [re.sub(r"^https://[^/]+", "", h) for h in re.findall(r'href="((?:https://[^"/]+)?/m/[^"]+)"', html)]
        assert 0 < len(hrefs) <= 8
        links += hrefs
        seen |= {h.split("/")[3] for h in hrefs}
        if "charset=gbk" in html:  # the old-style page: GBK, its charset only in <meta>
            assert "老字号" in html and "老正兴菜馆" in html
        nxt = re.search(r'<a rel="next" href="([^"]+)"', html)
        url = sandbox.base_url + nxt.group(1) if nxt else None
    assert pages >= 4 and seen == ids
    assert any(sandbox.merchant_url(m["id"]).startswith("https://") for m in sandbox.ground_truth()["merchants"])
    assert len(links) > len(ids)  # duplicates with other tables / tracking parameters
    assert any("utm_source=" in h for h in links)
    assert all("table=" in h for h in links)
    status, headers, xml = fetch(sandbox.base_url + "/sitemap.xml")
    assert status == 200 and "xml" in headers["Content-Type"]
    locs = re.findall(r"<loc>([^<]+)</loc>", xml)
    for m in sandbox.ground_truth()["merchants"]:
        assert sandbox.merchant_url(m["id"]).replace("&", "&amp;") in locs
    assert any("/directory?page=" in u for u in locs)
    robots = fetch(sandbox.base_url + "/robots.txt")[2]
    assert "Disallow: /admin" in robots


# ---- QR photos ------------------------------------------------------------

def test_qr_photos_decode_to_merchant_urls(sandbox, tmp_path):
    import zxingcpp  # noqa: PLC0415  (heavy: loaded only when needed)
    from PIL import Image  # noqa: PLC0415  (heavy: loaded only when needed)

    paths = sandbox.write_qr_photos(tmp_path / "photos")
    assert len(paths) >= 5 and all(p.suffix == ".png" for p in paths)
    assert sorted(tmp_path.joinpath("photos").iterdir()) == sorted(paths)
    decoded = {}
    for p in paths:
        img = Image.open(p)
        assert img.size[0] > 400 and img.size[1] > 400  # a photo, not a bare code
        res = zxingcpp.read_barcodes(img)
        assert len(res) == 1, p
        decoded[p] = res[0].text
    merchants = Counter()
    for text in decoded.values():
        assert text.startswith(sandbox.base_url + "/m/") and "table=" in text
        mid = text.split("/")[5]
        merchants[mid] += 1
        assert fetch(text)[0] == 200
    assert len(merchants) >= 4
    assert max(merchants.values()) >= 2  # one merchant with two table codes


# ---- third party and safety log ------------------------------------------------------------

def test_third_party_host(sandbox):
    assert urllib.parse.urlsplit(sandbox.third_party_base).hostname == "127.0.0.2"
    status, headers, body = fetch(sandbox.third_party_base + "/sdk.js")
    assert status == 200 and "javascript" in headers["Content-Type"]
    status, headers, _ = fetch(sandbox.third_party_base + "/pixel.gif?h=abc")
    assert status == 200 and headers["Content-Type"] == "image/gif"
    status, _, body = fetch(sandbox.third_party_base + "/collect", b'{"uid":"eA=="}', {"Content-Type": "text/plain"})
    assert status == 200 and json.loads(body)["ok"]
    assert any(h["path"] == "/collect" and "eA==" in h["body"] for h in sandbox.third_party_hits)


def test_forms_checkout_validation_and_events(sandbox):
    base = sandbox.base_url + "/m/kd/m06"
    sandbox.reset_events()
    status, headers, _ = post_form(f"{base}/add?table=E8", {"id": "c1"})
    assert status == 303
    cookie = headers["Set-Cookie"].split(";")[0]
    status, _, body = fetch(f"{base}/checkout?table=E8", headers={"Cookie": cookie})
    assert status == 200 and "身份证号" in body and "E8" in body and "隐私政策" in body
    status, _, body = post_form(f"{base}/checkout?table=E8", {"name": "", "id_number": ""}, cookie)
    assert status == 200 and "请填写姓名" in body
    assert not sandbox.events
    status, headers, _ = post_form(f"{base}/checkout?table=E8", {"name": "测试", "id_number": "310101199001011234"}, cookie)
    assert status == 303 and "/done" in headers["Location"]
    assert [e["type"] for e in sandbox.events] == ["order_submit"] and sandbox.events[0]["merchant"] == "m06"
    status, _, body = fetch(sandbox.base_url + headers["Location"])
    assert "订单已提交" in body and "去支付" in body and "/pay" in body
    # the pay endpoint is recorded (and must never be hit by the auditor)
    post_form(f"{base}/pay?table=E8", {"order": "1"})
    assert sandbox.events[-1]["type"] == "pay"
    fetch(f"{sandbox.base_url}/m/kd/m28/api/sms", b'{"phone":"1"}', {"Content-Type": "application/json"})
    fetch(f"{sandbox.base_url}/m/if/m28/api/sms", b'{"phone":"13800000000"}', {"Content-Type": "application/json"})
    assert sandbox.events[-1]["type"] == "sms_send" and sandbox.events[-1]["merchant"] == "m28"
    sandbox.reset_events()
    assert sandbox.events == []


def test_forms_entry_phone_gate_needs_valid_number(sandbox):
    base = sandbox.base_url + "/m/kd/m01"
    body = fetch(f"{base}/?table=A3")[2]
    assert "请输入手机号后点餐" in body and "隐私" not in body  # no privacy notice anywhere
    status, headers, _ = post_form(f"{base}/gate/0?table=A3", {"mobile": "123"})
    assert status == 303 and "err=0" in headers["Location"]
    status, headers, _ = post_form(f"{base}/gate/0?table=A3", {"mobile": "13800138000"})
    cookie = headers["Set-Cookie"].split(";")[0]
    body = fetch(f"{base}/?table=A3", headers={"Cookie": cookie})[2]
    assert "请输入手机号后点餐" not in body and "红烧牛肉面" in body


def test_privacy_link_consistency():
    """Merchants not labelled no_privacy_notice show a policy link in the footer; the labelled ones never do."""
    for m in MERCHANTS:
        labelled = any(f["rule"] == "no_privacy_notice" for f in m["findings"])
        footer_link = m["cfg"].get("footer", {}).get("privacy", True)
        gates_without = [g for g in m["cfg"].get("gates", []) if g.get("privacy") is False]
        checkout_without = m["cfg"].get("checkout", {}).get("privacy") is False
        if labelled:
            assert not footer_link, m["id"]
        else:
            assert footer_link and not gates_without and not checkout_without, m["id"]


def test_cli_command_registered():
    res = CliRunner().invoke(app, ["sandbox", "--help"])
    assert res.exit_code == 0 and "--port" in res.output
    res = CliRunner().invoke(app, ["sandbox", "--port", "70000"])
    assert res.exit_code != 0


# ---- one real browser smoke test ------------------------------------------------------------

SMOKE = {  # vendor -> (merchant, a dish name on its menu)
    "forms": ("m02", "葱油拌面"),
    "hash_spa": ("m16", "照烧鸡腿便当"),
    "web_components": ("m22", "柠檬红茶"),
    "iframe_shell": ("m33", "燒賣皇"),
    "lazy_json": ("m37", "三鲜水饺"),
    "uni_app": ("m42", "羊肉串"),
}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    """pytest-playwright hook: a WeChat in-app browser on a phone-sized viewport."""
    return {**browser_context_args, "user_agent": WECHAT_UA, "viewport": {"width": 390, "height": 844}}


@pytest.mark.browser
def test_each_vendor_renders_its_menu(sandbox, page):
    assert set(SMOKE) == {m["vendor"] for m in MERCHANTS}
    assert "MicroMessenger" in page.evaluate("navigator.userAgent")
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    for vendor, (mid, dish) in SMOKE.items():
        page.goto(sandbox.merchant_url(mid))
        scope = page.frame_locator("iframe") if vendor == "iframe_shell" else page
        # Playwright text locators pierce open shadow roots (web_components)
        scope.get_by_text(dish, exact=True).first.wait_for(state="visible", timeout=8000)
        assert not errors, (mid, errors)
    assert not [e for e in sandbox.events if e["type"] == "pay"]
