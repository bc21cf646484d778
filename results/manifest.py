"""Evidence integrity: a manifest of every evidence file of a run, and its check.

``write_manifest(run_dir, info)`` writes ``<run_dir>/manifest.json``::

    {"manifest_version": 1, "run_id": "...", "created_at_utc": "...Z", "created_at_shanghai": "...+08:00",
     "tool": "qraudit", "tool_version": "0.1.0",
     "browser_versions": ["Chromium 120..."], "user_agents": ["Mozilla/5.0 ..."],
     "run": {... the info dict, plus "district_label" when the district file has one ...},
     "times": {"started_at_utc", "started_at_shanghai", "ended_at_utc", "ended_at_shanghai"},
     "urls": [{"merchant_id", "url", "final_url", "started_at_utc", "started_at_shanghai"}],
     "algorithm": "sha256",
     "files": {"merchants/m01/step-01.png": {"sha256": "<hex>", "size": 1234}, ...},
     "totals": {"files": N, "bytes": B}}

Every file under the run folder is listed (paths relative to it, "/" separated)
except ``manifest.json`` itself, the report folders (``report/``,
``report-*/``, derived and rebuilt at will), Scrapy's crawl state (``jobdir/``) and
half-written ``*.tmp`` files.  ``verify(run_dir)`` hashes
the folder again and names each changed, missing or added file.  Record the
manifest's own SHA-256 (``qraudit verify`` prints it) somewhere the evidence
holder cannot edit, e.g. in the case file, to make the check meaningful.

Judgment is not evidence: ``qraudit rescore RUN`` rewrites the merchants'
``result.json`` on purpose.  :func:`amend` then updates those entries and appends
to the manifest's ``"amendments"`` list what changed, when and why (old and new
SHA-256), so ``verify`` stays meaningful for everything else.  Only
``result.json`` files can be amended; captured evidence never.

A resumed crawl finishes its run again: :func:`update_manifest` then adds the
files written since, keeps every listed entry (a tampered screenshot keeps
failing ``verify``) and appends a ``"crawl resumed"`` amendment.

Visits cut short (Ctrl-C, a kill) leave a folder ``merchants/<mid>/<visit_id>/``
that no stored result refers to; a resume audits the merchant again in a new
visit folder.  Such folders are not evidence of any result: the manifest keeps
their files apart, under ``"aborted_visits"`` (``{folder: {"files": {...}}}``),
still hashed and checked by ``verify`` but out of ``"files"`` and ``"urls"``.
The visit a merchant's ``result.json`` names (its ``"trace"``) is the one that counts.
"""

from __future__ import annotations

import hashlib
import json
import os
import tomllib
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from core import __version__
from core.errors import QrauditError
from core.paths import SEEDS_DIR

MANIFEST = "manifest.json"
MANIFEST_VERSION = 1
_CHUNK = 1 << 20


def _shanghai():
    try:

        return ZoneInfo("Asia/Shanghai")
    except Exception:  # no tz database: China has had no DST since 1991
        return timezone(timedelta(hours=8), "CST")


SHANGHAI = _shanghai()


