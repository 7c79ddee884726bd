// Users and roles: list, create, change role, (de)activate.

import { api } from "../api.js";
import { $, fmtTime, h, replace } from "../dom.js";
import { cell, guarded, panelNode, rowsOf } from "./common.js";

const ROLES = ["user", "financial_advisor", "admin", "super_admin"];

export function createUsersPanel() {
  const panel = panelNode("users");
  const body = $("#users-table tbody");
  const more = $("#users-more");
  const form = $("#user-form");
  let cursor = null;

  async function patch(user, change, control) {
    control.disabled = true;
    const updated = await guarded(panel, () => api(`/api/v1/users/${encodeURIComponent(user.id)}`, { method: "PATCH", json: change }));
    control.disabled = false;
    const tr = body.querySelector(`tr[data-user-id="${CSS.escape(String(user.id))}"]`);
    if (tr) tr.replaceWith(row(updated ?? user));
  }

  function row(user) {
    const role = h(
      "select",
      { "aria-label": `role of ${user.username}` },
      ROLES.map((r) => h("option", { value: r, selected: r === user.role }, r)),
    );
    role.addEventListener("change", () => patch(user, { role: role.value }, role));
    const active = h("input", { type: "checkbox", checked: Boolean(user.is_active), "aria-label": `${user.username} active` });
    active.addEventListener("change", () => patch(user, { is_active: active.checked }, active));
    return h(
      "tr",
      { "data-user-id": user.id },
      cell(user.id),
      h("td", { class: "username" }, user.username ?? ""),
      h("td", {}, role),
      h("td", {}, active),
      cell(fmtTime(user.created_at)),
    );
  }

  async function load(next = null) {
    const params = new URLSearchParams({ limit: "100" });
    if (next) params.set("cursor", next);
    const answer = await guarded(panel, () => api(`/api/v1/users?${params}`));
    if (answer === undefined) return;
    const rows = rowsOf(answer, "users").map(row);
    if (next) body.append(...rows);
    else replace(body, rows);
    cursor = answer.next_cursor ?? null;
    more.hidden = !cursor;
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const created = await guarded(panel, () =>
      api("/api/v1/users", {
        method: "POST",
        json: { username: data.get("username"), password: data.get("password"), role: data.get("role") },
      }),
    );
    if (created !== undefined) {
      form.reset();
      await load();
    }
  });
  more.addEventListener("click", () => cursor && load(cursor));

  return { show: () => load(), hide() {} };
}
