// Helpers shared by the console panels.

import { describeError } from "../api.js";
import { $, h, replace } from "../dom.js";

/** Show an API error in the panel's alert line (401/403 spelled out), or clear it. */
export function showError(panel, error) {
  const line = panel.querySelector("[data-errors]");
  if (!line) return;
  replace(line, error ? describeError(error) : "");
  if (error && error.status) line.dataset.status = String(error.status);
  else delete line.dataset.status;
  // The role may have changed since sign-in: the shell re-reads the permissions.
  if (error && error.status === 403) window.dispatchEvent(new CustomEvent("apfa:forbidden"));
}

/** Run an action, showing its error in the panel; returns its result or undefined. */
export async function guarded(panel, action) {
  try {
    const result = await action();
    showError(panel, null);
    return result;
  } catch (error) {
    showError(panel, error);
    return undefined;
  }
}

/** The rows of a list answer, whatever its envelope: [..], {items}, or a named key. */
export function rowsOf(body, ...keys) {
  if (Array.isArray(body)) return body;
  if (!body || typeof body !== "object") return [];
  for (const key of ["items", ...keys]) {
    if (Array.isArray(body[key])) return body[key];
  }
  for (const key of keys) {
    const value = body[key];
    if (value && typeof value === "object") {
      return Object.entries(value).map(([name, row]) => ({ name, ...row }));
    }
  }
  return [];
}

/** A fraction 0..1 from a task's progress, or null when it has none. */
export function progressOf(progress) {
  if (typeof progress === "number") return progress > 1 ? progress / 100 : progress;
  if (!progress || typeof progress !== "object") return null;
  const total = progress.total ?? progress.of;
  const done = progress.done ?? progress.current ?? progress.completed ?? progress.processed;
  if (typeof total === "number" && total > 0 && typeof done === "number") {
    return Math.min(1, done / total);
  }
  if (typeof progress.percent === "number") return progress.percent / 100;
  if (typeof progress.fraction === "number") return progress.fraction;
  return null;
}

export function progressCell(progress, state = "") {
  // A job that reports no progress is still complete once it succeeded.
  const fraction = progressOf(progress) ?? (state === "succeeded" ? 1 : null);
  const text =
    progress && typeof progress === "object" && typeof progress.total === "number"
      ? `${progress.done ?? progress.current ?? progress.completed ?? 0}/${progress.total}`
      : fraction === null
        ? ""
        : `${Math.round(fraction * 100)}%`;
  const stage = progress && typeof progress === "object" ? progress.stage || progress.message : "";
  return h(
    "td",
    { class: "progress" },
    h("progress", { max: 1, value: fraction ?? 0, "aria-label": text || "no progress" }),
    h("span", {}, text),
    stage ? h("span", { class: "stage" }, ` ${stage}`) : null,
  );
}

export function stateBadge(state) {
  const value = String(state ?? "unknown");
  return h("span", { class: `badge state-${value.replace(/[^a-z_]/gi, "")}` }, value);
}

export function panelNode(name) {
  return $(`#panel-${name}`);
}

export function cell(value) {
  return h("td", {}, value === null || value === undefined ? "" : String(value));
}

/** Poll while `active()` holds; returns a stop function. */
export function every(ms, tick) {
  const timer = setInterval(tick, ms);
  return () => clearInterval(timer);
}
