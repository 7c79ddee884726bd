// Documents: upload several files at once and follow each one's status. Task events
// trigger a re-read of the documents still in flight; without a live channel the panel
// polls instead. Below the list: the indexed documents past their review date.

import { api } from "../api.js";
import { $, fmtBytes, fmtTime, h, replace } from "../dom.js";
import { cell, every, guarded, panelNode, rowsOf, showError, stateBadge } from "./common.js";

const IN_FLIGHT = new Set(["pending", "processing", "queued", "uploaded"]);
const POLL_MS = 3000;
const DEBOUNCE_MS = 250;

export function createDocumentsPanel(ctx) {
  const panel = panelNode("documents");
  const body = $("#documents-table tbody");
  const status = $("#upload-status");
  const more = $("#documents-more");
  const docs = new Map();
  let cursor = null;
  let stopPolling = null;
  let pending = null;

  function row(doc) {
    return h(
      "tr",
      { "data-document-id": doc.id, "data-status": doc.status ?? "" },
      h("td", { class: "title" }, doc.title ?? ""),
      h("td", { class: "filename" }, doc.filename ?? ""),
      h("td", {}, stateBadge(doc.status)),
      cell(doc.chunk_count ?? doc.chunks),
      cell(fmtBytes(doc.size_bytes ?? doc.size)),
      cell(doc.uploaded_by),
      cell(fmtTime(doc.updated_at ?? doc.created_at)),
      h("td", { class: "error-text" }, doc.error ?? ""),
      h(
        "td",
        {},
        h("button", { type: "button", class: "secondary small", onclick: () => remove(doc.id) }, "Delete"),
      ),
    );
  }

  function render() {
    const ordered = [...docs.values()].sort((a, b) =>
      String(b.created_at ?? "").localeCompare(String(a.created_at ?? "")),
    );
    replace(body, ordered.map(row));
    // The per-file list of the last upload follows the documents' status too.
    for (const li of status.querySelectorAll("li[data-document-id]")) {
      const doc = docs.get(li.dataset.documentId);
      const badge = li.querySelector(".badge");
      if (doc && badge && doc.status) badge.replaceWith(stateBadge(doc.status));
    }
  }

  function merge(items) {
    for (const doc of items) {
      if (doc && doc.id !== undefined) docs.set(String(doc.id), { ...(docs.get(String(doc.id)) || {}), ...doc });
    }
    render();
  }

  async function load(next = null) {
    const params = new URLSearchParams({ limit: "100" });
    if (next) params.set("cursor", next);
    const answer = await guarded(panel, () => api(`/api/v1/documents?${params}`));
    if (answer === undefined) return;
    if (!next) docs.clear();
    merge(rowsOf(answer, "documents"));
    cursor = answer.next_cursor ?? null;
    more.hidden = !cursor;
    // An upload may be indexed before this list is read, with no status change left to see.
    await loadReview();
  }

  async function refreshInFlight() {
    const open = [...docs.values()].filter((d) => IN_FLIGHT.has(d.status));
    const fresh = await Promise.all(
      open.map((d) => api(`/api/v1/documents/${encodeURIComponent(d.id)}`).catch(() => null)),
    );
    const landed = fresh.filter(Boolean);
    merge(landed);
    if (landed.some((d) => d.status === "indexed")) loadReview();
  }

  function soon() {
    clearTimeout(pending);
    pending = setTimeout(refreshInFlight, DEBOUNCE_MS);
  }

  async function upload(event) {
    event.preventDefault();
    const input = $("#upload-files");
    if (!input.files.length) return;
    const form = new FormData();
    for (const file of input.files) form.append("files", file, file.name);
    replace(status, `uploading ${input.files.length} file(s)…`);
    let answer;
    try {
      answer = await api("/api/v1/documents", { method: "POST", body: form });
      showError(panel, null);
    } catch (error) {
      showError(panel, error);
      if (error && error.body && Array.isArray(error.body.documents)) showResults(error.body);
      else replace(status, "upload refused");
      return;
    }
    input.value = "";
    showResults(answer);
    await load();
  }

  function showResults(answer) {
    const results = rowsOf(answer, "documents");
    const job = answer && answer.job_id ? `job ${answer.job_id}` : "no processing job";
    replace(
      status,
      h("span", {}, `${results.length} file(s) received, ${job}`),
      h(
        "ul",
        { class: "upload-results" },
        results.map((r) =>
          h(
            "li",
            { "data-document-id": r.document_id ?? "" },
            h("span", { class: "filename" }, r.filename ?? ""),
            " ",
            stateBadge(r.status),
            r.reason ? h("span", { class: "error-text" }, ` ${r.reason}`) : null,
            r.duplicate_of ? ` (same as ${r.duplicate_of})` : null,
          ),
        ),
      ),
    );
  }

  async function loadReview() {
    const answer = await guarded(panel, () => api("/api/v1/kb/review"));
    if (answer === undefined) return;
    const items = rowsOf(answer, "items");
    replace(
      $("#review-summary"),
      `${answer.overdue} of ${answer.documents} indexed documents past their review date on ${answer.as_of}` +
        (answer.undated ? `; ${answer.undated} without a date` : ""),
    );
    replace(
      $("#review-table tbody"),
      items.map((item) =>
        h(
          "tr",
          { "data-document-id": item.document_id },
          h("td", { class: "title" }, item.title ?? ""),
          cell(item.category),
          cell(item.freshness),
          cell(item.updated),
          cell(item.review_by),
          cell(item.days_overdue),
        ),
      ),
    );
  }

  async function remove(id) {
    const done = await guarded(panel, () => api(`/api/v1/documents/${encodeURIComponent(id)}`, { method: "DELETE" }));
    if (done !== undefined) await load();
  }

  $("#upload-form").addEventListener("submit", upload);
  more.addEventListener("click", () => cursor && load(cursor));

  return {
    show() {
      load();
      stopPolling = every(POLL_MS, () => {
        if (!ctx.isLive() && [...docs.values()].some((d) => IN_FLIGHT.has(d.status))) refreshInFlight();
      });
    },
    hide() {
      if (stopPolling) stopPolling();
    },
    event(name) {
      if ((name === "task_update" || name === "batch_progress") && [...docs.values()].some((d) => IN_FLIGHT.has(d.status))) soon();
    },
  };
}
