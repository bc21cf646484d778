"""Words of the report in Chinese (default) and English.

:func:`text` returns a UI string; :func:`label` the display name of a verdict,
stage, rule, group, order-reached value or gate outcome.  Rule titles come from
the detector registry when it can be loaded, else from :data:`RULE_TITLES`.
"""

from __future__ import annotations

from functools import lru_cache

from detectors.engine import load_rules

LANGS = ("zh", "en")

UI: dict[str, dict[str, str]] = {
    "title": {"zh": "扫码点餐个人信息审计报告", "en": "Scan-to-order personal-information audit"},
    "run": {"zh": "批次", "en": "Run"},
    "district": {"zh": "区域", "en": "District"},
    "kind": {"zh": "类型", "en": "Kind"},
    "env": {"zh": "浏览器环境", "en": "Browser profile"},
    "status": {"zh": "状态", "en": "Status"},
    "started": {"zh": "开始时间", "en": "Started"},
    "ended": {"zh": "结束时间", "en": "Ended"},
    "utc": {"zh": "世界协调时", "en": "UTC"},
    "shanghai": {"zh": "北京时间", "en": "Shanghai time"},
    "tool_version": {"zh": "工具版本", "en": "Tool version"},
    "browser_version": {"zh": "浏览器版本", "en": "Browser version"},
    "user_agent": {"zh": "浏览器标识", "en": "User agent"},
    "manifest": {"zh": "证据清单哈希值", "en": "Evidence manifest (manifest.json) SHA-256"},
    "manifest_missing": {"zh": "尚无证据清单", "en": "no manifest yet"},
    "schedule": {"zh": "定期检查", "en": "Schedule"},
    "changes_since": {"zh": "与上一次相比的变化", "en": "changes since the previous run"},
    "first_of_schedule": {"zh": "该计划的第一次运行", "en": "first run of the schedule"},
    "summary": {"zh": "概况", "en": "Summary"},
    "merchants": {"zh": "商户", "en": "Merchants"},
    "audited": {"zh": "已审计商户", "en": "Merchants audited"},
    "findings": {"zh": "问题", "en": "Findings"},
    "n_findings": {"zh": "问题数", "en": "Findings"},
    "by_verdict": {"zh": "按结论", "en": "By verdict"},
    "by_rule": {"zh": "按规则（商户数）", "en": "By rule (merchants)"},
    "by_vendor": {"zh": "按点餐系统供应商", "en": "By ordering-system vendor"},
    "by_stage": {"zh": "按环节（问题数）", "en": "By stage (findings)"},
    "nothing": {"zh": "无数据", "en": "nothing to show"},
    "filter": {"zh": "筛选", "en": "Filter"},
    "filter_ph": {"zh": "名称、地址、网址、规则…", "en": "name, address, URL, rule…"},
    "all_verdicts": {"zh": "全部结论", "en": "All verdicts"},
    "all_rules": {"zh": "全部规则", "en": "All rules"},
    "shown": {"zh": "显示", "en": "Showing"},
    "of": {"zh": "/", "en": "of"},
    "name": {"zh": "名称", "en": "Name"},
    "merchant_id": {"zh": "商户编号", "en": "Merchant id"},
    "address": {"zh": "地址", "en": "Address"},
    "vendor": {"zh": "供应商", "en": "Vendor"},
    "verdict": {"zh": "结论", "en": "Verdict"},
    "rules": {"zh": "规则", "en": "Rules"},
    "order_reached": {"zh": "下单进度", "en": "Order reached"},
    "order_mode": {"zh": "就餐方式", "en": "Order mode"},
    "url": {"zh": "网址", "en": "URL"},
    "final_url": {"zh": "最终网址", "en": "Final URL"},
    "reason": {"zh": "原因", "en": "Reason"},
    "error": {"zh": "错误", "en": "Error"},
    "visit_id": {"zh": "访问编号", "en": "Visit id"},
    "audit_time": {"zh": "审计时间", "en": "Audited at"},
    "duration": {"zh": "耗时（秒）", "en": "Duration (s)"},
    "back": {"zh": "← 返回总览", "en": "← Back to overview"},
    "no_findings": {"zh": "未发现问题。", "en": "No findings."},
    "stage": {"zh": "环节", "en": "Stage"},
    "group": {"zh": "类别", "en": "Group"},
    "severity": {"zh": "严重程度", "en": "Severity"},
    "confidence": {"zh": "置信度", "en": "Confidence"},
    "explanation": {"zh": "说明", "en": "Explanation"},
    "legal_basis": {"zh": "法律依据", "en": "Legal basis"},
    "evidence": {"zh": "证据", "en": "Evidence"},
    "step": {"zh": "步骤", "en": "Step"},
    "selector": {"zh": "元素选择器", "en": "Element selector"},
    "element_text": {"zh": "元素文字", "en": "Element text"},
    "tried": {"zh": "已尝试的免信息方式", "en": "Tried without giving PI"},
    "tried_none": {"zh": "（无）", "en": "(none)"},
    "request": {"zh": "网络请求", "en": "Network request"},
    "oauth_url": {"zh": "授权网址", "en": "OAuth URL"},
    "oauth_scope": {"zh": "索取的授权", "en": "Scope asked for"},
    "leak_value": {"zh": "泄露的信息", "en": "Value sent"},
    "leak_encoding": {"zh": "发送形式", "en": "Sent as"},
    "leak_when": {"zh": "发送时间", "en": "When"},
    "leak_before": {"zh": "提交订单之前", "en": "before the order was submitted"},
    "leak_after": {"zh": "提交订单之后", "en": "after the order was submitted"},
    "leak_to": {"zh": "接收方", "en": "Sent to"},
    "leak_held": {"zh": "（该请求已被拦截，未真正发出）", "en": "(held: recorded, never sent)"},
    "canaries": {"zh": "本次审计使用的测试值", "en": "Canary values used in this audit"},
    "screenshot": {"zh": "截图", "en": "Screenshot"},
    "outlined": {"zh": "红框为相关页面元素", "en": "The red box marks the element concerned"},
    "outlined_frame": {"zh": "红框为相关页面元素（元素在内嵌框架中，已按框架在页面上的位置换算）",
                       "en": "The red box marks the element concerned (inside an embedded frame; placed by the "
                             "frame's position on the page)"},
    "box_request": {"zh": "证据是上面的网络请求，截图为请求发出时的页面，未作标注",
                    "en": "The evidence is the network request above; the screenshot shows the page when it was "
                          "sent, not outlined"},
    "box_absent": {"zh": "问题在于页面上缺少相关内容，截图为当时的页面，无元素可标注",
                   "en": "The finding is about something missing from the page; the screenshot shows the page, "
                         "with nothing to outline"},
    "box_page": {"zh": "整个页面即拦截层，未单独标注", "en": "The whole page is the gate; not outlined"},
    "box_frame_unknown": {"zh": "元素在内嵌框架中，其在页面上的位置无法确定，截图未标注",
                          "en": "The element is inside an embedded frame whose position could not be determined; "
                                "screenshot not outlined"},
    "no_box": {"zh": "未记录元素位置，截图未标注", "en": "no element box recorded; screenshot not outlined"},
    "no_screenshot": {"zh": "无截图", "en": "no screenshot"},
    "original": {"zh": "原始证据文件", "en": "original evidence file"},
    "sha256": {"zh": "哈希值", "en": "SHA-256"},
    "gates": {"zh": "拦截层（索取信息的弹窗/页面）", "en": "Gates (what stood in the way)"},
    "no_gates": {"zh": "未遇到拦截层。", "en": "No gate met."},
    "kind_col": {"zh": "形式", "en": "Kind"},
    "text_col": {"zh": "文字", "en": "Text"},
    "passed_by": {"zh": "如何通过", "en": "Passed by"},
    "appearances": {"zh": "出现次数", "en": "Appearances"},
    "tries": {"zh": "尝试", "en": "Tries"},
    "order_path": {"zh": "下单路径", "en": "Order path"},
    "no_steps": {"zh": "没有记录步骤。", "en": "No steps recorded."},
    "third_party": {"zh": "发往第三方的请求", "en": "Requests to third parties"},
    "no_third_party": {"zh": "没有发往第三方的请求。", "en": "No third-party requests."},
    "method": {"zh": "方法", "en": "Method"},
    "site": {"zh": "站点", "en": "Site"},
    "rule_legend": {"zh": "规则说明", "en": "Rules"},
    "generated": {"zh": "生成时间", "en": "Generated"},
    "other_lang": {"zh": "英文版", "en": "中文版"},
    "sort_hint": {"zh": "点击表头排序", "en": "click a column header to sort"},
    "view": {"zh": "查看", "en": "view"},
    "overview": {"zh": "总览", "en": "Overview"},
    "law_page": {"zh": "法律依据", "en": "Legal basis"},
    "glossary": {"zh": "术语解释", "en": "Glossary"},
    "diff_page": {"zh": "整改对比", "en": "Rectification"},
    "nav": {"zh": "页面导航", "en": "Pages"},
    "audit_mode": {"zh": "审计方式", "en": "Audit mode"},
    "not_observed": {"zh": "本次审计看不到的内容", "en": "Not observed in this audit"},
    "not_observed_intro": {"zh": "实时审计不代顾客提交订单或个人信息，因此下列内容无法观察：",
                           "en": "A live audit sends nothing on the diner's behalf, so it could not observe:"},
    "modes_summary": {"zh": "审计方式统计", "en": "Audit modes"},
    "sort_by": {"zh": "排序", "en": "Sort by"},
    "sort_default": {"zh": "默认顺序", "en": "Default order"},
    "kind_check": {"zh": "单店检查", "en": "One-off check"},
    "merchant_unnamed": {"zh": "（未具名商户）", "en": "(unnamed merchant)"},
    "seconds": {"zh": "秒", "en": "s"},
    "aborted_visits": {"zh": "中断后重新审计的访问（证据另行保存）",
                       "en": "Visits cut short and redone (evidence kept apart)"},
    "file": {"zh": "文件", "en": "File"},
    "step_tries": {"zh": "本步尝试", "en": "Tries at this step"},
    "gate_n": {"zh": "拦截层", "en": "Gate"},
    "law_intro": {"zh": "本报告引用的法律、法规、标准和规范性文件。条款要点为摘要，不是法条原文；"
                        "原文以国家法律法规数据库等官方发布为准。",
                  "en": "Laws, regulations, standards and guidance cited in this report. The notes summarise the "
                        "provisions; they are not the official text."},
    "law_cited_by": {"zh": "引用该依据的规则", "en": "Cited by the rules"},
    "glossary_intro": {"zh": "阅读本报告需要的几个术语。", "en": "Terms used in this report."},
    "diff_intro": {"zh": "与同一区域上一次巡查相比，每个商户每条规则的变化。",
                   "en": "What changed since the previous crawl of the same district, per merchant and rule."},
    "diff_runs": {"zh": "对比批次", "en": "Runs compared"},
    "diff_before": {"zh": "上一次", "en": "Before"},
    "diff_after": {"zh": "本次", "en": "After"},
    "diff_none": {"zh": "没有可对比的上一次巡查。", "en": "No earlier crawl of this district to compare with."},
    "diff_nothing": {"zh": "无", "en": "none"},
    "verdict_change": {"zh": "结论变化", "en": "Verdict change"},
    "merchants_both": {"zh": "两次都审计的商户", "en": "Merchants audited in both"},
    "diff_fixed": {"zh": "已整改", "en": "fixed"},
    "diff_new": {"zh": "新发现", "en": "new"},
    "diff_unclear": {"zh": "无法确认（复查未走完下单路径）", "en": "unclear (the re-check could not finish)"},
    "diff_unchanged": {"zh": "问题未变、结论有变", "en": "same findings, verdict changed"},
    "diff_appeared": {"zh": "本次新增的商户", "en": "merchants new in this run"},
    "diff_disappeared": {"zh": "本次未再审计的商户", "en": "merchants not audited again"},
    "diff_link": {"zh": "与上一次巡查的对比", "en": "Compared with the previous crawl"},
    "rule": {"zh": "规则", "en": "Rule"},
    "law_gist": {"zh": "要点", "en": "Gist"},
    "run_facts": {"zh": "批次信息", "en": "Run"},
    "evidence_json": {"zh": "证据位置", "en": "Evidence location"},
}

