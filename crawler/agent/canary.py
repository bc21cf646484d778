"""Canary values: fake personal information, unique per visit, safe to type anywhere.

The phone number is a valid-looking mainland mobile number (11 digits,
``1[3-9]x``) derived from the visit id (and ``canary_seed``), so a leak found in
any request can be tied to exactly one visit.
"""

from __future__ import annotations

import hashlib

SMS_CODE = "246810"
NAME = "测试用户"


def _digits(seed: str, n: int) -> str:
    h = hashlib.sha256(seed.encode("utf-8")).hexdigest()
    return str(int(h, 16))[-n:].rjust(n, "0")


def _id_number(seed: str) -> str:
    """An 18-digit resident ID of valid format and checksum (region 110101, born 1990-01-01)."""
    body = "11010119900101" + _digits(seed + "id", 3)
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    check = "10X98765432"[sum(int(c) * w for c, w in zip(body, weights, strict=True)) % 11]
    return body + check


def canaries(visit_id: str, seed: str | None = None) -> dict[str, str]:
    """Return the canary values of one visit by kind.

    Keys: ``phone`` (``1`` + 10 digits, second digit 3–9), ``name``, ``sms_code``,
    ``email``, ``id_number``, ``birthday`` (YYYY-MM-DD), ``address``, ``gender``,
    ``username`` and ``password`` (for a login or registration wall: an account no one
    has).  Deterministic for the same ``(visit_id, seed)``.
    """
    s = f"{seed or ''}:{visit_id}"
    d = _digits(s, 10)
    second = "3456789"[int(d[0]) % 7]
    phone = "1" + second + d[1:]
    return {
        "phone": phone,
        "name": NAME,
        "sms_code": SMS_CODE,
        "email": f"qra{_digits(s + 'e', 8)}@example.com",
        "id_number": _id_number(s),
        "birthday": "1990-01-01",
        "address": f"测试路{int(_digits(s + 'a', 3)) % 900 + 100}号",
        "gender": "男",
        "username": f"qra{_digits(s + 'u', 8)}",
        "password": f"Qra-{_digits(s + 'p', 8)}",
    }
