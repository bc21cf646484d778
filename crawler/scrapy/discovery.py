"""Turning a district's sources into merchant records (pure functions, no Scrapy).

The district spider (:mod:`crawler.scrapy.spider`) fetches pages and hands
their bodies to these parsers; :func:`discover` runs the same parsers with a
plain ``urllib`` fetcher for quick, browser-free discovery (``find_merchant``).

Everything here is generic: a directory page's merchant links are found by how
their URL looks (ordering words, table parameters) or by sitting in a repeated
listing structure; names and addresses come from schema.org JSON-LD/microdata,
the link text, the item's heading and address-looking text; the next page by
``rel=next``, "next"/"下一页" words or a page-number parameter.

A merchant record is a dict with the ``merchants`` table's columns:
``merchant_id, name, address, district, vendor_guess, url`` (canonical),
``table_param``, ``sources`` (``[{"source": label, "url": raw}]``) plus
``audit_url`` (the raw URL to open: a real table QR target, table kept).
"""

from __future__ import annotations

import csv
import json
import re
import urllib.error
import urllib.request
import urllib.robotparser
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urljoin, urlsplit

from bs4 import BeautifulSoup, Tag
from w3lib.encoding import html_to_unicode

from core.errors import QrauditError
from core.sites import site_of_host
from crawler.district import District, canonical_url, split_table_param

#: Words in a URL that suggest a scan-to-order page (path or query keys).
ORDER_URL_RE = re.compile(
    r"(order|menu|diancan|dian-?can|scan|qr|table|desk|seat|shop|store|restaurant|canteen|takeout|"
    r"waimai|点餐|扫码|餐厅|门店)",
    re.I,
)
#: Query keys that identify a merchant/shop on multi-tenant SaaS ordering hosts.
SHOP_KEYS_RE = re.compile(r"^(shop|store|merchant|mch|mid|sid|tenant|biz|brand|restaurant)(_?id|no|code)?$", re.I)
PAGE_KEYS = ("page", "p", "pg", "pn", "pageno", "page_no", "pagenum", "offset", "start")
NEXT_WORDS_RE = re.compile(r"^\s*(下一页|下页|后一页|next( page)?|next\s*[›»>]|[›»>]|→)\s*$", re.I)
GENERIC_LINK_TEXT_RE = re.compile(
    r"^\s*(点餐|去点餐|扫码点餐|立即点餐|进入|进店|查看|详情|order( now)?|view|open|menu|more|go|→|›|»)?\s*$", re.I
)
ADDRESS_RE = re.compile(
    r"(\d+\s*号|[路街道巷弄里]\s*\d|[省市区县镇]\S{0,12}[路街道巷弄]|\b(road|rd\.?|street|st\.|avenue|ave\.?|lane|"
    r"blvd|plaza)\b)",
    re.I,
)
ADDRESS_LABEL_RE = re.compile(r"^\s*(地址|address|addr)\s*[:：]\s*", re.I)
SKIP_SCHEMES = ("mailto:", "tel:", "javascript:", "sms:", "data:")
RESTAURANT_TYPES = {
    "restaurant", "foodestablishment", "cafeorcoffeeshop", "fastfoodrestaurant", "bakery", "barorpub",
    "localbusiness", "store", "icecreamshop", "winery", "brewery",
}


# ---------------------------------------------------------------------------
# records


def make_record(
    district: District,
    url: str,
    source: str,
    *,
    name: str | None = None,
    address: str | None = None,
    found_on: str | None = None,
) -> dict[str, Any]:
    """A merchant record for ``url`` found by ``source`` (see the module docstring)."""
    src: dict[str, Any] = {"source": source, "url": url}
    if found_on:
        src["found_on"] = found_on
    return {
        "merchant_id": district.merchant_id(url),
        "name": _clean(name) or None,
        "address": _clean(address) or None,
        "district": district.name,
        "vendor_guess": guess_vendor(url, None),
        "url": canonical_url(url),
        "table_param": split_table_param(url),
        "sources": [src],
        "audit_url": url.strip(),
    }


