/* qraudit report: filter and sort the merchant list (no dependencies, works from file://). */
(function () {
  "use strict";
  var table = document.getElementById("merchants");
  if (!table) { return; }
  var tbody = table.tBodies[0];
  var text = document.getElementById("filter-text");
  var verdict = document.getElementById("filter-verdict");
  var rule = document.getElementById("filter-rule");
  var sortBy = document.getElementById("sort-by");
  var count = document.getElementById("row-count");
  var original = Array.prototype.slice.call(tbody.rows);

  function apply() {
    var q = (text.value || "").trim().toLowerCase();
    var terms = q ? q.split(/\s+/) : [];
    var v = verdict.value, r = rule.value, shown = 0;
    Array.prototype.forEach.call(tbody.rows, function (tr) {
      var hay = tr.getAttribute("data-search") || "";
      var ok = terms.every(function (t) { return hay.indexOf(t) !== -1; });
      if (ok && v) { ok = tr.getAttribute("data-verdict") === v; }
      if (ok && r) { ok = (" " + (tr.getAttribute("data-rules") || "") + " ").indexOf(" " + r + " ") !== -1; }
      tr.hidden = !ok;
      if (ok) { shown += 1; }
    });
    count.textContent = String(shown);
  }

  function key(tr, col, type) {
    var cell = tr.cells[col];
    var raw = cell.hasAttribute("data-sort") ? cell.getAttribute("data-sort") : cell.textContent.trim();
    if (type === "num") { var n = parseFloat(raw); return isNaN(n) ? -Infinity : n; }
    return raw.toLowerCase();
  }

  var headers = table.tHead.rows[0].cells;

  function sortRows(col, type, dir) {
    Array.prototype.forEach.call(headers, function (h) { h.setAttribute("aria-sort", "none"); });
    if (col < 0) {
      original.forEach(function (tr) { tbody.appendChild(tr); });
      return;
    }
    headers[col].setAttribute("aria-sort", dir);
    var rows = Array.prototype.slice.call(tbody.rows);
    var sign = dir === "ascending" ? 1 : -1;
    rows.sort(function (a, b) {
      var x = key(a, col, type), y = key(b, col, type);
      if (x < y) { return -sign; }
      if (x > y) { return sign; }
      return 0;
    });
    rows.forEach(function (tr) { tbody.appendChild(tr); });
  }

  Array.prototype.forEach.call(headers, function (th, col) {
    th.setAttribute("tabindex", "0");
    function sort() {
      var dir = th.getAttribute("aria-sort") === "ascending" ? "descending" : "ascending";
      sortRows(col, th.getAttribute("data-type") || "text", dir);
      if (sortBy) { sortBy.value = ""; }
    }
    th.addEventListener("click", sort);
    th.addEventListener("keydown", function (e) { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sort(); } });
  });

  if (sortBy) {
    sortBy.addEventListener("change", function () {
      if (!sortBy.value) { sortRows(-1); return; }
      var parts = sortBy.value.split(":");
      sortRows(parseInt(parts[0], 10), parts[1], parts[2] === "desc" ? "descending" : "ascending");
    });
  }
  text.addEventListener("input", apply);
  verdict.addEventListener("change", apply);
  rule.addEventListener("change", apply);
  apply();
}());
