"""The perturbation harness keeps a page's own charset (a GBK page stays GBK, its script readable)."""

from __future__ import annotations

from types import SimpleNamespace

from sandbox.perturb import apply
from sandbox.web import Resp


def _req() -> SimpleNamespace:
    # what apply() reads of a request: its method, path and headers
    return SimpleNamespace(method="GET", path="/m/kd/m44/", headers={"Sec-Fetch-Dest": "document"})


def test_a_gbk_page_is_read_and_written_back_in_gbk():
    page = '<!doctype html><html><head><meta charset="gbk"><title>码上点餐</title></head><body>手机号</body></html>'
    out = apply("icons", _req(), Resp(page.encode("gbk"), 200, "text/html"))
    body = out.body
    assert "手机号".encode("gbk") in body and "码上点餐".encode("gbk") in body
    head = body[: body.index(b"</script>")]
    assert max(head) < 128  # the injected script is plain ASCII: it reads the same in any charset
    assert "__qpInstalled" in body.decode("gbk")


def test_a_utf8_page_stays_utf8():
    page = "<!doctype html><html><head><meta charset=utf-8></head><body>手机号</body></html>"
    out = apply("english", _req(), Resp(page, 200, "text/html; charset=utf-8"))
    assert out.body.decode("utf-8")
