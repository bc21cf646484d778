"""Legal citations for people: the full title and the article, in Chinese or English.

The rules cite their legal basis in short English (``"PIPL art. 16"``,
``"Necessary-PI Scope art. 4"``, ``"App Identification Method items 5.1-5.2"``):
that stays in the data.  :func:`cite` turns one such citation into a
:class:`Citation`: the instrument's full title (《中华人民共和国个人信息保护法》),
the article in the reader's language (第十六条 / art. 16), an anchor on the report's
``law.html`` page and a short note on what the provision requires (a summary of
``docs/legal-basis.md``, not the official text).

The instruments are a fixed table (:data:`INSTRUMENTS`), matched on the citation's
leading name; a citation of an instrument the table does not know is returned with
``known=False`` (a test checks that every rule's citations are known).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_CN_DIGITS = "零一二三四五六七八九"


def cn_number(n: int) -> str:
    """1 -> 一, 16 -> 十六, 23 -> 二十三, 105 -> 一百零五 (article numbers)."""
    if n < 0:
        return str(n)
    if n < 10:
        return _CN_DIGITS[n]
    if n < 20:
        return "十" + (_CN_DIGITS[n % 10] if n % 10 else "")
    if n < 100:
        return _CN_DIGITS[n // 10] + "十" + (_CN_DIGITS[n % 10] if n % 10 else "")
    if n < 1000:
        rest = n % 100
        tail = "" if rest == 0 else ("零" + _CN_DIGITS[rest] if rest < 10 else cn_number(rest) if rest >= 20
                                     else "一" + cn_number(rest))
        return _CN_DIGITS[n // 100] + "百" + tail
    return str(n)


@dataclass(frozen=True)
class Instrument:
    """A law, regulation, standard, guideline or case.  ``names``: how citations start
    (longest first wins); ``sub``: what "(k)" after an article number is (``款`` paragraph
    or ``项`` item); ``unit``: ``article`` (第N条), ``item`` (第N项) or ``clause`` (第N条, a
    standard's clause number kept in digits); ``notes``: article -> {"zh", "en"}."""

    key: str
    names: tuple[str, ...]
    zh: str
    en: str
    issued: dict[str, str] = field(default_factory=dict)
    sub: str = "项"
    unit: str = "article"
    notes: dict[str, dict[str, str]] = field(default_factory=dict)
    official_title: bool = True  # zh is the published title (shown in 《》)
    designation: str = ""  # a standard's number, shown after its title


INSTRUMENTS: tuple[Instrument, ...] = (
    Instrument(
        "pipl", ("PIPL",), "中华人民共和国个人信息保护法", "Personal Information Protection Law of the PRC (PIPL)",
        {"zh": "全国人大常委会，2021年11月1日起施行", "en": "NPC Standing Committee, in force 1 Nov 2021"},
        notes={
            "5": {"zh": "处理个人信息应当遵循合法、正当、必要和诚信原则，不得通过误导、欺诈、胁迫等方式处理。",
                  "en": "Lawful, proper, necessary, in good faith; no misleading, fraud or coercion."},
            "6": {"zh": "处理个人信息应当具有明确、合理的目的，与处理目的直接相关，采取对个人权益影响最小的方式；"
                        "收集限于实现目的的最小范围，不得过度收集。",
                  "en": "A purpose directly related to the processing; least-intrusive means; collection limited "
                        "to the minimum, no excessive collection."},
            "7": {"zh": "公开个人信息处理规则，明示处理的目的、方式和范围。",
                  "en": "The processing rules are made public."},
            "13": {"zh": "处理个人信息的合法性基础，包括取得个人同意、为订立或履行合同所必需等。",
                   "en": "Lawful bases, incl. consent and necessity for a contract (e.g. an address for delivery)."},
            "14": {"zh": "基于同意处理个人信息的，同意应当由个人在充分知情的前提下自愿、明确作出。",
                   "en": "Consent must be informed, voluntary and explicit."},
            "16": {"zh": "不得以个人不同意处理其个人信息或者撤回同意为由，拒绝提供产品或者服务；"
                         "处理个人信息属于提供产品或者服务所必需的除外。",
                   "en": "No refusing the product or service because consent is refused or withdrawn, unless the "
                         "PI is necessary for it."},
            "17": {"zh": "处理个人信息前，应当以显著方式、清晰易懂的语言告知处理者身份、处理目的、方式、种类、保存期限和个人的权利。",
                   "en": "Conspicuous prior notice: identity, purpose, method, categories, retention, rights."},
            "23": {"zh": "向其他个人信息处理者提供个人信息的，应当告知接收方情况并取得个人的单独同意。",
                   "en": "Providing PI to another handler needs notice of the recipient and separate consent."},
            "26": {"zh": "在公共场所安装图像采集、个人身份识别设备，应当为维护公共安全所必需。",
                   "en": "Image and identity capture in public places only for public security."},
            "28": {"zh": "生物识别、行踪轨迹等属于敏感个人信息；只有在具有特定目的和充分必要性并采取严格保护措施时方可处理。",
                   "en": "Sensitive PI (biometrics, location tracks...): only for a specific purpose and with "
                         "sufficient necessity."},
            "29": {"zh": "处理敏感个人信息应当取得个人的单独同意。", "en": "Sensitive PI needs separate consent."},
            "30": {"zh": "处理敏感个人信息还应当告知其必要性以及对个人权益的影响。",
                   "en": "Sensitive PI needs extra notice of its necessity and effect."},
        }),
    Instrument(
        "crpl_reg", ("CRPL Impl. Reg.", "CRPL Implementing Regulations"), "中华人民共和国消费者权益保护法实施条例",
        "Regulations for the Implementation of the Consumer Rights Protection Law",
        {"zh": "国务院，2024年7月1日起施行", "en": "State Council, in force 1 Jul 2024"},
        notes={"23": {"zh": "经营者不得过度收集消费者个人信息，不得采用一次概括授权、默认授权等方式，强制或者变相强制消费者"
                            "同意收集、使用与经营活动无直接关系的个人信息。",
                      "en": "No excessive collection; no one-time blanket or default authorisation forcing consent to "
                            "PI not directly related to the business."}}),
    Instrument(
        "crpl", ("CRPL",), "中华人民共和国消费者权益保护法", "Law of the PRC on the Protection of Consumer Rights and Interests",
        {"zh": "2013年修正", "en": "as amended in 2013"}, sub="款",
        notes={
            "9": {"zh": "消费者享有自主选择商品或者服务的权利。", "en": "Free choice of goods and services."},
            "10": {"zh": "消费者享有公平交易的权利。", "en": "Fair trade."},
            "16": {"zh": "经营者不得设定不公平、不合理的交易条件，不得强制交易。",
                   "en": "No unfair trading conditions, no forced deals."},
            "26": {"zh": "经营者不得以格式条款、通知、声明、店堂告示等方式作出对消费者不公平、不合理的规定，"
                         "不得利用格式条款并借助技术手段强制交易。",
                   "en": "No unfair standard terms; no technical means used to force a deal."},
            "29": {"zh": "收集、使用消费者个人信息，应当遵循合法、正当、必要的原则，明示目的、方式和范围，并经消费者同意；"
                         "对收集的个人信息必须严格保密，不得泄露、出售或者非法向他人提供。",
                   "en": "Lawful, proper, necessary, stated purpose, consent; confidentiality and no provision "
                         "to others; no commercial messages without consent."},
        }),
    Instrument(
        "necessary_pi", ("Necessary-PI Scope",), "常见类型移动互联网应用程序必要个人信息范围规定",
        "Provisions on the Scope of Necessary Personal Information for Common Types of Mobile Internet Applications",
        {"zh": "国信办秘字〔2021〕14号，2021年5月1日起施行，适用于小程序", "en": "CAC and others, in force 1 May 2021; covers mini-programs"},
        notes={"4": {"zh": "不得因用户不同意提供非必要个人信息而拒绝用户使用其基本功能服务。",
                     "en": "The basic function must not be refused because non-necessary PI is refused."},
               "5": {"zh": "列举39类常见应用的必要个人信息范围；其中“餐饮外卖”类为注册用户手机号、收货人姓名、地址、电话"
                           "及支付信息，堂食点餐不涉及收货信息。",
                     "en": "Lists the necessary PI of 39 types of app; food delivery: the user's phone, the "
                           "recipient's name, address and phone, payment data (none of the recipient data for "
                           "dine-in)."}}),
    Instrument(
        "app_method", ("App Identification Method",), "App违法违规收集使用个人信息行为认定方法",
        "Method for Identifying Illegal Collection and Use of Personal Information by Apps",
        {"zh": "国信办秘字〔2019〕191号", "en": "CAC and others, 2019"}, unit="item",
        notes={"1.1": {"zh": "没有隐私政策或者隐私政策中没有收集使用个人信息规则。", "en": "No privacy policy."},
               "1.2": {"zh": "首次运行时未通过弹窗等明显方式提示用户阅读隐私政策。",
                       "en": "No prompt to read the policy at first use."},
               "3.2": {"zh": "用户明确表示不同意后，仍收集个人信息，或频繁征求用户同意、干扰用户正常使用。",
                       "en": "Collection after refusal, or frequent re-asking that disrupts use."},
               "3.4": {"zh": "以默认选择同意隐私政策等非明示方式征求用户同意。", "en": "Default-ticked consent."},
               "4.1": {"zh": "收集的个人信息类型或打开的权限与现有业务功能无关。", "en": "PI unrelated to the function."},
               "4.2": {"zh": "因用户不同意收集非必要个人信息，而拒绝提供业务功能。",
                       "en": "Function refused because non-necessary PI was refused."},
               "5.1": {"zh": "既未经用户同意，也未做匿名化处理，直接向第三方提供个人信息（包括通过客户端嵌入的第三方代码）。",
                       "en": "PI sent to third parties without consent, incl. from embedded third-party code."},
               "5.2": {"zh": "未经同意在数据传输至后台服务器后向第三方提供个人信息。",
                       "en": "PI provided to third parties from the back end without consent."}}),
    Instrument(
        "ecommerce", ("E-Commerce Law",), "中华人民共和国电子商务法", "E-Commerce Law of the PRC",
        {"zh": "2019年1月1日起施行", "en": "in force 1 Jan 2019"},
        notes={"19": {"zh": "搭售商品或者服务应当以显著方式提请消费者注意，不得将搭售商品或者服务作为默认同意的选项。",
                      "en": "A tie-in must be conspicuous and must not be a default-selected option."}}),
    Instrument(
        "ndsr", ("Network Data Security Regulations",), "网络数据安全管理条例", "Network Data Security Management Regulations",
        {"zh": "国务院，2025年1月1日起施行", "en": "State Council, in force 1 Jan 2025"},
        notes={"22": {"zh": "基于个人同意处理个人信息的，不得通过误导、欺诈、胁迫等方式取得同意；个人明确表示不同意的，"
                            "不得频繁征求同意。",
                      "en": "No misleading or coerced consent; no frequent re-asking after a refusal."}}),
    Instrument(
        "face_measures", ("Face Recognition Technology Application Security Measures",), "人脸识别技术应用安全管理办法",
        "Face Recognition Technology Application Security Measures",
        {"zh": "国家网信办、公安部，2025年6月1日起施行（条号待核实）",
         "en": "CAC and Ministry of Public Security, in force 1 Jun 2025 (article to verify)"},
        notes={"": {"zh": "实现相同目的或者达到同等业务要求，存在其他非人脸识别技术方式的，不得将人脸识别技术作为唯一验证方式"
                          "（据报道为第十条，待核实）。",
                    "en": "Where a non-face method serves the same purpose, face recognition must not be the only "
                          "way (art. 10 as reported, to verify)."}}),
    Instrument(
        "special_action_2025", ("2025 personal-information special action",), "2025年个人信息保护系列专项行动",
        "2025 personal-information special action (CAC, MIIT, MPS, SAMR)",
        {"zh": "中央网信办、工业和信息化部、公安部、市场监管总局，2025年3月公布（措辞待核实）",
         "en": "CAC, MIIT, MPS and SAMR, announced March 2025 (wording to verify)"}, official_title=False,
        notes={"": {"zh": "据报道，专项行动点名扫码点餐等线下场景，整治强制入会、强制索要非必要手机号等问题。",
                    "en": "As reported: names offline scenes incl. scan-to-order; forced membership and forced "
                          "non-essential phone numbers."}}),
    Instrument(
        "gbt35273", ("GB/T 35273-2020", "GB/T 35273"), "信息安全技术 个人信息安全规范",
        "Information security technology — Personal information security specification (GB/T 35273-2020)",
        {"zh": "国家标准，2020年10月1日起实施", "en": "national standard, in effect 1 Oct 2020"}, unit="clause",
        designation="GB/T 35273—2020",
        notes={"5.3": {"zh": "多项业务功能的自主选择：不得捆绑一次性同意，不得频繁征求同意，拒绝一项功能不影响其他功能。",
                       "en": "Choice among functions: no bundled one-time consent, no frequent re-asking, refusing "
                             "one function does not degrade the others."}}),
    Instrument(
        "sh_cpr", ("Shanghai Consumer Protection Regulations",), "上海市消费者权益保护条例",
        "Shanghai Municipal Regulations on the Protection of Consumer Rights and Interests",
        {"zh": "上海市人大常委会", "en": "Shanghai People's Congress"},
        notes={"31": {"zh": "经营者不得收集与其销售商品或者提供服务无关的消费者个人信息。",
                      "en": "No PI unrelated to the purchase."}}),
    Instrument(
        "sh_checklist", ("Shanghai self-check list",), "餐饮行业扫码点餐常见个人信息保护问题自查清单",
        "Catering scan-to-order personal-information self-check list",
        {"zh": "上海市网信办，2023年7月", "en": "Shanghai CAC, July 2023"}, unit="item",
        notes={"1": {"zh": "首次使用时未以弹窗等显著方式告知隐私政策。", "en": "No conspicuous privacy notice at first use."},
               "3": {"zh": "排队、点餐、加菜、结账时要求或诱导提供与服务无关的姓名、生日、性别、手机号、地址、身份证号等信息，"
                           "且未标明可不填。",
                     "en": "Unrelated PI (name, birthday, gender, phone, address, ID) required or induced, not "
                           "marked optional."},
               "4": {"zh": "点餐后弹出“微信一键登录”（昵称头像）或“手机号一键登录”。",
                     "en": "WeChat or phone one-tap login pop-ups after ordering."}}),
    Instrument(
        "sh_guideline", ("Shanghai Consumer Council online-ordering PI guideline",),
        "上海市网络点餐服务消费者个人信息保护合规指引",
        "Shanghai online-ordering consumer PI compliance guideline",
        {"zh": "上海市消费者权益保护委员会，2023年7月", "en": "Shanghai Consumer Council, July 2023"},
        notes={"": {"zh": "首次使用弹窗告知并取得明示同意；按堂食、自提、外卖场景收集相应信息；不得强制或诱导关注公众号。",
                    "en": "First-use notice with explicit consent; PI scaled to dine-in, pickup or delivery; no "
                          "forced or induced follow."}}),
    Instrument(
        "bj_guide", ("Beijing CAC scan-to-order guide",), "北京市网信办扫码点餐个人信息保护合规指引",
        "Beijing CAC scan-to-order compliance guide",
        {"zh": "北京市网信办，2023年8月", "en": "Beijing CAC, August 2023"}, official_title=False,
        notes={"": {"zh": "列出强制或诱导关注、无显著隐私政策、频繁弹出注册登录、强制索要无关信息、向第三方共享、无法删除等六类问题；"
                          "点餐码应与会员码分开。",
                    "en": "Six problems (forced follow, no notice, nagging logins, unrelated PI, sharing, no "
                          "deletion); the ordering code separate from the membership code."}}),
    Instrument(
        "sh_case_btyao", ("Shanghai CAC 半天妖 case",), "上海市网信办约谈“半天妖烤鱼”案",
        "Shanghai CAC summons of 半天妖烤鱼", {"zh": "2024年2月", "en": "February 2024"}, official_title=False,
        notes={"": {"zh": "网信部门指出：非会员到店点餐无需提供任何个人信息。",
                    "en": "The CAC stated that a non-member ordering in the shop need give no PI at all."}}),
    Instrument(
        "wechat_oauth", ("WeChat web authorisation rules",), "微信公众平台网页授权规则",
        "WeChat Official Accounts web authorisation rules",
        {"zh": "含2022年7月起的快照页模式", "en": "incl. the snapshot mode of July 2022"}, official_title=False,
        notes={"": {"zh": "静默授权只取得用户标识；索取头像昵称须经用户确认，滥用时微信改为只读的快照页。",
                    "en": "Silent authorisation yields only an identifier; profile authorisation needs the user's "
                          "consent, and misuse gets a browse-only snapshot page."}}),
    Instrument(
        "spc_face", ("SPC face-recognition interpretation",),
        "最高人民法院关于审理使用人脸识别技术处理个人信息相关民事案件适用法律若干问题的规定",
        "SPC provisions on civil cases about face recognition", {"zh": "法释〔2021〕15号", "en": "Fa Shi [2021] No. 15"},
        notes={"2": {"zh": "未取得单独同意处理人脸信息，属于侵害自然人人格权益的行为。",
                     "en": "Processing face data without separate consent infringes personal rights."},
               "4": {"zh": "以人脸识别作为提供服务的前提（必需的除外）、捆绑授权或变相强迫取得的同意，不能作为免责理由。",
                     "en": "Consent is no defence where face processing was a condition of service, bundled or coerced."}}),
)

_BY_NAME = sorted(((name, ins) for ins in INSTRUMENTS for name in ins.names), key=lambda t: -len(t[0]))
_PART = re.compile(r"(\d+(?:\.\d+)?)(?:\s*\((\d+)\))?(?:\s*¶\s*(\d+))?")


@dataclass(frozen=True)
class Article:
    """One cited provision: ``number`` ("16", "5.1", "" for the instrument as a whole),
    ``sub`` (paragraph/item inside it, "" when none), ``to`` (end of a range, "")."""

    number: str
    sub: str = ""
    to: str = ""


@dataclass(frozen=True)
class Citation:
    """A citation made readable.  ``raw``: as the rule wrote it; ``instrument``: the matched
    :class:`Instrument` (None when unknown); ``articles``: what is cited; ``known``."""

    raw: str
    instrument: Instrument | None
    articles: tuple[Article, ...]

    @property
    def known(self) -> bool:
        return self.instrument is not None

    @property
    def anchor(self) -> str:
        """The fragment of ``law.html`` where the instrument (and its first article) is described."""
        if self.instrument is None:
            return ""
        first = self.articles[0].number if self.articles and self.articles[0].number else ""
        return f"{self.instrument.key}-{first.replace('.', '_')}" if first else self.instrument.key

    def title(self, lang: str) -> str:
        """The instrument's full title: 《...》 for a published Chinese title, plain otherwise."""
        if self.instrument is None:
            return self.raw
        if lang != "zh":
            return self.instrument.en
        return _zh_title(self.instrument)

    def where(self, lang: str) -> str:
        """The articles, e.g. 第十六条, 第二十二条第（五）项, 第5.1项至第5.2项; art. 16 in English."""
        if self.instrument is None or not self.articles or not self.articles[0].number:
            return ""
        if lang != "zh":
            return ", ".join(_en_article(a, self.instrument) for a in self.articles)
        return "、".join(_zh_article(a, self.instrument) for a in self.articles)

    def text(self, lang: str) -> str:
        """Title and articles in one line."""
        where = self.where(lang)
        if lang == "zh":
            return self.title(lang) + where
        return f"{self.title(lang)}, {where}" if where else self.title(lang)

    def notes(self, lang: str) -> list[tuple[str, str]]:
        """``[(article in words, note)]`` for the articles cited that have a note."""
        if self.instrument is None:
            return []
        out = []
        for a in self.articles or (Article(""),):
            note = self.instrument.notes.get(a.number) or (self.instrument.notes.get(a.number.split(".")[0])
                                                            if self.instrument.unit == "article" else None)
            if note:
                out.append((_zh_article(a, self.instrument) if lang == "zh" else _en_article(a, self.instrument),
                            note[lang if lang in note else "en"]))
        return out


def _zh_unit(num: str, ins: Instrument) -> str:
    if ins.unit == "article" and num.isdigit():
        return f"第{cn_number(int(num))}条"
    if ins.unit == "clause":
        return f"第{num}条"
    return f"第{num}项"


def _zh_article(a: Article, ins: Instrument) -> str:
    if not a.number:
        return ""
    s = _zh_unit(a.number, ins)
    if a.sub:
        s += f"第{cn_number(int(a.sub))}款" if ins.sub == "款" else f"第（{cn_number(int(a.sub))}）项"
    if a.to:
        s += "至" + _zh_unit(a.to, ins)
    return s


def _en_article(a: Article, ins: Instrument) -> str:
    if not a.number:
        return ""
    word = {"article": "art.", "item": "item", "clause": "clause"}[ins.unit]
    s = f"{word} {a.number}" + (f"({a.sub})" if a.sub else "")
    return s + (f"-{a.to}" if a.to else "")


def _articles(rest: str) -> tuple[Article, ...]:
    """Parse "art. 16", "arts. 28-30", "art. 29 ¶2", "items 3.2, 3.4", "arts. 2(3), 4", "5.3"."""
    rest = re.sub(r"\([^)]*[^\d)][^)]*\)", "", rest).strip()  # drop words in brackets: (法释…), (snsapi_userinfo…)
    rest = re.sub(r"^(arts?\.|items?|clauses?)\s*", "", rest, flags=re.I)
    out = []
    for part in re.split(r"\s*,\s*", rest):
        rng = re.fullmatch(r"(\d+(?:\.\d+)?)\s*[-–]\s*(\d+(?:\.\d+)?)", part.strip())
        if rng:
            out.append(Article(rng[1], "", rng[2]))
            continue
        m = _PART.fullmatch(part.strip())
        if m:
            out.append(Article(m[1], m[2] or m[3] or ""))
    return tuple(out)


def cite(raw: str) -> Citation:
    """Read one citation string of a rule's ``legal_basis``."""
    text = str(raw).strip()
    for name, ins in _BY_NAME:
        if text == name or text.startswith(name + " ") or text.startswith(name + "("):
            return Citation(text, ins, _articles(text[len(name):]))
    return Citation(text, None, ())


def _zh_title(ins: Instrument) -> str:
    title = f"《{ins.zh}》" if ins.official_title else ins.zh
    return title + (f"（{ins.designation}）" if ins.designation else "")


def official_titles() -> set[str]:
    """Every title :meth:`Citation.title` may show in Chinese (for the report's tests)."""
    return {_zh_title(i) for i in INSTRUMENTS}
