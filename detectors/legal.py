"""Citations of the newer texts (2024-2025) the rules cite, written once.

As in ``docs/legal-basis.md`` section 8 (copied from the shared reference): facts as
reported by official announcements and the press; an article number or a decree number
marked "to verify" was not checked against the published text, and the mark stays in
the citation until someone checks it.
"""

from __future__ import annotations

#: 《中华人民共和国消费者权益保护法实施条例》, issued March 2024, in force 1 July 2024, art. 23
CRPL_IMPL_REG_23 = "CRPL Implementing Regulations (State Council Decree No. 778, to verify) art. 23, in force 1 Jul 2024"

#: 《网络数据安全管理条例》, issued September 2024, in force 1 January 2025 (articles: to verify)
NDSR_2025 = "Network Data Security Regulations (State Council Decree No. 790, to verify), in force 1 Jan 2025 (articles: to verify)"

#: 《人脸识别技术应用安全管理办法》 (CAC and Ministry of Public Security), in force 1 June 2025
FACE_MEASURES_2025 = ("Face Recognition Technology Application Security Measures (CAC and MPS), in force 1 Jun 2025: "
                      "no face recognition as the only way where a non-face method serves (article: to verify, "
                      "art. 10 reported)")

#: the 2025 personal-information special action (CAC, MIIT, MPS, SAMR), announced March 2025
SPECIAL_ACTION_2025 = ("2025 personal-information special action (CAC, MIIT, MPS, SAMR), announced Mar 2025: offline "
                       "scenes incl. scan-to-order, forced membership, forced non-essential phone numbers (as reported; "
                       "wording to verify)")

#: 《个人信息保护合规审计管理办法》 (CAC), in force 1 May 2025: not a rule's basis; it supports the
#: evidence bundles (reproducible traces, SHA-256 manifests) an audit can hand over
COMPLIANCE_AUDIT_2025 = ("Personal Information Protection Compliance Audit Measures (CAC), in force 1 May 2025: "
                         "processors of PI of more than 10 million people audit at least every two years; regulators "
                         "can order audits")

#: rule id -> the newer texts it cites (section 8's "supports" column; "all forced rules" = every forced_* rule)
NEWER_TEXTS: dict[str, tuple[str, ...]] = {
    "forced_phone": (CRPL_IMPL_REG_23, SPECIAL_ACTION_2025),
    "forced_membership": (CRPL_IMPL_REG_23, SPECIAL_ACTION_2025),
    "forced_profile_auth": (CRPL_IMPL_REG_23, SPECIAL_ACTION_2025),
    "forced_follow": (SPECIAL_ACTION_2025,),
    "forced_location": (SPECIAL_ACTION_2025,),
    "forced_biometric": (FACE_MEASURES_2025, SPECIAL_ACTION_2025),
    "excessive_fields": (CRPL_IMPL_REG_23,),
    "induced_consent": (CRPL_IMPL_REG_23, NDSR_2025),
    "third_party_leak": (NDSR_2025,),
    "no_privacy_notice": (NDSR_2025,),
}


def with_newer(rule_id: str, basis: list[str]) -> list[str]:
    """``basis`` followed by the newer texts ``rule_id`` cites (see :data:`NEWER_TEXTS`), without duplicates."""
    return list(dict.fromkeys([*basis, *NEWER_TEXTS.get(rule_id, ())]))
