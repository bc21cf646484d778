-- qraudit store schema (DuckDB), version 1.
-- One database file (default data/qraudit.duckdb) holds every run; evidence files live in
-- data/runs/<run_id>/merchants/<merchant_id>/ (trace.json, result.json, step-NN.png, step-NN.html)
-- with data/runs/<run_id>/run.json and manifest.json beside them.
-- Rows are written as each merchant's result arrives, so a killed crawl loses only merchants in flight.

CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);

CREATE TABLE IF NOT EXISTS runs (
  run_id           TEXT PRIMARY KEY,      -- e.g. 20261130T091500Z-demo (sortable, UTC)
  kind             TEXT NOT NULL,         -- crawl | check | rescore
  district         TEXT,                  -- district name
  district_file    TEXT,                  -- path of the seeds file used
  env              TEXT,                  -- wechat | alipay | mobile
  status           TEXT NOT NULL,         -- running | finished | interrupted | failed
  started_at       TIMESTAMPTZ,
  ended_at         TIMESTAMPTZ,
  tool_version     TEXT,
  browser_version  TEXT,
  user_agent       TEXT,
  merchants_total  INTEGER,               -- merchants discovered (known when discovery ends)
  settings         JSON,                  -- concurrency, limits, flags
  run_dir          TEXT                   -- data/runs/<run_id>
);

CREATE TABLE IF NOT EXISTS merchants (
  run_id        TEXT NOT NULL,
  merchant_id   TEXT NOT NULL,            -- stable across runs: hash of canonical URL (or seed id)
  name          TEXT,
  address       TEXT,
  district      TEXT,
  vendor_guess  TEXT,
  url           TEXT,                     -- canonical ordering URL (table parameter removed)
  table_param   TEXT,                     -- e.g. table=A3, kept apart
  sources       JSON,                     -- where it was found: [{"source": "directory", "url": ...}]
  PRIMARY KEY (run_id, merchant_id)
);

CREATE TABLE IF NOT EXISTS audits (
  run_id        TEXT NOT NULL,
  merchant_id   TEXT NOT NULL,
  visit_id      TEXT,
  url           TEXT,
  final_url     TEXT,
  verdict       TEXT NOT NULL,            -- violation | compliant | inconclusive | unsupported
  reason        TEXT,                     -- why inconclusive/unsupported, in English (reason_code's words)
  reason_code   TEXT,                     -- core.reasons.Code: resume, exit statuses and the report decide on it
  reason_params JSON,                     -- the code's parameters
  order_reached TEXT,
  order_mode    TEXT,
  env           TEXT,
  started_at    TIMESTAMPTZ,
  ended_at      TIMESTAMPTZ,
  duration_s    DOUBLE,
  n_findings    INTEGER,
  rules         TEXT[],                   -- sorted distinct rule ids
  trace_dir     TEXT,                     -- relative to the run dir: merchants/<merchant_id>
  error         TEXT,                     -- crawl/engine error, when the audit failed
  result        JSON,                     -- the findings.md object
  PRIMARY KEY (run_id, merchant_id)
);

CREATE TABLE IF NOT EXISTS findings (
  run_id         TEXT NOT NULL,
  merchant_id    TEXT NOT NULL,
  idx            INTEGER NOT NULL,
  rule           TEXT NOT NULL,
  grp            TEXT NOT NULL,           -- forced | over_collection | induced | unlawful_handling
  stage          TEXT,
  severity       TEXT,
  confidence     TEXT,
  explanation    TEXT,
  explanation_zh TEXT,
  legal_basis    TEXT[],
  step           INTEGER,
  screenshot     TEXT,                    -- relative to the merchant's folder
  evidence       JSON,
  PRIMARY KEY (run_id, merchant_id, idx)
);

CREATE TABLE IF NOT EXISTS gates (
  run_id       TEXT NOT NULL,
  merchant_id  TEXT NOT NULL,
  gate_id      TEXT NOT NULL,
  step         INTEGER,
  stage        TEXT,
  kind         TEXT,
  text         TEXT,
  passed_by    TEXT,
  appearances  INTEGER,
  tries        JSON,
  PRIMARY KEY (run_id, merchant_id, gate_id)
);

CREATE TABLE IF NOT EXISTS requests (
  run_id        TEXT NOT NULL,
  merchant_id   TEXT NOT NULL,
  req_id        INTEGER NOT NULL,
  step          INTEGER,
  method        TEXT,
  url           TEXT,
  host          TEXT,
  site          TEXT,                     -- registrable domain (or the IP)
  status        INTEGER,
  resource_type TEXT,
  third_party   BOOLEAN,                  -- site differs from the merchant page's site
  PRIMARY KEY (run_id, merchant_id, req_id)
);

-- ---- additions (crawl store, version 1.1): new columns and tables only ----
-- merchants.audit_url: the URL the audit opens (a table QR target, table parameter kept).
ALTER TABLE merchants ADD COLUMN IF NOT EXISTS audit_url TEXT;
-- runs.pid / runs.host: the process that runs the crawl (resume refuses a run still alive).
ALTER TABLE runs ADD COLUMN IF NOT EXISTS pid INTEGER;
ALTER TABLE runs ADD COLUMN IF NOT EXISTS host TEXT;

-- One row per audit start and per stored result, so a resumed crawl can be checked
-- for merchants audited twice or lost: event = start | done.
CREATE TABLE IF NOT EXISTS audit_log (
  run_id       TEXT NOT NULL,
  merchant_id  TEXT NOT NULL,
  visit_id     TEXT,
  event        TEXT NOT NULL,
  event_at     TIMESTAMPTZ,
  pid          INTEGER
);

-- stores made before reason codes: the columns are added, and read back from the English reason
ALTER TABLE audits ADD COLUMN IF NOT EXISTS reason_code TEXT;
ALTER TABLE audits ADD COLUMN IF NOT EXISTS reason_params JSON;