#: Terms a lay reader needs, in the order shown on the glossary page (``glossary.html``).
GLOSSARY: list[tuple[str, dict[str, str], dict[str, str]]] = [
    ("gate", {"zh": "拦截层", "en": "Gate"},
     {"zh": "点餐路上挡在顾客面前、索要个人信息或要求做某件事（关注公众号、注册会员、授权头像昵称、开启定位或摄像头）"
            "才能继续的弹窗、整页或表单。",
      "en": "Anything on the order path that stands in the diner's way and asks for personal information or for "
            "an act (follow an account, join, authorise a profile, allow location or the camera) before ordering "
            "can go on."}),
    ("forced", {"zh": "强制", "en": "Forced"},
     {"zh": "审计程序先尝试所有不提供信息就能继续的方式（关闭、跳过、暂不、按返回、点弹窗外、等待、换就餐方式），"
            "都不行时才算“强制”。",
      "en": "The auditor first tries every way on that gives nothing (close, skip, not now, back, a click outside, "
            "waiting, another order mode); only when all fail is the gate forced."}),
    ("canary", {"zh": "测试值（金丝雀值）", "en": "Canary value"},
     {"zh": "审计程序在不得不填写时输入的虚构信息，例如每次审计专用的手机号、“测试用户”。它们不属于任何真人；"
            "一旦在发往别处的网络请求中出现，就能证明页面把输入的信息发了出去。",
      "en": "Made-up values the auditor types when it has to (a phone number unique to each visit, 测试用户...). "
            "They belong to nobody; when one shows up in a request to another site, it proves that the page sent "
            "what was typed."}),
    ("third_party", {"zh": "第三方", "en": "Third party"},
     {"zh": "商户自己网站以外的其他网站或服务（例如广告、统计、会员营销平台）。把顾客输入的信息发给第三方，"
            "需要单独告知并取得单独同意。",
      "en": "Any site other than the merchant's own (advertising, analytics, marketing platforms). Sending what "
            "the diner typed to one needs its own notice and separate consent."}),
    ("live", {"zh": "实时审计", "en": "Live audit"},
     {"zh": "对真实商户的审计：最终提交、发送验证码、登录、注册、关注、授权等按钮只在拦截全部网络请求的情况下按下，"
            "请求被记录后丢弃，不会产生订单、短信或账号。因此服务器端的校验和下单之后的情况无法观察。",
      "en": "An audit of a real merchant: submit, send-code, login, register, follow and authorise are pressed only "
            "with the network held; the requests are recorded and dropped, so no order, SMS or account is made. "
            "What the server checks and what follows an order cannot be seen."}),
    ("privileged", {"zh": "沙盒审计", "en": "Sandbox (privileged) audit"},
     {"zh": "对声明为测试环境的网站的审计，审计程序可以真正提交订单（从不付款）。",
      "en": "An audit of a site declared a sandbox: the auditor may really submit the order (never pay)."}),
    ("verdict", {"zh": "结论", "en": "Verdict"},
     {"zh": "违规：至少发现一个问题；合规：走到付款前一步且没有发现问题；无法判定：因页面故障、打烊、售罄等与个人信息无关的"
            "原因走不到付款前一步；不支持：只能在小程序或手机应用中打开，不是网页。",
      "en": "Violation: at least one finding; compliant: the last step before payment was reached with no finding; "
            "inconclusive: that step could not be reached for a reason that is not a PI gate (broken, closed, sold "
            "out); unsupported: a mini-program or app, not a web page."}),
    ("hash", {"zh": "哈希值", "en": "Hash (SHA-256)"},
     {"zh": "文件内容按安全哈希算法算出的一串 64 位十六进制数字。文件改动一个字节，哈希值就完全不同；"
            "证据清单记录每个证据文件的哈希值，可用它核对证据是否被改动。",
      "en": "A 64-hex-digit fingerprint of a file's bytes (SHA-256). Changing one byte changes it completely; the "
            "evidence manifest records each evidence file's hash, so tampering can be detected."}),
    ("manifest", {"zh": "证据清单", "en": "Evidence manifest"},
     {"zh": "每个批次的文件清单，列出全部证据文件及其哈希值。请把证据清单本身的哈希值记在卷宗里，日后即可核对。",
      "en": "The list of a run's evidence files with their hashes. Record the manifest's own hash in the case file "
            "to check the evidence later."}),
    ("selector", {"zh": "元素选择器", "en": "Element selector"},
     {"zh": "在网页代码中定位某个元素的写法，供技术人员在保存的页面快照中找到该元素。",
      "en": "How an element is found in the page's code; lets a technician find it in the stored page snapshot."}),
    ("step", {"zh": "步骤", "en": "Step"},
     {"zh": "审计程序的每一次操作（打开、点击、填写、等待……）及其后的页面截图和页面快照。",
      "en": "One action of the auditor (open, click, type, wait...) with the screenshot and snapshot of the page "
            "after it."}),
]