def merge_records(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """Merge two records of the same merchant: union of sources, first non-empty field wins.

    A record that came with a table parameter is preferred as ``audit_url``
    (a diner scans a table code).  Returns a new dict; inputs are not changed.
    """
    if old["merchant_id"] != new["merchant_id"]:
        raise ValueError("merge_records: different merchants")
    out = dict(old)
    seen = {(s.get("source"), s.get("url")) for s in old.get("sources") or []}
    out["sources"] = list(old.get("sources") or []) + [
        s for s in new.get("sources") or [] if (s.get("source"), s.get("url")) not in seen
    ]
    for key in ("name", "address", "vendor_guess"):
        if not out.get(key) and new.get(key):
            out[key] = new[key]
    if not out.get("table_param") and new.get("table_param"):
        out["table_param"] = new["table_param"]
        out["audit_url"] = new.get("audit_url") or out.get("audit_url")
    return out


def _clean(text: str | None) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


# ---------------------------------------------------------------------------
# directory pages


def looks_like_order_url(url: str) -> bool:
    """Whether a URL looks like a scan-to-order page (ordering words, table or shop parameters)."""
    parts = urlsplit(url)
    keys = [k for k, _ in parse_qsl(parts.query, keep_blank_values=True)]
    frag = parts.fragment.partition("?")
    keys += [k for k, _ in parse_qsl(frag[2], keep_blank_values=True)]
    if split_table_param(url) or any(SHOP_KEYS_RE.match(k) for k in keys):
        return True
    return bool(ORDER_URL_RE.search(parts.path + " " + frag[0] + " " + " ".join(keys)))


def _page_number_link(url: str, page_url: str) -> bool:
    a, b = urlsplit(url), urlsplit(page_url)
    if (a.scheme, a.netloc) != (b.scheme, b.netloc):
        return False
    qa = dict(parse_qsl(a.query))
    if any(k.lower() in PAGE_KEYS and v.isdigit() for k, v in qa.items()):
        others_a = {k: v for k, v in qa.items() if k.lower() not in PAGE_KEYS}
        others_b = {k: v for k, v in parse_qsl(b.query) if k.lower() not in PAGE_KEYS}
        return a.path == b.path and others_a == others_b
    return bool(re.search(r"/page/\d+/?$", a.path))


def _signature(tag: Tag) -> tuple[str, str]:
    return tag.name, " ".join(sorted(tag.get("class") or []))


def _in_chrome(a: Tag) -> bool:
    return any(p.name in ("nav", "header", "footer") for p in a.parents if isinstance(p, Tag))


def _item_container(a: Tag, link_set: set[int]) -> Tag:
    """The largest ancestor (up to 5 levels) holding this merchant link and no other."""
    best: Tag = a
    node = a
    for _ in range(5):
        parent = node.parent
        if not isinstance(parent, Tag) or parent.name in ("body", "html", "ul", "ol", "table", "tbody"):
            break
        links = [x for x in parent.find_all("a", href=True) if id(x) in link_set]
        if len(links) > 1:
            break
        best = node = parent
    return best


def _in_repeated_listing(a: Tag) -> bool:
    """True when the link sits in one of >= 3 sibling items of the same tag and class."""
    node: Tag | None = a
    for _ in range(5):
        if node is None or not isinstance(node.parent, Tag):
            return False
        parent = node.parent
        sig = _signature(node)
        same = [c for c in parent.find_all(recursive=False) if _signature(c) == sig]
        if len(same) >= 3 and node.name not in ("a",) or (node.name == "a" and len(same) >= 3):
            with_links = [c for c in same if c.name == "a" or c.find("a", href=True)]
            if len(with_links) >= 3:
                return True
        node = parent
    return False


def _text_lines(tag: Tag) -> list[str]:
    return [t for t in (_clean(s) for s in tag.stripped_strings) if t]


def _name_and_address(a: Tag, container: Tag) -> tuple[str | None, str | None]:
    name = None
    address = None
    # microdata
    for prop, key in (("name", "name"), ("address", "address")):
        el = container.find(attrs={"itemprop": prop})
        if el:
            val = _clean(el.get("content") or el.get_text(" "))
            if key == "name":
                name = val or None
            else:
                address = val or None
    text = _clean(a.get_text(" ")) or _clean(a.get("title") or a.get("aria-label") or "")
    if not name and text and not GENERIC_LINK_TEXT_RE.match(text) and len(text) <= 80:
        name = text
    if not name:
        for sel in ("h1", "h2", "h3", "h4", "h5", "h6", "strong", "b"):
            el = container.find(sel)
            if el and _clean(el.get_text(" ")):
                name = _clean(el.get_text(" "))
                break
    if not name:
        for el in container.find_all(True):
            cls = " ".join(el.get("class") or [])
            if re.search(r"(^|[-_ ])(name|title)($|[-_ ])", cls, re.I) and _clean(el.get_text(" ")):
                name = _clean(el.get_text(" "))
                break
    if not address:
        el = container.find("address")
        if el is None:
            for cand in container.find_all(True):
                cls = " ".join(cand.get("class") or []) + " " + (cand.get("itemprop") or "")
                if re.search(r"addr|location|地址", cls, re.I):
                    el = cand
                    break
        if el is not None:
            address = _clean(el.get_text(" "))
        else:
            for line in _text_lines(container):
                if line == name:
                    continue
                if ADDRESS_LABEL_RE.match(line) or ADDRESS_RE.search(line):
                    address = line
                    break
    if address:
        address = ADDRESS_LABEL_RE.sub("", address).strip() or None
    if address:
        # "category · address · phone": keep the segment that looks like an address
        parts = [p.strip() for p in re.split(r"\s*[·|｜•/]\s*", address) if p.strip()]
        if len(parts) > 1:
            hits = [p for p in parts if ADDRESS_RE.search(p) or ADDRESS_LABEL_RE.match(p)]
            if hits:
                address = ADDRESS_LABEL_RE.sub("", hits[0]).strip() or address
    if name and len(name) > 120:
        name = name[:120]
    return name, address


def _jsonld_items(soup: BeautifulSoup) -> Iterable[dict[str, Any]]:
    for script in soup.find_all("script", type=re.compile("ld\\+json", re.I)):
        try:
            data = json.loads(script.string or "")
        except (json.JSONDecodeError, TypeError):
            continue
        stack = [data]
        while stack:
            cur = stack.pop()
            if isinstance(cur, list):
                stack.extend(cur)
            elif isinstance(cur, dict):
                if "@graph" in cur:
                    stack.append(cur["@graph"])
                if "itemListElement" in cur:
                    stack.append(cur["itemListElement"])
                if "item" in cur and isinstance(cur["item"], dict):
                    stack.append(cur["item"])
                types = cur.get("@type")
                types = [types] if isinstance(types, str) else types or []
                if any(str(t).lower() in RESTAURANT_TYPES for t in types):
                    yield cur


def _jsonld_address(addr: Any) -> str | None:
    if isinstance(addr, str):
        return addr
    if isinstance(addr, dict):
        parts = [addr.get(k) for k in ("addressRegion", "addressLocality", "streetAddress")]
        return " ".join(str(p) for p in parts if p) or None
    return None


def parse_listing(
    html: str, page_url: str, link_pattern: str | None = None
) -> tuple[list[dict[str, str | None]], list[str]]:
    """Find merchant links and further listing pages on a directory page.

    Returns ``(candidates, next_pages)``: candidates are ``{"url", "name",
    "address"}`` (absolute URLs, in page order, each URL once); next_pages are
    absolute URLs of pagination links (``rel=next``, next words, page-number
    links).  ``link_pattern`` (regex) restricts merchant links when given.
    """
    soup = BeautifulSoup(html, "lxml")
    base = page_url
    base_tag = soup.find("base", href=True)
    if base_tag:
        base = urljoin(page_url, base_tag["href"])
    out: list[dict[str, str | None]] = []
    seen: set[str] = set()

    for item in _jsonld_items(soup):
        url = item.get("url") or item.get("hasMenu") or item.get("menu")
        if isinstance(url, dict):
            url = url.get("url")
        if not isinstance(url, str):
            continue
        url = urljoin(base, url)
        if url not in seen and (not link_pattern or re.search(link_pattern, url)):
            seen.add(url)
            out.append({"url": url, "name": _clean(str(item.get("name") or "")) or None,
                        "address": _jsonld_address(item.get("address"))})

    next_pages: list[str] = []
    for link in soup.find_all(["a", "link"], href=True):
        rel = [r.lower() for r in (link.get("rel") or [])]
        text = _clean(link.get_text(" ")) if link.name == "a" else ""
        label = _clean(link.get("aria-label") or link.get("title") or "")
        url = urljoin(base, link["href"])
        if not url.startswith(("http://", "https://")):
            continue
        if "next" in rel or NEXT_WORDS_RE.match(text) or NEXT_WORDS_RE.match(label) or (
            link.name == "a" and _page_number_link(url, page_url)
        ):
            u = url.split("#")[0]
            if u != page_url.split("#")[0] and u not in next_pages:
                next_pages.append(u)

    anchors = []
    for a in soup.find_all("a", href=True):
        href = a["href"].strip()
        if not href or href.startswith("#") or href.lower().startswith(SKIP_SCHEMES):
            continue
        url = urljoin(base, href)
        if not url.startswith(("http://", "https://")) or url.split("#")[0] in next_pages:
            continue
        if url.split("#")[0] == page_url.split("#")[0] and "#/" not in url:
            continue
        if link_pattern:
            ok = bool(re.search(link_pattern, url))
        else:
            ok = not _in_chrome(a) and (looks_like_order_url(url) or _in_repeated_listing(a))
            if ok and urlsplit(url).path.lower().endswith((".xml", ".txt", ".css", ".js", ".png", ".jpg")):
                ok = False
        if ok:
            anchors.append((a, url))
    link_set = {id(a) for a, _ in anchors}
    by_url: dict[str, dict[str, str | None]] = {}
    for a, url in anchors:
        container = _item_container(a, link_set)
        name, address = _name_and_address(a, container)
        if url in seen:
            prev = next((c for c in out if c["url"] == url), None)
            if prev is not None:
                prev["name"] = prev["name"] or name
                prev["address"] = prev["address"] or address
            continue
        if url in by_url:
            cur = by_url[url]
            cur["name"] = cur["name"] or name
            cur["address"] = cur["address"] or address
            continue
        by_url[url] = {"url": url, "name": name, "address": address}
        out.append(by_url[url])
    return out, next_pages


# ---------------------------------------------------------------------------
# sitemaps, CSV, QR photos


def parse_sitemap(body: bytes, include: str | None = None) -> tuple[list[str], list[str]]:
    """Parse a sitemap or sitemap index.  Returns ``(page_urls, sub_sitemap_urls)``.

    ``include`` (regex) keeps only matching page URLs; without it every page
    URL that looks like an ordering page, or every URL when none does, is kept
    (directory pages such as ``/`` or ``/about`` are not merchants).
    Raises ValueError for a body that is not a sitemap.
    """
    from scrapy.utils.sitemap import Sitemap  # noqa: PLC0415  (heavy: loaded only when needed)

    try:
        sm = Sitemap(body)
    except Exception as exc:  # lxml raises various errors
        raise ValueError(f"not a sitemap ({exc})") from None
    locs = [str(e["loc"]).strip() for e in sm if e.get("loc")]
    if sm.type == "sitemapindex":
        return [], locs
    if include:
        return [u for u in locs if re.search(include, u)], []
    ordering = [u for u in locs if looks_like_order_url(u)]
    return (ordering or locs), []


def _subst(value: str, mapping: dict[str, str]) -> str:
    for k, v in mapping.items():
        value = value.replace("{" + k + "}", v)
    return value


def read_csv_source(path: str | Path, placeholders: dict[str, str] | None = None) -> list[dict[str, str | None]]:
    """Rows ``{"url", "name", "address"}`` of a merchants CSV (header: name,address,url; UTF-8, BOM ok).

    Cells may use the district's placeholders (``{sandbox}``).  Rows without
    a URL are skipped.  Raises QrauditError for a missing file or no ``url`` column.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise QrauditError(f"{path}: cannot read merchants CSV ({exc.strerror or exc})") from None
    reader = csv.DictReader(text.splitlines())
    cols = {c.strip().lower(): c for c in reader.fieldnames or []}
    if "url" not in cols:
        raise QrauditError(f"{path}: merchants CSV needs a 'url' column (name,address,url)")
    rows = []
    for row in reader:
        url = _subst((row.get(cols["url"]) or "").strip(), placeholders or {})
        if not url:
            continue
        rows.append({
            "url": url,
            "name": _clean(row.get(cols.get("name", ""), "") if "name" in cols else "") or None,
            "address": _clean(row.get(cols.get("address", ""), "") if "address" in cols else "") or None,
        })
    return rows


PHOTO_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".bmp")


def read_qr_photos(folder: str | Path) -> list[tuple[str, str]]:
    """Decode every QR code in a folder of photos.  Returns ``[(payload, photo_name)]`` sorted by name.

    Uses zxing-cpp over Pillow images (several codes per photo are fine;
    unreadable photos are skipped).  Raises QrauditError when the folder is missing.
    """
    import zxingcpp  # noqa: PLC0415  (heavy: loaded only when needed)
    from PIL import Image  # noqa: PLC0415  (heavy: loaded only when needed)

    folder = Path(folder)
    if not folder.is_dir():
        raise QrauditError(f"{folder}: QR photo folder not found")
    out = []
    for photo in sorted(folder.iterdir()):
        if photo.suffix.lower() not in PHOTO_SUFFIXES:
            continue
        try:
            with Image.open(photo) as img:
                codes = zxingcpp.read_barcodes(img.convert("RGB"))
        except Exception:  # a damaged photo must not stop discovery
            continue
        for code in codes:
            if code.text:
                out.append((code.text.strip(), photo.name))
    return out


# ---------------------------------------------------------------------------
# vendor fingerprints


def guess_vendor(url: str, html: str | None) -> str | None:
    """A generic guess of the page's technology from URL and HTML fingerprints.

    Returns the ``<meta name=generator>`` value (lower-cased, version dropped),
    else the registrable domain serving most of the page's scripts when that is
    another site (a SaaS host), else a structural style: ``spa-hash`` (hash
    routing), ``iframe-shell`` (the page is a frame around another document),
    ``shadow-dom`` (custom elements with shadow roots), ``lazy-json`` (an empty
    shell filled from JSON), ``server-forms`` (server-rendered forms, little
    script); None when nothing stands out.
    """
    parts = urlsplit(url)
    if not html:
        return "spa-hash" if parts.fragment.startswith(("/", "!")) else None
    soup = BeautifulSoup(html, "lxml")
    gen = soup.find("meta", attrs={"name": re.compile("^generator$", re.I)})
    if gen and gen.get("content"):
        return re.sub(r"[\s/]*v?\d[\w.\-]*$", "", gen["content"].strip().lower()) or None
    host = (parts.hostname or "").lower()
    ext: Counter[str] = Counter()
    scripts = soup.find_all("script")
    for s in scripts:
        src = s.get("src")
        if src:
            h = (urlsplit(urljoin(url, src)).hostname or "").lower()
            if h and h != host:
                site = _site(h)
                if site != _site(host) and not re.fullmatch(r"[\d.:]+", h):
                    ext[site] += 1
    if ext:
        return ext.most_common(1)[0][0]
    if parts.fragment.startswith(("/", "!")):
        return "spa-hash"
    body = soup.body or soup
    text = _clean(body.get_text(" "))
    inline = " ".join(s.get_text() for s in scripts if not s.get("src"))
    frames = soup.find_all("iframe")
    if frames and len(text) < 200:
        return "iframe-shell"
    custom = [t for t in body.find_all(True) if "-" in t.name]
    declarative = soup.find_all("template", attrs={"shadowrootmode": True})  # e.g. a DOM snapshot
    if "attachShadow" in inline or declarative or (custom and len(text) < 200):
        return "shadow-dom"
    if re.search(r"\bfetch\(|XMLHttpRequest|\.json\b", inline) and len(text) < 400:
        return "lazy-json"
    forms = soup.find_all("form")
    if forms and (any(f.get("method", "").lower() == "post" for f in forms) or not scripts):
        return "server-forms"
    if "#/" in inline or "hashchange" in inline:
        return "spa-hash"
    if re.search(r"\bfetch\(|XMLHttpRequest", inline):
        return "lazy-json"
    return None


def vendor_from_trace(trace: Any, folder: Path) -> str | None:
    """:func:`guess_vendor` over what the browser rendered during an audit.

    ``trace``: a :class:`core.trace.Trace`; ``folder``: where its DOM snapshots are.
    Tries the first steps' URLs (hash routes appear only after scripts ran) and DOM
    snapshots (frames inlined, open shadow roots as declarative templates); then
    ``lazy-json`` when the page loaded data with fetch/XHR.  ``None`` when nothing
    stands out; never raises for a missing or unreadable snapshot.
    """
    for step in trace.steps[:3]:
        html = None
        if step.dom:
            try:
                html = (Path(folder) / step.dom).read_text(encoding="utf-8", errors="replace")
            except OSError:
                html = None
        guess = guess_vendor(step.url or trace.url, html)
        if guess:
            return guess
    if any(r.resource_type in ("fetch", "xhr") for r in trace.requests):
        return "lazy-json"
    return None


def _site(host: str) -> str:
    return site_of_host(host)


_LENIENT_CHARSET = re.compile(rb"""charset\s*=\s*["']?([A-Za-z0-9_-]{2,40})""", re.I)


def decode_html(body: bytes, content_type: str | bytes | None = None) -> str:
    """The text of an HTML page as a browser reads it: the header's charset, a BOM, the
    ``<meta>`` declaration (also a malformed one, e.g. ``httpequiv="ContentType"``, scrapy/w3lib
    #155), else UTF-8.  GBK/GB2312 are read as GB18030, their superset."""
    if isinstance(content_type, bytes):
        content_type = content_type.decode("latin-1", "replace")
    enc, text = html_to_unicode(content_type or None, body)
    declared = re.search(r"charset=", content_type or "", re.I)
    if not declared and enc.lower().replace("-", "") in ("utf8", "cp1252", "ascii", "latin1") and "\ufffd" in text:
        m = _LENIENT_CHARSET.search(body[:4096])
        if m:
            cs = m.group(1).decode("ascii").lower()
            cs = "gb18030" if cs in ("gbk", "gb2312", "x-gbk") else cs
            try:
                return body.decode(cs, "replace")
            except LookupError:
                pass
    return text


# ---------------------------------------------------------------------------
# browser-free discovery with urllib (same parsers as the spider)

Fetch = Callable[[str], tuple[int, bytes, str]]


def _urllib_fetch(url: str, timeout: float = 20.0) -> tuple[int, bytes, str]:

    req = urllib.request.Request(url, headers={"User-Agent": "qraudit-discovery (+research; robots.txt honoured)"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 (http(s) only, checked)
            return resp.status, resp.read(), resp.geturl()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read() or b"", url


def discover(
    district: District,
    *,
    fetch: Fetch | None = None,
    obey_robots: bool | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """Discover a live district's merchants without Scrapy or a browser.

    ``district`` must be resolved (:func:`crawler.district.open_district`).
    Returns merged merchant records in discovery order, at most ``limit``
    (default: ``limits.max_merchants``).  Network errors on one page are skipped.
    """
    fetch = fetch or _urllib_fetch
    obey = district.limits.obey_robots if obey_robots is None else obey_robots
    robots: dict[str, urllib.robotparser.RobotFileParser | None] = {}

    def allowed(url: str) -> bool:
        if not obey:
            return True
        p = urlsplit(url)
        origin = f"{p.scheme}://{p.netloc}"
        if origin not in robots:
            try:
                status, body, _ = fetch(origin + "/robots.txt")
                rp = urllib.robotparser.RobotFileParser()
                rp.parse(body.decode("utf-8", "replace").splitlines() if status == 200 else [])
                robots[origin] = rp
            except Exception:
                robots[origin] = None
        rp = robots[origin]
        return rp is None or rp.can_fetch("qraudit", url)

    def get(url: str) -> tuple[bytes, str] | None:
        if not allowed(url):
            return None
        try:
            status, body, final = fetch(url)
        except Exception:
            return None
        return (body, final) if 200 <= status < 300 else None

    records: dict[str, dict[str, Any]] = {}

    def add(url: str, label: str, name=None, address=None, found_on=None) -> None:
        rec = make_record(district, url, label, name=name, address=address, found_on=found_on)
        mid = rec["merchant_id"]
        records[mid] = merge_records(records[mid], rec) if mid in records else rec

    for src in district.sources:
        if src.type == "directory":
            queue = list(src.start_urls)
            done: set[str] = set()
            while queue and len(done) < src.max_pages:
                page = queue.pop(0)
                if page in done:
                    continue
                done.add(page)
                got = get(page)
                if not got:
                    continue
                cands, nxt = parse_listing(decode_html(got[0]), got[1], src.link_pattern)
                for c in cands:
                    add(c["url"], src.label, c["name"], c["address"], found_on=page)
                queue += [u for u in nxt if u not in done]
        elif src.type == "sitemap":
            queue = [src.url] if src.url else []
            seen_maps: set[str] = set()
            while queue:
                sm = queue.pop(0)
                if sm in seen_maps:
                    continue
                seen_maps.add(sm)
                got = get(sm)
                if not got:
                    continue
                try:
                    pages, subs = parse_sitemap(got[0], src.include)
                except ValueError:
                    continue
                queue += subs
                for u in pages:
                    add(u, src.label, found_on=sm)
        elif src.type == "csv":
            for row in read_csv_source(src.path or "", district.placeholders):
                add(row["url"], src.label, row["name"], row["address"])
        elif src.type == "qr_photos":
            for payload, photo in read_qr_photos(src.path or ""):
                add(payload, src.label, found_on=photo)
        elif src.type == "urls":
            for u in src.urls:
                add(u, src.label)
    out = list(records.values())
    return out[: limit or district.limits.max_merchants]
