"""``history --html``: the timeline as one self-contained page (no network, no assets).

A Gantt chart, one bar per operation, on either time axis: the recorded timestamps
(virtual time on the skipping clock) or active time (only the spans during which an
invocation ran, gaps between invocations removed). The execution's input, result and
error show first; clicking a row shows that operation's instead (a step has no input
on the wire; a chained invoke has the payload it sent). The data travels as JSON inside
the page and is put into the document as text, never as markup.
"""

from __future__ import annotations

import html
import json
from typing import Any

from lambda_durable.local.cli.timeline import Timeline, TimelineRow, duration
from lambda_durable.wire import API_JSON


def render_html(timeline: Timeline) -> str:
    record = timeline.record
    start = record.start
    data = {
        "arn": record.arn,
        "status": record.status.value,
        "input": record.input_payload,
        "result": record.result,
        "error": API_JSON.encode(record.error) if record.error is not None else None,
        "invocations": [[(a - start).total_seconds(), (b - start).total_seconds()] for a, b in timeline.invocations],
        "end": max([r.offset + (r.elapsed or 0.0) for r in timeline.rows] + [_span(timeline)]),
        "rows": [_row(r) for r in timeline.rows],
    }
    payload = json.dumps(data).replace("<", "\\u003c")  # no "</script>" or "<!--" in the script
    title = html.escape(f"{record.function_name} {record.status.value} - lambda-durable history")
    return _PAGE.replace("__TITLE__", title).replace("__DATA__", payload)


def _span(timeline: Timeline) -> float:
    record = timeline.record
    ends = [b for _, b in timeline.invocations] + ([record.end] if record.end is not None else [])
    return max([(e - record.start).total_seconds() for e in ends] + [0.0])


def _row(row: TimelineRow) -> dict[str, Any]:
    op = row.op
    return {
        "id": op.id,
        "depth": row.depth,
        "kind": row.kind,
        "label": row.label,
        "type": op.type.value,
        "subType": op.sub_type,
        "status": op.status.value,
        "offset": row.offset,
        "elapsed": row.elapsed,
        "elapsedText": duration(row.elapsed),
        "activeText": duration(row.active),
        "attempts": row.attempts,
        "input": row.input,
        "result": row.result,
        "error": API_JSON.encode(row.error) if row.error is not None else None,
    }


_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>__TITLE__</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #1d2330; }
h1 { font-size: 1.1em; word-break: break-all; }
.status-SUCCEEDED { color: #17803d; } .status-FAILED, .status-TIMED_OUT, .status-STOPPED { color: #b42318; }
.status-STARTED, .status-PENDING, .status-RUNNING { color: #9a6700; }
#axis { margin: .8em 0; }
table { border-collapse: collapse; width: 100%; }
td { padding: 2px 6px; border-bottom: 1px solid #eef0f4; white-space: nowrap; }
tr.op { cursor: pointer; } tr.op:hover, tr.op.selected { background: #eef4ff; }
td.track { width: 55%; position: relative; }
.bar { position: absolute; top: 4px; height: 12px; min-width: 2px; border-radius: 2px; background: #3b6fd8; }
.bar.SUCCEEDED { background: #2f9e5a; } .bar.FAILED, .bar.TIMED_OUT, .bar.STOPPED { background: #d0443b; }
.bar.STARTED, .bar.PENDING { background: #d9a21b; } .bar.CANCELLED { background: #8b93a5; }
#details { margin-top: 1em; padding: .8em; background: #f6f7f9; border-radius: 4px; }
#details pre { white-space: pre-wrap; word-break: break-all; margin: .2em 0 .6em; }
</style>
</head>
<body>
<h1 id="title"></h1>
<div id="summary"></div>
<div id="axis">Time axis:
 <label><input type="radio" name="axis" value="recorded" checked> recorded (virtual)</label>
 <label><input type="radio" name="axis" value="active"> active (invocations only)</label>
</div>
<table><thead><tr><th align="left">operation</th><th>status</th><th>try</th>
<th>elapsed</th><th>active</th><th align="left">timeline</th></tr></thead><tbody id="rows"></tbody></table>
<p>Click an operation to see its input, result and error.</p>
<div id="details"></div>
<script type="application/json" id="data">__DATA__</script>
<script>
"use strict";
const data = JSON.parse(document.getElementById("data").textContent);
function el(tag, text, cls) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (cls) node.className = cls;
  return node;
}
function activeAt(t) {
  let sum = 0;
  for (const [a, b] of data.invocations) sum += Math.max(0, Math.min(t, b) - a);
  return sum;
}
function position(row, axis) {
  const end = row.elapsed === null ? data.end : row.offset + row.elapsed;
  if (axis === "active") {
    const total = activeAt(data.end) || 1;
    return [activeAt(row.offset) / total, (activeAt(end) - activeAt(row.offset)) / total];
  }
  const total = data.end || 1;
  return [row.offset / total, (end - row.offset) / total];
}
function payloadBlock(parent, title, value) {
  parent.appendChild(el("strong", title));
  parent.appendChild(el("pre", value === null || value === undefined ? "(none)" :
    typeof value === "string" ? value : JSON.stringify(value, null, 2), "payload-" + title));
}
function details(title, line, item) {
  const box = document.getElementById("details");
  box.replaceChildren();
  box.appendChild(el("h2", title));
  box.appendChild(el("div", line));
  payloadBlock(box, "input", item.input);
  payloadBlock(box, "result", item.result);
  payloadBlock(box, "error", item.error);
}
function show(row, tr) {
  for (const other of document.querySelectorAll("tr.selected")) other.classList.remove("selected");
  tr.classList.add("selected");
  details(row.kind + " " + row.label, row.type + " / " + (row.subType || "-") + " - " + row.status + " - id " + row.id, row);
}
function draw(axis) {
  for (const bar of document.querySelectorAll(".bar")) {
    const row = data.rows[Number(bar.dataset.index)];
    const [left, width] = position(row, axis);
    bar.style.left = (left * 100).toFixed(3) + "%";
    bar.style.width = (Math.max(width, 0) * 100).toFixed(3) + "%";
  }
}
document.getElementById("title").textContent = data.arn;
const summary = document.getElementById("summary");
summary.appendChild(el("span", data.status, "status-" + data.status));
summary.appendChild(el("span", " - " + data.rows.length + " operations, " + data.invocations.length + " invocations"));
const tbody = document.getElementById("rows");
data.rows.forEach((row, index) => {
  const tr = el("tr", null, "op");
  const name = el("td", row.kind + " " + row.label);
  name.style.paddingLeft = (6 + 16 * row.depth) + "px";
  tr.appendChild(name);
  tr.appendChild(el("td", row.status, "status-" + row.status));
  tr.appendChild(el("td", row.attempts || ""));
  tr.appendChild(el("td", row.elapsedText));
  tr.appendChild(el("td", row.activeText));
  const track = el("td", null, "track");
  const bar = el("div", null, "bar " + row.status);
  bar.dataset.index = String(index);
  bar.title = row.kind + " " + row.label;
  track.appendChild(bar);
  tr.appendChild(track);
  tr.addEventListener("click", () => show(row, tr));
  tbody.appendChild(tr);
});
for (const radio of document.querySelectorAll("input[name=axis]")) {
  radio.addEventListener("change", () => draw(radio.value));
}
details("execution", data.status + " - the execution's own input, result and error", data);
draw("recorded");
</script>
</body>
</html>
"""