#: The words of detectors.engine.NOT_OBSERVED codes (English there, both languages here).
NOT_OBSERVED_WORDS: dict[str, dict[str, str]] = {
    "server_validation": {"zh": "服务器对订单的校验（哪些信息是必填、是否拒单）",
                          "en": "the server's checks of the order (required fields, refusals)"},
    "post_order": {"zh": "提交订单之后的页面与行为", "en": "what follows a placed order"},
    "behind_held_act": {"zh": "在拦截网络请求的情况下按下的登录、注册、入会、关注或授权之后的内容",
                        "en": "what lies behind a login, registration, membership, follow or authorisation pressed "
                              "with the network held"},
}

LABELS: dict[str, dict[str, dict[str, str]]] = {
    "verdict": {
        "violation": {"zh": "违规", "en": "violation"},
        "compliant": {"zh": "合规", "en": "compliant"},
        "inconclusive": {"zh": "无法判定", "en": "inconclusive"},
        "unsupported": {"zh": "不支持", "en": "unsupported"},
    },
    "stage": {
        "entry": {"zh": "进入页面", "en": "entry"},
        "menu": {"zh": "点菜", "en": "menu"},
        "cart": {"zh": "购物车", "en": "cart"},
        "checkout": {"zh": "结算", "en": "checkout"},
        "post_order": {"zh": "下单后", "en": "after ordering"},
    },
    "reached": {
        "none": {"zh": "未打开", "en": "none"},
        "landing": {"zh": "落地页", "en": "landing page"},
        "menu": {"zh": "菜单", "en": "menu"},
        "item": {"zh": "选菜", "en": "item chosen"},
        "cart": {"zh": "购物车", "en": "cart"},
        "checkout": {"zh": "结算页（未付款）", "en": "checkout (not paid)"},
        "submitted": {"zh": "已提交订单", "en": "order submitted"},
    },
    "group": {
        "forced": {"zh": "强制要", "en": "forced"},
        "over_collection": {"zh": "过度采", "en": "over-collection"},
        "induced": {"zh": "诱导取", "en": "induced"},
        "unlawful_handling": {"zh": "违规用", "en": "unlawful handling"},
    },
    "severity": {
        "low": {"zh": "低", "en": "low"},
        "medium": {"zh": "中", "en": "medium"},
        "high": {"zh": "高", "en": "high"},
    },
    "mode": {
        "dine_in": {"zh": "堂食", "en": "dine-in"},
        "pickup": {"zh": "自取", "en": "pickup"},
        "delivery": {"zh": "外卖", "en": "delivery"},
    },
    "kind": {
        "crawl": {"zh": "整区巡查", "en": "crawl"},
        "check": {"zh": "单店检查", "en": "check"},
        "rescore": {"zh": "重新判定", "en": "rescore"},
    },
    "status": {
        "running": {"zh": "进行中", "en": "running"},
        "finished": {"zh": "已完成", "en": "finished"},
        "interrupted": {"zh": "已中断", "en": "interrupted"},
        "failed": {"zh": "失败", "en": "failed"},
    },
    "env": {
        "wechat": {"zh": "微信内置浏览器", "en": "WeChat in-app browser"},
        "alipay": {"zh": "支付宝内置浏览器", "en": "Alipay in-app browser"},
        "mobile": {"zh": "手机浏览器", "en": "mobile browser"},
    },
    "vendor": {
        "server-forms": {"zh": "服务端表单页面", "en": "server-rendered forms"},
        "spa-hash": {"zh": "单页应用（哈希路由）", "en": "single-page app (hash routes)"},
        "shadow-dom": {"zh": "网页组件（影子树）", "en": "web components (shadow DOM)"},
        "iframe-shell": {"zh": "内嵌框架页面", "en": "page around an embedded frame"},
        "lazy-json": {"zh": "异步加载菜单", "en": "menu loaded as data"},
        "": {"zh": "未识别", "en": "not recognised"},
    },
    "audit_mode": {
        "live": {"zh": "实时审计（未代顾客提交任何信息）", "en": "live (nothing sent on the diner's behalf)"},
        "privileged": {"zh": "沙盒审计（可提交订单，从不付款）", "en": "sandbox (orders may be submitted, never paid)"},
    },
    "action": {
        "open": {"zh": "打开页面", "en": "open"},
        "click": {"zh": "点击", "en": "click"},
        "tap": {"zh": "轻触", "en": "tap"},
        "type": {"zh": "填写", "en": "type"},
        "press": {"zh": "按键", "en": "press"},
        "wait": {"zh": "等待", "en": "wait"},
        "scroll": {"zh": "滚动页面", "en": "scroll"},
        "back": {"zh": "返回上一页", "en": "back"},
        "oauth": {"zh": "授权跳转", "en": "OAuth redirect"},
        "grant": {"zh": "授予权限", "en": "grant"},
        "deny": {"zh": "拒绝权限", "en": "deny"},
        "select": {"zh": "选择", "en": "select"},
        "check": {"zh": "勾选", "en": "tick"},
        "uncheck": {"zh": "取消勾选", "en": "untick"},
        "submit": {"zh": "提交", "en": "submit"},
        "stop": {"zh": "结束", "en": "stop"},
    },
    "state": {
        "landing": {"zh": "落地页", "en": "landing page"},
        "menu": {"zh": "菜单", "en": "menu"},
        "item_options": {"zh": "选规格", "en": "item options"},
        "cart": {"zh": "购物车", "en": "cart"},
        "checkout": {"zh": "结算页", "en": "checkout"},
        "gate": {"zh": "拦截层", "en": "gate"},
        "confirmation": {"zh": "下单确认", "en": "confirmation"},
        "dead_end": {"zh": "无法继续", "en": "dead end"},
        "unknown": {"zh": "未识别的页面", "en": "unrecognised page"},
        "closed": {"zh": "休息中", "en": "closed"},
        "error": {"zh": "页面出错", "en": "error page"},
    },
    "try": {
        "close icon": {"zh": "点关闭图标", "en": "close icon"},
        "close button": {"zh": "点关闭按钮", "en": "close button"},
        "skip link": {"zh": "点“跳过／暂不”", "en": "skip link"},
        "decline": {"zh": "点“拒绝／不同意”", "en": "decline"},
        "Escape": {"zh": "按退出键", "en": "Escape"},
        "click outside": {"zh": "点弹窗外部", "en": "click outside"},
        "back": {"zh": "返回上一页", "en": "back"},
        "other order mode": {"zh": "换一种就餐方式", "en": "other order mode"},
        "leave empty and go on": {"zh": "留空继续", "en": "leave empty and go on"},
        "wait": {"zh": "等待其自行消失", "en": "wait"},
        "oauth decline": {"zh": "拒绝授权", "en": "OAuth decline"},
    },
    "outcome": {
        "passed": {"zh": "通过", "en": "passed"},
        "still_blocked": {"zh": "仍被拦截", "en": "still blocked"},
        "gate_returned": {"zh": "关闭后又出现", "en": "came back"},
        "navigated_away": {"zh": "离开了页面", "en": "navigated away"},
        "error": {"zh": "出错", "en": "error"},
    },
    "gate_kind": {
        "overlay": {"zh": "弹窗", "en": "overlay"},
        "page": {"zh": "整页", "en": "page"},
        "form": {"zh": "表单", "en": "form"},
        "oauth": {"zh": "授权跳转", "en": "OAuth redirect"},
        "permission": {"zh": "权限请求", "en": "permission prompt"},
        "dialog": {"zh": "对话框", "en": "dialog"},
    },
    "method": {
        "GET": {"zh": "读取请求", "en": "GET"},
        "POST": {"zh": "提交请求", "en": "POST"},
        "PUT": {"zh": "写入请求", "en": "PUT"},
        "PATCH": {"zh": "修改请求", "en": "PATCH"},
        "DELETE": {"zh": "删除请求", "en": "DELETE"},
        "HEAD": {"zh": "探测请求", "en": "HEAD"},
        "OPTIONS": {"zh": "预检请求", "en": "OPTIONS"},
        "WS": {"zh": "长连接消息", "en": "WS"},  # a websocket frame the page sent
        "": {"zh": "请求", "en": "request"},
    },
    "provider": {
        "wechat": {"zh": "微信", "en": "WeChat"},
        "alipay": {"zh": "支付宝", "en": "Alipay"},
    },
    "passed_by": {
        "try": {"zh": "免信息方式通过", "en": "passed without PI"},
        "canary": {"zh": "填写测试信息后通过", "en": "passed with canary values"},
        "granted": {"zh": "授权后通过", "en": "passed after granting"},
        "self": {"zh": "自行消失", "en": "went away by itself"},
        "not_passed": {"zh": "未能通过", "en": "not passed"},
    },
}