def sha256_file(path: str | os.PathLike[str]) -> str:
    """Return the hex SHA-256 of a file's bytes (read in 1 MiB chunks)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


#: Top-level folders of a run that are not evidence: derived reports and Scrapy's crawl state.
EXCLUDED_DIRS = ("report", "jobdir")


def _excluded(rel: str) -> bool:
    top = rel.split("/", 1)[0]
    if rel == MANIFEST or rel.endswith(".tmp"):
        return True
    # jobdir.stale-N: a JOBDIR moved aside by a resume after a hard kill
    return "/" in rel and (top in EXCLUDED_DIRS or top.startswith(("report-", "jobdir.stale-")))


#: Files a run rewrites on purpose when it goes on (resume): derived records, not captured evidence.
def _derived(rel: str) -> bool:
    return rel in ("run.json", "results.jsonl") or (rel.startswith("merchants/") and rel.endswith("/result.json"))


def evidence_files(run_dir: str | os.PathLike[str]) -> list[str]:
    """Relative ("/"-separated) paths of the evidence files of a run folder, sorted."""
    root = Path(run_dir)
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in filenames:
            rel = (Path(dirpath) / name).relative_to(root).as_posix()
            if not _excluded(rel):
                out.append(rel)
    return sorted(out)


def _parse_time(value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        dt = value
    else:
        try:
            dt = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt


def both_times(value: Any) -> tuple[str | None, str | None]:
    """Return ``(utc_iso, shanghai_iso)`` for a datetime or ISO string (naive = UTC)."""
    dt = _parse_time(value)
    if dt is None:
        return None, None
    utc = dt.astimezone(UTC)
    return utc.isoformat().replace("+00:00", "Z"), dt.astimezone(SHANGHAI).isoformat()


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime):
        return both_times(value)[0]
    if isinstance(value, Path):
        return str(value)
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _traces(root: Path) -> list[tuple[str, dict[str, Any]]]:
    out = []
    paths = sorted([*root.glob("merchants/*/trace.json"), *root.glob("merchants/*/*/trace.json")])
    for path in paths:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(data, dict):
            out.append((path.relative_to(root).parts[1], data))
    return out


def _current_visits(root: Path) -> dict[str, str | None]:
    """``{merchant_id: visit folder name or None}``: the visit each merchant's ``result.json``
    refers to (``None``: its evidence lies in the merchant folder itself).  Merchants with
    no readable ``result.json`` are left out (none of their visits counts yet)."""
    out: dict[str, str | None] = {}
    for path in sorted(root.glob("merchants/*/result.json")):
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        rel = doc.get("trace") if isinstance(doc, dict) else None
        parts = Path(rel).parts if isinstance(rel, str) and rel else ()
        out[path.parent.name] = parts[0] if len(parts) == 2 else None
    return out


def aborted_visit(rel: str, current: dict[str, str | None]) -> str | None:
    """The visit folder (``merchants/<mid>/<visit>``) ``rel`` belongs to when that visit was
    cut short and no result refers to it; ``None`` for every other file."""
    parts = rel.split("/")
    if len(parts) < 4 or parts[0] != "merchants":
        return None
    mid, visit = parts[1], parts[2]
    if mid in current and current[mid] == visit:
        return None
    return f"merchants/{mid}/{visit}"


def _aborted_ids(aborted: dict[str, Any]) -> set[tuple[str, str]]:
    return {(folder.split("/")[1], folder.split("/")[2]) for folder in aborted}


def district_label(info: dict[str, Any]) -> str | None:
    """The human label of a run's district (``[district] label`` of its TOML file), or ``None``.

    ``info``: the run's description (``district``, ``district_file``, ``settings``,
    or a manifest's ``run`` with ``district_label``).  Looked for in this order: a
    label recorded with the run (``district_label``, also inside ``settings``), the
    district file the run was made from, ``seeds/<district>.toml`` when that file
    declares the same district name.  A missing or unreadable file gives ``None``.
    """
    settings = info.get("settings") if isinstance(info.get("settings"), dict) else {}
    for value in (info.get("district_label"), settings.get("district_label")):
        if isinstance(value, str) and value.strip():
            return value.strip()
    name = info.get("district")
    candidates: list[Path] = []
    if info.get("district_file"):
        candidates.append(Path(str(info["district_file"])))
    if isinstance(name, str) and name:

        candidates.append(SEEDS_DIR / f"{name}.toml")
    for path in candidates:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            continue
        d = data.get("district") if isinstance(data, dict) else None
        if not isinstance(d, dict):
            continue
        if name and d.get("name", path.stem) != name:
            continue  # another district's file
        label = d.get("label")
        if isinstance(label, str) and label.strip():
            return label.strip()
        return None
    return None


def write_manifest(run_dir: str | os.PathLike[str], info: dict[str, Any] | None = None) -> Path:
    """Hash every evidence file of ``run_dir`` into ``manifest.json``; return its path.

    ``info``: the run's description (run_id, kind, district, env, status,
    started_at, ended_at, settings...; datetimes or ISO strings), stored under
    ``"run"``.  Browser versions, user agents and the audited URLs are read from
    the merchants' ``trace.json`` files.  Raises ``QrauditError`` when
    ``run_dir`` is not a folder.  Rewrites an existing manifest.
    """

    root = Path(run_dir)
    if not root.is_dir():
        raise QrauditError(f"run folder {root} does not exist")
    info = dict(info or {})
    if info.get("district") and not info.get("district_label"):
        label = district_label(info)
        if label:
            info["district_label"] = label  # sealed with the evidence: the district file may change later
    files: dict[str, dict[str, Any]] = {}
    aborted: dict[str, dict[str, Any]] = {}
    current = _current_visits(root)
    total = 0
    for rel in evidence_files(root):
        p = root / rel
        size = p.stat().st_size
        entry = {"sha256": sha256_file(p), "size": size}
        visit = aborted_visit(rel, current)
        if visit is None:
            files[rel] = entry
            total += size
        else:
            aborted.setdefault(visit, {"files": {}})["files"][rel] = entry
    gone = _aborted_ids(aborted)
    traces = [(mid, t) for mid, t in _traces(root) if (mid, str(t.get("visit_id"))) not in gone]
    browsers = sorted({t.get("browser_version") for _, t in traces if t.get("browser_version")})
    agents = sorted({t.get("user_agent") for _, t in traces if t.get("user_agent")})
    if info.get("browser_version") and info["browser_version"] not in browsers:
        browsers.insert(0, str(info["browser_version"]))
    if info.get("user_agent") and info["user_agent"] not in agents:
        agents.insert(0, str(info["user_agent"]))
    urls = []
    for mid, t in traces:
        utc, sh = both_times(t.get("started_at"))
        urls.append({"merchant_id": mid, "url": t.get("url"), "final_url": t.get("final_url"),
                     "visit_id": t.get("visit_id"), "env": t.get("env"),
                     "started_at_utc": utc, "started_at_shanghai": sh})
    now_utc, now_sh = both_times(datetime.now(UTC))
    s_utc, s_sh = both_times(info.get("started_at"))
    e_utc, e_sh = both_times(info.get("ended_at"))
    manifest = {
        "manifest_version": MANIFEST_VERSION,
        "run_id": info.get("run_id") or root.name,
        "created_at_utc": now_utc,
        "created_at_shanghai": now_sh,
        "tool": "qraudit",
        "tool_version": __version__,
        "browser_versions": browsers,
        "user_agents": agents,
        "run": _jsonable(info),
        "times": {"started_at_utc": s_utc, "started_at_shanghai": s_sh,
                  "ended_at_utc": e_utc, "ended_at_shanghai": e_sh},
        "urls": urls,
        "algorithm": "sha256",
        "files": files,
        "totals": {"files": len(files), "bytes": total},
    }
    if aborted:
        manifest["aborted_visits"] = aborted
    path = root / MANIFEST
    tmp = root / (MANIFEST + ".tmp")
    tmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=False), encoding="utf-8")
    tmp.replace(path)
    return path


def update_manifest(run_dir: str | os.PathLike[str], info: dict[str, Any] | None = None,
                    reason: str = "crawl resumed") -> Path:
    """Add to an existing manifest what a resumed run wrote; write one when there is none.

    Listed entries are never re-hashed into the manifest except derived records
    (``run.json``, ``results.jsonl``, ``merchants/*/result.json``), which the
    run rewrites on purpose: their old and new SHA-256 go into the amendment.
    A changed or missing evidence file (screenshot, trace, DOM snapshot...)
    keeps its entry, so ``verify`` keeps naming it.  Files not listed yet are
    added.  Appends to ``"amendments"`` ``{"at_utc", "at_shanghai", "reason",
    "added": {path: {"sha256", "size"}}, "files": {path: {"old", "new"}},
    "run_status", "ended_at_utc", "urls"}``; the original ``run``, ``times``
    and ``created_at_*`` stay as first written.  Returns the manifest path.
    """
    root = Path(run_dir)
    if not (root / MANIFEST).exists():
        return write_manifest(root, info)
    manifest = read_manifest(root)
    listed: dict[str, dict[str, Any]] = manifest["files"]
    aborted: dict[str, dict[str, Any]] = manifest.setdefault("aborted_visits", {})
    current = _current_visits(root)
    info = dict(info or {})
    added: dict[str, dict[str, Any]] = {}
    changes: dict[str, dict[str, str | None]] = {}
    set_aside: list[str] = []
    # visits listed as evidence that no result refers to any more (cut short, then redone on
    # resume): their entries move, unchanged, to "aborted_visits"
    for rel in sorted(listed):
        visit = aborted_visit(rel, current)
        if visit is not None:
            aborted.setdefault(visit, {"files": {}})["files"][rel] = listed.pop(rel)
            set_aside.append(rel)
    known_aborted = {rel for v in aborted.values() for rel in v.get("files", {})}
    for rel in evidence_files(root):
        p = root / rel
        visit = aborted_visit(rel, current)
        if rel in known_aborted:
            continue
        if visit is not None:
            aborted.setdefault(visit, {"files": {}})["files"][rel] = {"sha256": sha256_file(p),
                                                                      "size": p.stat().st_size}
        elif rel not in listed:
            added[rel] = {"sha256": sha256_file(p), "size": p.stat().st_size}
        elif _derived(rel):
            new = sha256_file(p)
            old = listed[rel].get("sha256")
            if new != old:
                changes[rel] = {"old": old, "new": new}
                listed[rel] = {"sha256": new, "size": p.stat().st_size}
    listed.update(added)
    if not aborted:
        manifest.pop("aborted_visits")
    gone = _aborted_ids(aborted)
    if gone:
        manifest["urls"] = [u for u in manifest.get("urls") or []
                            if (u.get("merchant_id"), str(u.get("visit_id"))) not in gone]
    known = {(u.get("merchant_id"), u.get("visit_id")) for u in manifest.get("urls") or []}
    urls = []
    for mid, t in _traces(root):
        if (mid, t.get("visit_id")) in known or (mid, str(t.get("visit_id"))) in gone:
            continue
        utc, sh = both_times(t.get("started_at"))
        urls.append({"merchant_id": mid, "url": t.get("url"), "final_url": t.get("final_url"),
                     "visit_id": t.get("visit_id"), "env": t.get("env"),
                     "started_at_utc": utc, "started_at_shanghai": sh})
    at_utc, at_sh = both_times(datetime.now(UTC))
    record: dict[str, Any] = {"at_utc": at_utc, "at_shanghai": at_sh, "reason": reason,
                              "added": added, "files": changes}
    if set_aside:
        record["aborted_visits"] = sorted({aborted_visit(rel, current) or rel for rel in set_aside})
    if info.get("status"):
        record["run_status"] = info["status"]
    if info.get("ended_at"):
        record["ended_at_utc"] = both_times(info["ended_at"])[0]
    if urls:
        record["urls"] = urls
    manifest.setdefault("amendments", []).append(record)
    manifest["totals"] = {
        "files": len(listed),
        "bytes": sum(int(e.get("size", 0)) for e in listed.values()),
    }
    path = root / MANIFEST
    tmp = root / (MANIFEST + ".tmp")
    tmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    tmp.replace(path)
    return path


def read_manifest(run_dir: str | os.PathLike[str]) -> dict[str, Any]:
    """Load ``<run_dir>/manifest.json``.  Raises ``QrauditError`` when missing or unreadable."""
    path = Path(run_dir) / MANIFEST
    if not path.exists():
        raise QrauditError(f"no {MANIFEST} in {run_dir} (the run was not finished, or it was removed)")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise QrauditError(f"{path} is not valid JSON ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("files"), dict):
        raise QrauditError(f"{path} is not a qraudit manifest")
    return data


def verify(run_dir: str | os.PathLike[str]) -> list[str]:
    """Check a run folder against its manifest; return the problems (empty = intact).

    Each problem is one line: ``changed: <path> (sha256 <old12>… -> <new12>…, <size> bytes)``,
    ``missing: <path>`` or ``added: <path>``.  Raises ``QrauditError`` when the
    folder or its manifest is missing.
    """
    root = Path(run_dir)
    if not root.is_dir():
        raise QrauditError(f"run folder {root} does not exist")
    manifest = read_manifest(root)
    listed: dict[str, dict[str, Any]] = dict(manifest["files"])
    for visit in (manifest.get("aborted_visits") or {}).values():
        listed.update(visit.get("files") or {})
    present = set(evidence_files(root))
    problems = []
    for rel in sorted(set(listed) | present):
        if rel not in present:
            problems.append(f"missing: {rel}")
        elif rel not in listed:
            problems.append(f"added: {rel}")
        else:
            digest = sha256_file(root / rel)
            want = str(listed[rel].get("sha256", ""))
            if digest != want:
                size = (root / rel).stat().st_size
                problems.append(f"changed: {rel} (sha256 {want[:12]}… -> {digest[:12]}…, {size} bytes)")
    return problems


def amend(run_dir: str | os.PathLike[str], files: list[str], reason: str) -> list[str]:
    """Record that derived ``result.json`` files of a run were rewritten on purpose.

    ``files``: paths relative to ``run_dir``.  Entries whose hash changed are
    updated and listed in a new ``"amendments"`` item ``{"at_utc", "at_shanghai",
    "reason", "files": {path: {"old", "new"}}}``; returns those paths (empty when
    nothing changed, or when the run has no manifest yet — it is written when the
    run finishes).  Raises ``ValueError`` for a file that is not a ``result.json``.
    """
    root = Path(run_dir)
    bad = [f for f in files if Path(f).name != "result.json"]
    if bad:
        raise ValueError(f"only result.json files can be amended, not {bad[0]}")
    if not (root / MANIFEST).exists():
        return []
    manifest = read_manifest(root)
    changes: dict[str, dict[str, str | None]] = {}
    for rel in files:
        path = root / rel
        new = sha256_file(path) if path.is_file() else None
        entry = manifest["files"].get(rel)
        old = entry.get("sha256") if entry else None
        if new == old:
            continue
        changes[rel] = {"old": old, "new": new}
        if new is None:
            manifest["files"].pop(rel, None)
        else:
            manifest["files"][rel] = {"sha256": new, "size": path.stat().st_size}
    if not changes:
        return []
    at_utc, at_sh = both_times(datetime.now(UTC))
    manifest.setdefault("amendments", []).append(
        {"at_utc": at_utc, "at_shanghai": at_sh, "reason": reason, "files": changes}
    )
    manifest["totals"] = {
        "files": len(manifest["files"]),
        "bytes": sum(int(e.get("size", 0)) for e in manifest["files"].values()),
    }
    tmp = root / (MANIFEST + ".tmp")
    tmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    tmp.replace(root / MANIFEST)
    return sorted(changes)


def manifest_digest(run_dir: str | os.PathLike[str]) -> str:
    """The SHA-256 of ``manifest.json`` itself (to record outside the evidence folder)."""
    path = Path(run_dir) / MANIFEST
    if not path.exists():
        raise QrauditError(f"no {MANIFEST} in {run_dir}")
    return sha256_file(path)
