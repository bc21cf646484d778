"""Small builders for hand-made traces (no browser)."""

from __future__ import annotations

from typing import Any

from core.trace import (
    Checkbox,
    Element,
    FormField,
    Gate,
    OAuthEvent,
    PermissionRequest,
    Request,
    Step,
    Trace,
    Try,
    TypedValue,
)

SHOP = "https://m.shop-example.com.cn/order?store=12&table=A3"
PHONE = "13912345678"
NAME = "测试甲乙"


def el(selector: str = "div.x", text: str = "", tag: str = "div", **attrs: str) -> Element:
    return Element(selector=selector, tag=tag, text=text, attrs={k.replace("_", "-"): v for k, v in attrs.items()})


def field(label: str = "", *, input_type: str = "text", name: str = "", placeholder: str = "",
          required: tuple[str, ...] = (), optional: tuple[str, ...] = (), selector: str | None = None,
          value: str | None = None, options: tuple[str, ...] = (), **attrs: str) -> FormField:
    sel = selector or f"input[name={name or 'f'}]"
    return FormField(element=el(sel, tag="input", type=input_type, **attrs), input_type=input_type, name=name,
                     label=label, placeholder=placeholder, required_signals=list(required),
                     optional_signals=list(optional), value_typed=value, options=list(options))


def tries(*pairs: tuple[str, str]) -> list[Try]:
    return [Try(method=m, outcome=o) for m, o in pairs]


NO_WAY = tries(("close icon", "still_blocked"), ("Escape", "still_blocked"), ("click outside", "still_blocked"),
               ("back", "navigated_away"))


def gate(gid: str = "g1", step: int = 1, stage: str = "entry", *, kind: str = "overlay", text: str = "",
         fields: list[FormField] | None = None, buttons: list[Element] | None = None, tried: list[Try] | None = None,
         passed_by: str = "canary", appearances: int = 1, images: list[dict[str, Any]] | None = None,
         links: list[Element] | None = None, checkboxes: list[Checkbox] | None = None,
         oauth: int | None = None, permission: int | None = None, blocking: bool = True) -> Gate:
    return Gate(id=gid, step=step, stage=stage, kind=kind, element=el(f"div.{gid}", text[:100]), text=text,
                blocking=blocking, fields=fields or [], buttons=buttons or [],
                tries=NO_WAY if tried is None else tried, passed_by=passed_by, appearances=appearances,
                images=images or [], links=links or [], checkboxes=checkboxes or [], oauth=oauth,
                permission=permission, screenshot=f"step-{step:02d}.png", dom=f"step-{step:02d}.html")


def phone_gate(**kw: Any) -> Gate:
    kw.setdefault("text", "请输入手机号登录后点餐 获取验证码 登录")
    kw.setdefault("fields", [field("手机号", input_type="tel", name="mobile", selector="#mobile"),
                             field("验证码", name="code", selector="#code")])
    kw.setdefault("buttons", [el("button.send", "获取验证码", tag="button")])
    return gate(**kw)


def step(n: int, stage: str, *, action: str = "click", state: str = "menu", url: str = SHOP,
         visible_text: str = "", links: list[dict[str, str]] | None = None,
         fields: list[FormField] | None = None) -> Step:
    return Step(n=n, action=action, stage=stage, url=url, state=state, screenshot=f"step-{n:02d}.png",
                dom=f"step-{n:02d}.html", visible_text=visible_text, links=links or [], fields=fields or [])


def trace(*, mode: str | None = None, outcome: str = "completed", reached: str = "checkout",
          url: str = SHOP, page_text: str = "招牌牛肉面 ¥28 加入购物车", links: list[dict[str, str]] | None = None,
          **kw: Any) -> Trace:
    """A visit that walked entry → menu → cart → checkout (steps 1-5)."""
    steps = [
        step(1, "entry", action="open", state="landing", visible_text=page_text, links=links),
        step(2, "menu", state="menu", visible_text=page_text, links=links),
        step(3, "menu", state="menu", visible_text=page_text, links=links),
        step(4, "cart", state="cart", visible_text="购物车 去结算", links=links),
        step(5, "checkout", state="checkout", visible_text="确认订单 提交订单", links=links),
    ]
    t = Trace(url=url, visit_id="v-test", final_url=url, order_mode=mode, outcome=outcome, order_reached=reached,
              canaries={"phone": PHONE, "name": NAME}, steps=steps)
    for k, v in kw.items():
        setattr(t, k, v)
    return t


def typed_phone(step_n: int = 1) -> TypedValue:
    return TypedValue(step=step_n, kind="phone", value=PHONE, selector="#mobile")


def request(rid: int, url: str, *, step_n: int = 2, method: str = "GET", headers: dict[str, str] | None = None,
            body: str | None = None, **kw: Any) -> Request:
    return Request(id=rid, step=step_n, t_ms=rid * 10, method=method, url=url, headers=headers or {},
                   body=body, **kw)


def checkbox(label: str, checked: bool, *, step_n: int = 5, links: tuple[str, ...] = (),
             required: tuple[str, ...] = ()) -> Checkbox:
    return Checkbox(step=step_n, element=el(f"input.cb{abs(hash(label)) % 1000}", tag="input", type="checkbox"),
                    label=label, checked_initially=checked, links=list(links), required_signals=list(required))


def oauth(scope: str, handled: str, step_n: int = 1) -> OAuthEvent:
    return OAuthEvent(step=step_n, provider="wechat",
                      url=f"https://open.weixin.qq.com/connect/oauth2/authorize?appid=wx1&scope={scope}",
                      scope=scope, handled=handled)


def permission(name: str = "geolocation", *, answer: str = "denied", step_n: int = 1,
               user_initiated: bool = False, **constraints: Any) -> PermissionRequest:
    api = "getCurrentPosition" if name == "geolocation" else "getUserMedia"
    return PermissionRequest(step=step_n, name=name, api=api, answer=answer, user_initiated=user_initiated,
                             constraints=constraints)


def rules_of(result) -> set[tuple[str, str]]:
    return {(f.rule, f.stage) for f in result.findings}
