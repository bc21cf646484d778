"""Find canary values in network traffic under variants, encodings and hashes.

:func:`build_needles` turns the canary values of one visit into needles, each
with its encoding chain (e.g. ``base64(md5(digits))``): variants (as typed,
digits only, +86/86/0086 prefixes, spaced, dashed, masked ``138****5678``) ×
encodings (base16/32/58/64 std/urlsafe ± padding, URL quote/quote_plus in UTF-8,
GBK and Big5 — a page in a legacy charset percent-encodes its queries in it —,
JavaScript ``escape()`` ``%uXXXX``, HTML entities) and hashes (MD5, SHA-1,
SHA-224, SHA-256, SHA-384, SHA-512 hex, and base64 of the raw digest), stacked up
to three layers.  Long values also get their *prefixes* (``prefix8(digits)``:
the first 8 of 11 digits, and longer), for pages that send a value while it is
being typed and stop before it is complete.  Matching is case-insensitive (hex
upper/lower, ``%2b``/``%2B``).

:func:`haystack_views` gives the texts to search in one piece of traffic: the
raw text plus its URL-decoded (twice), HTML-unescaped and base64-decoded chunks,
so a needle wrapped in one more layer is still found.

:class:`NeedleSet.search` finds needles in many pieces at once: hex digests by
hex-run extraction and set lookup (any number of them for free), the other
needles with ``str.__contains__`` over one joined text, then locates the piece.

A chain is data (a code); people read it in the words of the one table :data:`LAYER_WORDS`
(:func:`describe_chain`, :func:`chain_text`), in English or in Chinese.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import html
import re
from bisect import bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import quote, quote_plus, unquote, unquote_plus

_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def b58encode(data: bytes) -> str:
    """Bitcoin-alphabet base58 of ``data``."""
    n = int.from_bytes(data, "big")
    out = []
    while n:
        n, r = divmod(n, 58)
        out.append(_B58[r])
    pad = len(data) - len(data.lstrip(b"\0"))
    return "1" * pad + "".join(reversed(out))


def _b(s: str) -> bytes:
    return s.encode("utf-8")


def _in(charset: str, plus: bool = False) -> Callable[[str], str]:
    """URL-encoding of the text's bytes in ``charset`` ("" when it cannot be encoded there)."""
    def enc(s: str) -> str:
        try:
            raw = s.encode(charset)
        except UnicodeEncodeError:
            return ""
        return quote_plus(raw, safe="") if plus else quote(raw, safe="")
    return enc


def js_escape(s: str) -> str:
    """JavaScript ``escape()``: ``%XX`` below U+0100, ``%uXXXX`` above; ``@*_+-./`` and alphanumerics kept."""
    out = []
    for c in s:
        o = ord(c)
        if c.isascii() and (c.isalnum() or c in "@*_+-./"):
            out.append(c)
        elif o < 0x100:
            out.append(f"%{o:02X}")
        else:
            out.append(f"%u{o:04X}")
    return "".join(out)


#: final-layer text encodings: name -> str -> str
ENCODINGS: dict[str, Callable[[str], str]] = {
    "base16": lambda s: _b(s).hex(),
    "base32": lambda s: base64.b32encode(_b(s)).decode(),
    "base32-nopad": lambda s: base64.b32encode(_b(s)).decode().rstrip("="),
    "base58": lambda s: b58encode(_b(s)),
    "base64": lambda s: base64.b64encode(_b(s)).decode(),
    "base64-nopad": lambda s: base64.b64encode(_b(s)).decode().rstrip("="),
    "base64url": lambda s: base64.urlsafe_b64encode(_b(s)).decode(),
    "base64url-nopad": lambda s: base64.urlsafe_b64encode(_b(s)).decode().rstrip("="),
    "url": lambda s: quote(s, safe=""),
    "url+": lambda s: quote_plus(s, safe=""),
    "url-gbk": _in("gbk"),
    "url+-gbk": _in("gbk", plus=True),
    "url-big5": _in("big5"),
    "js-escape": js_escape,
    "html-dec": lambda s: "".join(f"&#{ord(c)};" for c in s),
    "html-hex": lambda s: "".join(f"&#x{ord(c):x};" for c in s),
    "json-u": lambda s: "".join(c if ord(c) < 128 else f"\\u{ord(c):04x}" for c in s),
}
#: encodings used on top of a hash (a hex string)
OUTER_OF_HASH = ("base64", "base64-nopad", "base64url-nopad", "base16", "base32", "base58")

