// The audit log: filter by actor, action and time; newest first, with "load more".

import { api } from "../api.js";
import { $, fmtTime, h, replace } from "../dom.js";
import { cell, guarded, panelNode, rowsOf, stateBadge } from "./common.js";

export function createAuditPanel() {
  const panel = panelNode("audit");
  const body = $("#audit-table tbody");
  const form = $("#audit-filter");
  const more = $("#audit-more");
  let cursor = null;

  function row(event) {
    const target = [event.target_type, event.target_id].filter(Boolean).join(" ");
    return h(
      "tr",
      { "data-audit-id": event.id },
      cell(fmtTime(event.created_at)),
      h("td", { class: "actor" }, event.actor ?? (event.actor_id ? `#${event.actor_id}` : "")),
      cell(event.action),
      h("td", {}, stateBadge(event.outcome)),
      cell(target),
      cell(event.client_ip),
      h("td", {}, h("code", {}, event.request_id ?? "")),
      h("td", { class: "details" }, event.details && Object.keys(event.details).length ? JSON.stringify(event.details) : ""),
    );
  }

  async function load(next = null) {
    const data = new FormData(form);
    const params = new URLSearchParams({ limit: "100" });
    for (const key of ["actor", "action"]) {
      const value = String(data.get(key) || "").trim();
      if (value) params.set(key, value);
    }
    const since = String(data.get("since") || "");
    if (since) params.set("since", new Date(since).toISOString());
    if (next) params.set("cursor", next);
    const answer = await guarded(panel, () => api(`/api/v1/audit-logs?${params}`));
    if (answer === undefined) return;
    const rows = rowsOf(answer).map(row);
    if (next) body.append(...rows);
    else replace(body, rows);
    cursor = answer.next_cursor ?? null;
    more.hidden = !cursor;
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    load();
  });
  more.addEventListener("click", () => cursor && load(cursor));

  return { show: () => load(), hide() {} };
}
