// Index versions: build a new one, activate or roll back; index_swapped keeps it current.

import { api } from "../api.js";
import { $, fmtTime, h, replace } from "../dom.js";
import { cell, guarded, panelNode, rowsOf, stateBadge } from "./common.js";

function versionOf(v) {
  return v.version ?? v.id;
}

function isActive(v) {
  return Boolean(v.active ?? v.is_active);
}

export function createIndexPanel(ctx) {
  const panel = panelNode("index");
  const status = $("#rebuild-status");
  const manage = ctx.can("admin:index:manage");
  let versions = [];

  function actionFor(v, activeVersion) {
    if (!manage || isActive(v) || (v.status && v.status !== "ready")) return null;
    const older = activeVersion !== null && versionOf(v) < activeVersion;
    return h(
      "button",
      { type: "button", class: "small", "data-activate": versionOf(v), onclick: () => activate(versionOf(v)) },
      older ? "Roll back" : "Activate",
    );
  }

  function render() {
    const active = versions.find(isActive);
    const activeVersion = active ? versionOf(active) : null;
    replace(
      $("#index-table tbody"),
      versions.map((v) =>
        h(
          "tr",
          { "data-version": versionOf(v), class: isActive(v) ? "active" : "" },
          cell(`v${versionOf(v)}`),
          h("td", {}, stateBadge(isActive(v) ? "active" : v.status ?? "")),
          cell(fmtTime(v.created_at)),
          cell(v.vectors ?? v.vector_count),
          cell(v.documents ?? v.document_count),
          cell(v.model),
          cell(v.dim),
          h("td", {}, h("code", {}, String(v.checksum ?? "").slice(0, 12))),
          h("td", {}, actionFor(v, activeVersion)),
        ),
      ),
    );
  }

  async function load() {
    const answer = await guarded(panel, () => api("/api/admin/index"));
    if (answer === undefined) return;
    versions = rowsOf(answer, "versions").sort((a, b) => versionOf(b) - versionOf(a));
    render();
  }

  async function activate(version) {
    replace(status, `activating v${version}…`);
    const done = await guarded(panel, () => api(`/api/admin/index/${encodeURIComponent(version)}/activate`, { method: "POST" }));
    replace(status, done === undefined ? "" : `v${version} is now active`);
    await load();
  }

  const rebuild = $("#rebuild");
  rebuild.hidden = !manage;
  rebuild.addEventListener("click", async () => {
    rebuild.disabled = true;
    const job = await guarded(panel, () => api("/api/admin/index/rebuild", { method: "POST" }));
    rebuild.disabled = false;
    if (job !== undefined) replace(status, `build job ${job.job_id ?? ""} started; see Tasks`);
  });

  return {
    show: load,
    hide() {},
    event(name, data) {
      if (name === "index_swapped") {
        replace(status, `index swapped to v${data.version ?? data.index_version ?? "?"}`);
        load();
      } else if (name === "task_update" && /index/.test(String(data.name ?? "")) && ["succeeded", "failed"].includes(data.state)) {
        load();
      }
    },
  };
}
