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
    "utc": {"zh": "UTC", "en": "UTC"},
    "shanghai": {"zh": "北京时间", "en": "Shanghai time"},
    "tool_version": {"zh": "工具版本", "en": "Tool version"},
    "browser_version": {"zh": "浏览器版本", "en": "Browser version"},
    "user_agent": {"zh": "User-Agent", "en": "User agent"},
    "manifest": {"zh": "证据清单 (manifest.json) SHA-256", "en": "Evidence manifest (manifest.json) SHA-256"},
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
    "request": {"zh": "网络请求", "en": "Network request"},
    "oauth_url": {"zh": "授权网址", "en": "OAuth URL"},
    "screenshot": {"zh": "截图", "en": "Screenshot"},
    "outlined": {"zh": "红框为相关页面元素", "en": "The red box marks the element concerned"},
    "no_box": {"zh": "未记录元素位置，截图未标注", "en": "no element box recorded; screenshot not outlined"},
    "no_screenshot": {"zh": "无截图", "en": "no screenshot"},
    "original": {"zh": "原始证据文件", "en": "original evidence file"},
    "sha256": {"zh": "SHA-256", "en": "SHA-256"},
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
    "other_lang": {"zh": "English version", "en": "中文版"},
    "sort_hint": {"zh": "点击表头排序", "en": "click a column header to sort"},
    "view": {"zh": "查看", "en": "view"},
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
