// The console shell: sign in, read the user's permissions, show only the panels the
// role may use, open the real-time channel for the rooms it may join, route events.

import { describeError, logout, me, onSessionChange, session } from "../api.js";
import { $, h, replace } from "../dom.js";
import { renderLogin } from "../login.js";
import { Realtime } from "../realtime.js";
import { createAuditPanel } from "./audit.js";
import { createDocumentsPanel } from "./documents.js";
import { createIndexPanel } from "./index_versions.js";
import { createMarketPanel } from "./market.js";
import { createMetricsPanel } from "./metrics.js";
import { createQueuesPanel } from "./queues.js";
import { createTasksPanel } from "./tasks.js";
import { createUsersPanel } from "./users.js";

const FACTORIES = {
  tasks: createTasksPanel,
  queues: createQueuesPanel,
  index: createIndexPanel,
  market: createMarketPanel,
  documents: createDocumentsPanel,
  metrics: createMetricsPanel,
  users: createUsersPanel,
  audit: createAuditPanel,
};
const ROOM_PERMISSIONS = {
  "celery:tasks": "admin:celery:view",
  index: "admin:celery:view",
  metrics: "admin:metrics:view",
};

// Panels attach listeners to the workspace's forms; signing out swaps in a clean copy so
// that the next user starts without the last one's listeners or rows.
const PRISTINE = $("#workspace").cloneNode(true);
let realtime = null;
let live = false;
let panels = {};
let currentPanel = null;

function setLive(state, detail = "") {
  live = state === "live";
  const badge = $("#live");
  badge.className = `live ${state}`;
  badge.title = detail || "real-time channel";
  replace(badge, state);
}

function showPanel(name) {
  if (!panels[name]) return;
  if (currentPanel && currentPanel !== name) {
    panels[currentPanel].hide();
    $(`#panel-${currentPanel}`).hidden = true;
  }
  currentPanel = name;
  $(`#panel-${name}`).hidden = false;
  for (const button of $("#nav").querySelectorAll("button")) {
    button.classList.toggle("current", button.dataset.panel === name);
  }
  if (location.hash !== `#${name}`) history.replaceState(null, "", `#${name}`);
  panels[name].show();
}

function renderAccount(user) {
  replace(
    $("#account"),
    h("span", { id: "whoami" }, user.username),
    " ",
    h("span", { class: "badge role", id: "role" }, user.role),
    " ",
    h("a", { href: "/" }, "Advice"),
    " ",
    h("button", { type: "button", class: "secondary", id: "signout", onclick: () => logout() }, "Sign out"),
  );
}

/** After a 403: re-read the user and hide what the (new) role may no longer use. */
async function recheckPermissions() {
  let user;
  try {
    user = await me();
  } catch {
    return;
  }
  const granted = new Set(user.permissions || []);
  renderAccount(user);
  for (const button of $("#nav").querySelectorAll("button[data-permission]")) {
    button.hidden = !granted.has(button.dataset.permission);
  }
}

function teardown() {
  if (realtime) realtime.close();
  realtime = null;
  if (currentPanel && panels[currentPanel]) panels[currentPanel].hide();
  panels = {};
  currentPanel = null;
  $("#workspace").replaceWith(PRISTINE.cloneNode(true));
  setLive("offline");
}

async function start() {
  let user;
  try {
    user = await me();
  } catch (error) {
    showLogin(describeError(error));
    return;
  }
  const granted = new Set(user.permissions || []);
  const ctx = { user, can: (p) => granted.has(p), isLive: () => live };
  renderAccount(user);
  $("#login-area").hidden = true;
  for (const node of document.querySelectorAll("[data-permission]")) {
    node.hidden = !granted.has(node.dataset.permission) || node.classList.contains("panel");
  }
  const allowed = Object.keys(FACTORIES).filter((name) => ctx.can($(`#panel-${name}`).dataset.permission));
  if (!allowed.length) {
    $("#workspace").hidden = true;
    const notice = $("#no-access");
    notice.hidden = false;
    replace(notice, `Your role (${user.role}) has no console permissions. `, h("a", { href: "/" }, "Ask for advice instead."));
    return;
  }
  $("#no-access").hidden = true;
  $("#workspace").hidden = false;
  $("#nav").addEventListener("click", (event) => {
    const button = event.target.closest("button[data-panel]");
    if (button) showPanel(button.dataset.panel);
  });
  panels = Object.fromEntries(allowed.map((name) => [name, FACTORIES[name](ctx)]));
  const rooms = Object.keys(ROOM_PERMISSIONS).filter((room) => ctx.can(ROOM_PERMISSIONS[room]));
  if (rooms.length) {
    setLive("connecting");
    realtime = new Realtime({
      rooms,
      onStatus: setLive,
      onEvent: (name, data) => {
        for (const panel of Object.values(panels)) if (panel.event) panel.event(name, data);
      },
    });
  }
  const wanted = location.hash.slice(1);
  showPanel(allowed.includes(wanted) ? wanted : allowed[0]);
}

function showLogin(message = "") {
  teardown();
  $("#workspace").hidden = true;
  $("#no-access").hidden = true;
  replace($("#account"));
  const area = $("#login-area");
  area.hidden = false;
  renderLogin(area, { message, onSignedIn: start });
}

window.addEventListener("apfa:forbidden", () => {
  if (session() && currentPanel) recheckPermissions();
});
onSessionChange((next) => {
  if (!next) showLogin("Your session has ended. Sign in again.");
});
if (session()) start();
else showLogin();