#: Rule titles when the detector registry cannot be loaded (findings.md rules).
RULE_TITLES: dict[str, dict[str, str]] = {
    "forced_phone": {"zh": "强制索要手机号", "en": "Phone number forced"},
    "forced_follow": {"zh": "强制关注公众号", "en": "Account follow forced"},
    "forced_membership": {"zh": "强制注册会员", "en": "Membership forced"},
    "forced_profile_auth": {"zh": "强制授权头像昵称等资料", "en": "Profile authorisation forced"},
    "forced_biometric": {"zh": "强制人脸识别/摄像头", "en": "Face scan or camera forced"},
    "forced_location": {"zh": "强制获取位置", "en": "Location forced"},
    "excessive_fields": {"zh": "过度索要个人信息字段", "en": "Unneeded personal fields required"},
    "induced_consent": {"zh": "诱导同意（默认勾选、捆绑、反复弹窗）", "en": "Induced consent (pre-ticked, bundled, nagging)"},
    "no_privacy_notice": {"zh": "索要信息时无隐私政策", "en": "No privacy notice where PI is asked"},
    "third_party_leak": {"zh": "个人信息发送给第三方", "en": "PI sent to a third party"},
}

VERDICT_COLORS = {
    "violation": "#c62828",
    "compliant": "#2e7d32",
    "inconclusive": "#f9a825",
    "unsupported": "#757575",
}


def text(key: str, lang: str) -> str:
    """A UI string in ``lang`` (``zh``/``en``); the key itself when unknown."""
    entry = UI.get(key)
    if not entry:
        return key
    return entry.get(lang) or entry.get("en") or key


@lru_cache(maxsize=1)
def rule_titles() -> dict[str, dict[str, str]]:
    """Rule id -> {"zh", "en"} titles: the registry's where loaded, else :data:`RULE_TITLES`."""
    titles = {k: dict(v) for k, v in RULE_TITLES.items()}
    try:

        for rid, info in load_rules().items():
            t = titles.setdefault(rid, {})
            if info.title:
                t["en"] = info.title
            if info.title_zh:
                t["zh"] = info.title_zh
    except Exception:  # the rules package may be missing or broken; titles are only cosmetic
        pass
    return titles


def label(kind: str, value: object, lang: str) -> str:
    """Display name of ``value`` of a kind (verdict, stage, reached, group, severity, mode,
    passed_by, rule); the value itself when unknown; "" for None."""
    if value is None or value == "":
        return ""
    value = str(value)
    if kind == "rule":
        return rule_titles().get(value, {}).get(lang) or value
    return LABELS.get(kind, {}).get(value, {}).get(lang) or value