HASHES = ("md5", "sha1", "sha224", "sha256", "sha384", "sha512")
STACK_HASHES = ("md5", "sha1", "sha256")
HEX_LENGTHS = {hashlib.new(h).digest_size * 2 for h in HASHES}


def _hash(name: str, s: str) -> str:
    return hashlib.new(name, _b(s)).hexdigest()


def _raw64(name: str, s: str) -> str:
    return base64.b64encode(hashlib.new(name, _b(s)).digest()).decode()


@dataclass(frozen=True)
class Needle:
    """A searchable form of one canary value: ``text`` (lower case), ``chain``
    (e.g. ``sha256(md5(digits))``), ``kind`` (phone, name, ...) and the ``value``."""

    text: str
    chain: str
    kind: str
    value: str


def variants(kind: str, value: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Return ``(primary, secondary)`` lists of ``(variant_name, text)`` for a value.

    Primary variants get every encoding and the stacked hashes; secondary ones
    (spaced, dashed, masked) only plain, URL, base64 and hashes.
    """
    value = value.strip()
    primary: list[tuple[str, str]] = [("typed", value)]
    secondary: list[tuple[str, str]] = []
    if kind == "phone":
        digits = re.sub(r"\D", "", value)
        nat = digits[-11:] if len(digits) >= 11 else digits
        if len(nat) >= 7:
            primary += [("digits", nat), ("+86", "+86" + nat), ("86", "86" + nat), ("0086", "0086" + nat)]
            secondary += [("+86 ", "+86 " + nat)]
            if len(nat) == 11:
                secondary += [
                    ("spaced", f"{nat[:3]} {nat[3:7]} {nat[7:]}"),
                    ("dashed", f"{nat[:3]}-{nat[3:7]}-{nat[7:]}"),
                    ("masked", f"{nat[:3]}****{nat[7:]}"),
                ]
    elif kind == "email":
        primary.append(("lower", value.lower()))
    seen: set[str] = set()
    out_p, out_s = [], []
    for lst, out in ((primary, out_p), (secondary, out_s)):
        for name, v in lst:
            if v and v not in seen:
                seen.add(v)
                out.append((name, v))
    return out_p, out_s


@dataclass
class NeedleSet:
    """Needles of one visit: ``hexes`` (hex digests, by length) and ``texts`` (others)."""

    hexes: dict[int, dict[str, Needle]] = field(default_factory=dict)
    texts: dict[str, Needle] = field(default_factory=dict)

    def add(self, text: str, chain: str, kind: str, value: str) -> None:
        t = (text or "").lower()
        if len(t) < (6 if t.isascii() else 4):  # four CJK characters say as much as six letters
            return
        n = Needle(t, chain, kind, value)
        if len(t) in HEX_LENGTHS and not t.strip(_HEXDIGITS):
            self.hexes.setdefault(len(t), {}).setdefault(t, n)
        elif t not in self.texts:
            self.texts[t] = n

    def __len__(self) -> int:
        return len(self.texts) + sum(len(d) for d in self.hexes.values())

    def search(self, pieces: list[tuple[object, str]]) -> list[tuple[object, Needle, str]]:
        """Search ``[(key, raw_text)]``; return ``[(key, needle, view)]``, one per
        (key, needle), ``view`` being ``raw``/``urldecoded``/``html``/``base64`` ..."""
        texts: list[str] = []
        owners: list[tuple[object, str]] = []
        starts: list[int] = []
        pos = 0
        for key, raw in pieces:
            if not raw:
                continue
            for view, t in haystack_views(raw):
                starts.append(pos)
                owners.append((key, view))
                texts.append(t)
                pos += len(t) + 1
        if not texts:
            return []
        big = "\x00".join(texts)
        hits: dict[tuple[object, str], tuple[object, Needle, str]] = {}

        def locate(i: int, n: Needle) -> None:
            key, view = owners[bisect_right(starts, i) - 1]
            hits.setdefault((key, n.text), (key, n, view))

        for nt, n in self.texts.items():
            i = big.find(nt)
            while i >= 0:
                locate(i, n)
                i = big.find(nt, i + 1)
        if self.hexes:
            lengths = sorted(self.hexes)
            for m in _HEX_RUN.finditer(big):
                run, start = m.group(0), m.start()
                for L in lengths:
                    d = self.hexes[L]
                    if len(run) == L:
                        if run in d:
                            locate(start, d[run])
                    elif len(run) > L:
                        for j in range(len(run) - L + 1):
                            n = d.get(run[j:j + L])
                            if n is not None:
                                locate(start + j, n)
        return list(hits.values())


_HEXDIGITS = "0123456789abcdef"
_UPPER = re.compile(r"[A-Z]")
_HEX_RUN = re.compile(r"[0-9a-f]{32,}")
_B64_RUN = re.compile(r"[A-Za-z0-9+/_-]{8,}={0,2}")
_PRINTABLE = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f\ufffd]")


#: values at least this long also get prefix needles
PREFIX_FROM_LEN = 10


def prefix_lengths(n: int) -> range:
    """The prefix lengths searched for a value of ``n`` characters: from 70 % of it (at least 8:
    a phone number's first 7 digits name only its carrier and city) up to one short of whole."""
    if n < PREFIX_FROM_LEN:
        return range(0)
    return range(max(8, -(-7 * n // 10)), n)


def add_prefixes(ns: NeedleSet, kind: str, vname: str, v: str, value: str) -> None:
    """Prefix needles (plain and URL-encoded) of variant ``v`` of a canary value."""
    for n in prefix_lengths(len(v)):
        p = v[:n]
        ns.add(p, f"prefix{n}({vname})", kind, value)
        q = quote(p, safe="")
        if q != p:
            ns.add(q, f"url(prefix{n}({vname}))", kind, value)


def build_needles(values: Iterable[tuple[str, str]]) -> NeedleSet:
    """Build the needles of ``[(kind, value)]`` (see module doc); ``sms_code`` values
    and values shorter than 4 characters are skipped."""
    ns = NeedleSet()
    done: set[tuple[str, str]] = set()
    for kind, value in values:
        if not value or kind == "sms_code" or len(value.strip()) < 4 or (kind, value) in done:
            continue
        done.add((kind, value))
        primary, secondary = variants(kind, value)
        for vname, v in primary + secondary:
            ns.add(v, vname, kind, value)
            for h in HASHES:
                ns.add(_hash(h, v), f"{h}({vname})", kind, value)
            for h in STACK_HASHES:
                ns.add(_raw64(h, v), f"base64({h}-raw({vname}))", kind, value)
            encs = ENCODINGS if (vname, v) in primary else ("url", "url+", "base64", "base64-nopad")
            for e in encs:
                enc = ENCODINGS[e](v)
                if enc != v:
                    ns.add(enc, f"{e}({vname})", kind, value)
        for vname, v in primary:
            if vname in ("typed", "digits"):
                add_prefixes(ns, kind, vname, v, value)
        stack_src = [p for p in primary if p[0] in ("typed", "digits")][:2]
        for vname, v in stack_src:
            h1s = {h: _hash(h, v) for h in HASHES}
            for h1, d1 in h1s.items():
                for e in OUTER_OF_HASH:
                    ns.add(ENCODINGS[e](d1), f"{e}({h1}({vname}))", kind, value)
                for h2 in HASHES:
                    ns.add(_hash(h2, d1), f"{h2}({h1}({vname}))", kind, value)
                if h1 in STACK_HASHES:
                    for h2 in STACK_HASHES:
                        d2 = _hash(h2, d1)
                        ns.add(ENCODINGS["base64"](d2), f"base64({h2}({h1}({vname})))", kind, value)
                        for h3 in STACK_HASHES:
                            ns.add(_hash(h3, d2), f"{h3}({h2}({h1}({vname})))", kind, value)
            for e in ("base64", "base16"):
                ev = ENCODINGS[e](v)
                for h in HASHES:
                    ns.add(_hash(h, ev), f"{h}({e}({vname}))", kind, value)
                ns.add(ENCODINGS["base64"](ev), f"base64({e}({vname}))", kind, value)
                ns.add(quote(ENCODINGS["base64"](ev), safe=""), f"url(base64({e}({vname})))", kind, value)
    return ns


_VIEW_LAYERS = {"urldecoded": ["url"], "urldecoded2": ["url", "url"], "html": ["html"], "base64": ["base64"]}


def compose(view: str, chain: str) -> str:
    """The full encoding chain of a needle ``chain`` found in haystack ``view``
    (``compose("base64+urldecoded", "typed")`` → ``"base64(url(typed))"``)."""
    if view == "raw":
        return chain
    layers: list[str] = []
    for part in view.split("+"):
        layers += _VIEW_LAYERS.get(part, [part])
    for layer in reversed(layers):
        chain = f"{layer}({chain})"
    return chain


def _b64_decode(tok: str) -> str | None:
    t = tok.rstrip("=")
    if len(t) % 4 == 1 or not _UPPER.search(t):
        return None  # base64 of 6+ bytes of text virtually always has a capital; hex ids never do
    t = t + "=" * (-len(t) % 4)
    try:
        if "-" in t or "_" in t:
            raw = base64.urlsafe_b64decode(t)
        else:
            raw = base64.b64decode(t, validate=True)
        s = raw.decode("utf-8")
    except (binascii.Error, ValueError):
        return None
    if not s or _PRINTABLE.search(s):
        return None
    return s


def haystack_views(raw: str, depth: int = 2) -> list[tuple[str, str]]:
    """The texts to search in ``raw`` (lower case): ``raw``, ``urldecoded`` (up to
    twice), ``html`` (entities unescaped) and ``base64`` (decoded chunks, and once
    more inside them when ``depth`` allows)."""
    views = [("raw", raw.lower())]
    cur = raw
    for name in ("urldecoded", "urldecoded2"):
        if "%" not in cur and "+" not in cur:
            break
        dec = unquote_plus(cur) if "+" in cur else unquote(cur)
        if dec == cur:
            break
        views.append((name, dec.lower()))
        cur = dec
    if "&#" in raw or "&amp;" in raw:
        un = html.unescape(raw)
        if un != raw:
            views.append(("html", un.lower()))
    if depth > 0:
        sources = [raw] if cur is raw else [raw, cur]
        seen: set[str] = set()
        for src in sources:
            for m in _B64_RUN.finditer(src):
                tok = m.group(0)
                if tok in seen:
                    continue
                seen.add(tok)
                dec = _b64_decode(tok)
                if dec is None:
                    continue
                for vname, t in haystack_views(dec, depth - 1):
                    views.append(("base64" if vname == "raw" else f"base64+{vname}", t))
    return views


# ---- words ----------------------------------------------------------------------------------------

#: Every layer of an encoding chain in words, code -> (English, Chinese): the one table the leak
#: rule's explanations and the report's "sent as" are rendered from.  Covers the variants (the
#: innermost layer), the hashes (and their raw digests), :data:`ENCODINGS` and the layers a
#: haystack view adds (``url``, ``html``, ``base64``).  The Chinese words carry no Latin-letter
#: word and no bracket: an algorithm's name is in :data:`ALGORITHMS`, shown apart as a technical value.
LAYER_WORDS: dict[str, tuple[str, str]] = {
    # variants of the value
    "typed": ("as typed (plain)", "原样明文"),
    "digits": ("digits only", "仅数字"),
    "+86": ("with +86 in front", "前加 +86"),
    "86": ("with 86 in front", "前加 86"),
    "0086": ("with 0086 in front", "前加 0086"),
    "+86 ": ("with +86 and a space in front", "前加 +86 和空格"),
    "spaced": ("in groups with spaces", "分段加空格"),
    "dashed": ("in groups with dashes", "分段加短横线"),
    "masked": ("masked (middle digits hidden)", "中间几位打码"),
    "lower": ("in lower case", "转为小写"),
    # hashes (hex), and raw digests under an encoding
    **{h: (f"{name} hash", "哈希") for h, name in (("md5", "MD5"), ("sha1", "SHA-1"), ("sha224", "SHA-224"),
                                                 ("sha256", "SHA-256"), ("sha384", "SHA-384"),
                                                 ("sha512", "SHA-512"))},
    **{f"{h}-raw": (f"{name} digest (raw bytes)", "哈希原始字节") for h, name in (("md5", "MD5"), ("sha1", "SHA-1"),
                                                                              ("sha256", "SHA-256"))},
    # text encodings
    "base16": ("hex (base16)", "可直接还原的十六进制编码"),
    "base32": ("base32", "可直接还原的三十二进制编码"),
    "base32-nopad": ("base32", "可直接还原的三十二进制编码"),
    "base58": ("base58", "可直接还原的五十八进制编码"),
    "base64": ("base64", "可直接还原的编码"),
    "base64-nopad": ("base64", "可直接还原的编码"),
    "base64url": ("base64 (URL-safe)", "可直接还原的编码"),
    "base64url-nopad": ("base64 (URL-safe)", "可直接还原的编码"),
    "url": ("URL-encoded", "网址编码"),
    "url+": ("URL-encoded", "网址编码"),
    "urlencoded": ("URL-encoded", "网址编码"),  # runs stored before the chains named it url
    "url-gbk": ("URL-encoded in GBK", "按国标扩展汉字字符集的网址编码"),
    "url+-gbk": ("URL-encoded in GBK", "按国标扩展汉字字符集的网址编码"),
    "url-big5": ("URL-encoded in Big5", "按繁体大五码字符集的网址编码"),
    "js-escape": ("JavaScript escape()", "脚本转义编码"),
    "html-dec": ("HTML character references", "网页字符实体编码"),
    "html-hex": ("HTML character references", "网页字符实体编码"),
    "html": ("HTML character references", "网页字符实体编码"),
    "json-u": ("JSON \\u escapes", "统一码转义编码"),
}
#: A prefix layer (``prefix8``: the first 8 characters): its words with ``{n}``.
PREFIX_WORDS = ("the first {n} characters, sent while being typed", "输入过程中的前{n}位")
#: A chain with a layer not in the table (a newer tool's code read by an older one).
UNKNOWN_WORDS = ("", "其他编码形式")
#: The algorithm named by a layer (technical values, shown as such in either language).
ALGORITHMS: dict[str, str] = {
    "md5": "MD5", "sha1": "SHA-1", "sha224": "SHA-224", "sha256": "SHA-256", "sha384": "SHA-384",
    "sha512": "SHA-512", "base64": "Base64", "base64-nopad": "Base64", "base64url": "Base64",
    "base64url-nopad": "Base64",
}
_PREFIX = re.compile(r"prefix(\d+)")


def chain_layers(chain: str) -> list[str]:
    """The layers of an encoding chain, outermost first: ``"base64(md5(+86 ))"`` →
    ``["base64", "md5", "+86 "]`` (a variant's own spaces kept)."""
    return [x for x in str(chain or "").rstrip(")").split("(") if x]


def layer_words(layer: str, lang: str = "en") -> str | None:
    """One layer of a chain in words (``en`` | ``zh``); None when the table does not know it."""
    i = 1 if lang == "zh" else 0
    m = _PREFIX.fullmatch(layer)
    if m:
        return PREFIX_WORDS[i].format(n=int(m.group(1)))
    words = LAYER_WORDS.get(layer)
    return words[i] if words else None


@dataclass(frozen=True)
class ChainWords:
    """An encoding chain in words: ``words`` (its outer layer), ``algo`` (that layer's algorithm,
    or ""), ``inner`` (the words of the layers inside it, outer first, the plain value left out)."""

    words: str
    algo: str
    inner: tuple[str, ...]

    def text(self, lang: str = "en") -> str:
        """The chain as one phrase (``"哈希，内层为仅数字"``, ``"MD5 hash; inside: digits only"``)."""
        if not self.inner:
            return self.words
        if lang == "zh":
            return f"{self.words}，内层为{'、'.join(self.inner)}"
        return f"{self.words}; inside: {', '.join(self.inner)}"


def describe_chain(chain: str, lang: str = "en") -> ChainWords | None:
    """An encoding chain (``"md5(typed)"``, ``"url-gbk(typed)"``, ``"prefix8(digits)"``) in words
    of :data:`LAYER_WORDS`; None when one of its layers is not in the table."""
    layers = chain_layers(chain)
    if not layers:
        return None
    words = [layer_words(x, lang) for x in layers]
    if any(w is None for w in words):
        return None
    inner = tuple(w for x, w in zip(layers[1:], words[1:], strict=True) if x != "typed" and w)
    return ChainWords(str(words[0]), ALGORITHMS.get(layers[0], ""), inner)


def chain_text(chain: str, lang: str = "en") -> str:
    """An encoding chain as one phrase of words (:meth:`ChainWords.text`); a chain with an
    unknown layer is itself in English and :data:`UNKNOWN_WORDS` in Chinese."""
    d = describe_chain(chain, lang)
    if d is None:
        return UNKNOWN_WORDS[1] if lang == "zh" else str(chain)
    return d.text(lang)
