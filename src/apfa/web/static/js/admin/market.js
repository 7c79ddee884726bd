// Market data: each series' latest value, date, source and staleness; fetch now.

import { api } from "../api.js";
import { $, fmtTime, h, replace } from "../dom.js";
import { cell, guarded, panelNode, rowsOf, stateBadge } from "./common.js";

function value(item) {
  if (item.value === null || item.value === undefined) return "";
  return item.unit === "percent" ? `${item.value.toFixed(2)}%` : String(item.value);
}

function row(item) {
  const state = item.stale ? "stale" : item.value === null ? "none" : "fresh";
  return h(
    "tr",
    { "data-series": item.series_id, class: item.stale ? "stale" : "" },
    h("td", { title: `${item.title} (${item.publisher})` }, item.series_id),
    cell(value(item)),
    cell(item.observation_date ?? ""),
    cell(item.source ?? ""),
    cell(item.fetched_at ? fmtTime(item.fetched_at) : ""),
    cell(item.age_days === null ? "" : `${item.age_days} / ${item.max_age_days} days`),
    h("td", {}, stateBadge(state)),
    cell(item.value === null ? (item.bundled_fallback ?? "none in the bundled table") : ""),
  );
}

export function createMarketPanel(ctx) {
  const panel = panelNode("market");
  const status = $("#market-status");
  const fetchNow = $("#market-fetch");
  fetchNow.hidden = !ctx.can("admin:celery:manage");

  async function load() {
    const answer = await guarded(panel, () => api("/api/admin/market"));
    if (answer === undefined) return;
    const configured = answer.configured ? "FRED key configured" : "not configured (no FRED key)";
    replace($("#market-summary"), `${configured}; default rates from ${answer.rate_table}`);
    replace($("#market-table tbody"), rowsOf(answer, "items").map(row));
  }

  fetchNow.addEventListener("click", async () => {
    fetchNow.disabled = true;
    const job = await guarded(panel, () => api("/api/admin/market/fetch", { method: "POST" }));
    fetchNow.disabled = false;
    if (job !== undefined) replace(status, `fetch job ${job.job_id ?? ""} started; see Tasks`);
  });

  return {
    show: load,
    hide() {},
    event(name, data) {
      if (name === "task_update" && data.name === "market.fetch" && ["succeeded", "failed"].includes(data.state)) {
        load();
      }
    },
  };
}
