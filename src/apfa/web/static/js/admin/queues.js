// Queue depths and live workers, polled while the panel is open.

import { api } from "../api.js";
import { $, fmtNumber, fmtSeconds, h, replace } from "../dom.js";
import { cell, every, guarded, panelNode, rowsOf } from "./common.js";

const POLL_MS = 5000;
const WORKER_KNOWN = new Set(["name", "id", "queues", "concurrency", "heartbeat_age_seconds", "heartbeat_age"]);

function rate(q) {
  if (typeof q.rate_per_minute === "number") return `${fmtNumber(q.rate_per_minute)}/min`;
  return typeof q.rate === "number" ? `${fmtNumber(q.rate)}/s` : (q.rate ?? "");
}

function queueRow(q) {
  return h(
    "tr",
    { "data-queue": q.name ?? q.queue ?? "" },
    cell(q.name ?? q.queue),
    cell(q.depth),
    cell(q.running),
    cell(q.succeeded),
    cell(q.failed),
    cell(rate(q)),
  );
}

function workerRow(w) {
  const age = w.heartbeat_age_seconds ?? w.heartbeat_age;
  const extra = Object.entries(w)
    .filter(([key, value]) => !WORKER_KNOWN.has(key) && value !== null && typeof value !== "object")
    .map(([key, value]) => `${key}: ${value}`)
    .join(", ");
  return h(
    "tr",
    {},
    cell(w.name ?? w.hostname ?? w.id),
    cell(Array.isArray(w.queues) ? w.queues.join(", ") : w.queues),
    cell(w.concurrency),
    cell(typeof age === "number" ? fmtSeconds(age) : age),
    cell(extra),
  );
}

export function createQueuesPanel() {
  const panel = panelNode("queues");
  let stop = null;

  async function load() {
    const [queues, workers] = await Promise.all([
      guarded(panel, () => api("/api/admin/celery/queues/stats")),
      guarded(panel, () => api("/api/admin/celery/workers")),
    ]);
    if (queues !== undefined) replace($("#queues-table tbody"), rowsOf(queues, "queues").map(queueRow));
    if (workers !== undefined) {
      const rows = rowsOf(workers, "workers");
      replace(
        $("#workers-table tbody"),
        rows.length ? rows.map(workerRow) : h("tr", {}, h("td", { colspan: 5 }, "no live workers")),
      );
    }
  }

  return {
    show() {
      load();
      stop = every(POLL_MS, load);
    },
    hide() {
      if (stop) stop();
    },
  };
}
