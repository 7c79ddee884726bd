// Tasks: the recent background jobs with state, progress and runtime, kept current by
// task_update and batch_progress events; revoke for admin:celery:manage.

import { api } from "../api.js";
import { $, fmtSeconds, fmtTime, h, parseTime, replace } from "../dom.js";
import { cell, every, guarded, panelNode, progressCell, progressOf, rowsOf, stateBadge } from "./common.js";

const FINAL = new Set(["succeeded", "failed", "revoked"]);
const LIMIT = 100;
const BATCHES_SHOWN = 5;

function taskId(task) {
  return String(task.id ?? task.task_id ?? "");
}

// A batch job's documents by status, e.g. "3 indexed, 1 failed".
function countsText(task) {
  const counts = task.result && typeof task.result === "object" ? task.result.counts : null;
  if (!counts || typeof counts !== "object") return "";
  return Object.entries(counts)
    .map(([status, n]) => `${n} ${status}`)
    .join(", ");
}

function runtime(task) {
  const started = parseTime(task.started_at);
  if (started === null) return "";
  const ended = parseTime(task.completed_at) ?? (FINAL.has(task.state) ? null : Date.now());
  if (task.runtime_seconds !== undefined && FINAL.has(task.state)) return fmtSeconds(task.runtime_seconds);
  return ended === null ? "" : fmtSeconds((ended - started) / 1000);
}

export function createTasksPanel(ctx) {
  const panel = panelNode("tasks");
  const body = $("#tasks-table tbody");
  const filter = $("#task-filter");
  const tasks = new Map();
  const batches = new Map();
  let stopTicking = null;

  function row(task) {
    const id = taskId(task);
    const revoke =
      ctx.can("admin:celery:manage") && !FINAL.has(task.state)
        ? h("button", { type: "button", class: "secondary small", onclick: () => revokeTask(id) }, "Revoke")
        : null;
    return h(
      "tr",
      { "data-task-id": id, "data-state": task.state ?? "" },
      h("td", {}, h("span", { class: "task-name" }, task.name ?? ""), h("br"), h("code", { class: "id" }, id)),
      cell(task.queue),
      h("td", {}, stateBadge(task.state), countsText(task) ? h("div", { class: "counts" }, countsText(task)) : null),
      progressCell(task.progress, task.state),
      cell(fmtTime(task.started_at)),
      h("td", { class: "runtime" }, runtime(task)),
      cell(task.retry_count ?? task.retries ?? ""),
      h("td", { class: "error-text" }, task.error ?? ""),
      h("td", {}, revoke),
    );
  }

  function visible(task) {
    const data = new FormData(filter);
    const state = data.get("state");
    const queue = String(data.get("queue") || "").trim();
    return (!state || task.state === state) && (!queue || task.queue === queue);
  }

  function render() {
    const ordered = [...tasks.values()].filter(visible).sort((a, b) => {
      return (parseTime(b.created_at) ?? 0) - (parseTime(a.created_at) ?? 0);
    });
    replace(body, ordered.slice(0, LIMIT).map(row));
    renderBatches();
  }

  function renderBatches() {
    const recent = [...batches.values()].slice(-BATCHES_SHOWN);
    replace(
      $("#batches"),
      recent.map((task) => {
        const p = task.progress || {};
        return h(
          "div",
          { class: "batch", "data-batch-id": taskId(task) },
          h("span", {}, task.name ?? "batch"),
          h("progress", { max: 1, value: progressOf(p) ?? 0 }),
          h("span", {}, `${p.done ?? 0}/${p.total ?? "?"} ${p.unit ?? ""}`),
          p.message ? h("span", { class: "stage" }, p.message) : null,
        );
      }),
    );
  }

  async function load() {
    const data = new FormData(filter);
    const params = new URLSearchParams({ limit: String(LIMIT) });
    for (const key of ["state", "queue"]) {
      const value = String(data.get(key) || "").trim();
      if (value) params.set(key, value);
    }
    const answer = await guarded(panel, () => api(`/api/admin/celery/tasks?${params}`));
    if (answer === undefined) return;
    for (const task of rowsOf(answer, "tasks")) tasks.set(taskId(task), task);
    render();
  }

  async function revokeTask(id) {
    await guarded(panel, () => api(`/api/admin/celery/tasks/${encodeURIComponent(id)}/revoke`, { method: "POST" }));
    await load();
  }

  filter.addEventListener("submit", (event) => {
    event.preventDefault();
    load();
  });
  const embed = $("#embed-all");
  embed.hidden = !ctx.can("admin:celery:manage");
  embed.addEventListener("click", async () => {
    await guarded(panel, () => api("/api/admin/celery/jobs/embed-all", { method: "POST" }));
    await load();
  });

  return {
    show() {
      load();
      stopTicking = every(1000, () => {
        for (const tr of body.querySelectorAll("tr[data-state='running']")) {
          const task = tasks.get(tr.dataset.taskId);
          if (task) replace(tr.querySelector(".runtime"), runtime(task));
        }
      });
    },
    hide() {
      if (stopTicking) stopTicking();
    },
    event(name, data) {
      if (name !== "task_update" && name !== "batch_progress") return;
      const task = data.task && typeof data.task === "object" ? data.task : data;
      const id = taskId(task);
      if (!id) return;
      const merged = { ...(tasks.get(id) || {}), ...task };
      tasks.set(id, merged);
      if (name === "batch_progress" || batches.has(id)) {
        batches.delete(id);
        batches.set(id, merged);
      }
      render();
    },
  };
}
