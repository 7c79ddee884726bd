// The advice page: sign in if needed, ask, and watch the answer stream in from
// POST /api/v1/advice/stream (events: citations, metrics, delta, reset, done, error;
// see docs/streaming.md). In conversation mode each message goes to a thread instead
// (POST /api/v1/conversations/{id}/messages, the same events; docs/conversations.md).

import { ApiError, api, describeError, logout, onSessionChange, session } from "./api.js";
import { AnswerView } from "./answer.js";
import { Conversations } from "./conversation.js";
import { $, h, replace } from "./dom.js";
import { renderLogin } from "./login.js";
import { readEvents } from "./sse.js";

const INTEGER_FIELDS = new Set(["credit_score", "term_years"]);
const view = new AnswerView();
const conversations = new Conversations();
let controller = null;
let pendingAsk = false;
let mode = "single";

function setStatus(text, kind = "") {
  const status = $("#status");
  status.className = `status ${kind}`;
  replace(status, text);
}

function renderAccount() {
  const current = session();
  const account = $("#account");
  if (!current) {
    replace(account, h("button", { type: "button", class: "secondary", id: "signin", onclick: () => showLogin() }, "Sign in"));
    return;
  }
  replace(
    account,
    h("span", { id: "whoami" }, current.username || "signed in"),
    " ",
    h("a", { href: "/admin" }, "Console"),
    " ",
    h("button", { type: "button", class: "secondary", id: "signout", onclick: () => logout() }, "Sign out"),
  );
}

function showLogin(message = "") {
  const area = $("#login-area");
  area.hidden = false;
  renderLogin(area, {
    message,
    onSignedIn: async () => {
      area.hidden = true;
      replace(area);
      if (pendingAsk) {
        pendingAsk = false;
        await ask();
      }
    },
  });
}

function profileFromForm() {
  const profile = {};
  for (const field of $("#profile").querySelectorAll("input, select")) {
    const raw = field.value.trim();
    if (!raw) continue;
    if (field.type === "number") {
      const number = INTEGER_FIELDS.has(field.name) ? Number.parseInt(raw, 10) : Number(raw);
      if (Number.isFinite(number)) profile[field.name] = number;
    } else profile[field.name] = raw;
  }
  return Object.keys(profile).length ? profile : undefined;
}

function handle(event) {
  const data = event.data;
  switch (event.event) {
    case "citations":
      view.setCitations(Array.isArray(data) ? data : data.citations);
      break;
    case "metrics":
      view.setNumbers(data && data.metrics ? data : { metrics: data });
      break;
    case "delta":
      view.appendText(typeof data === "string" ? data : data.text || "");
      break;
    case "reset":
      // The provider failed or its answer failed verification: the next one starts over.
      view.setText("");
      setStatus(`Retrying with another provider (${data.reason || "previous answer dropped"})…`, "busy");
      break;
    case "done":
      view.finish(data);
      return true;
    case "error":
      // The server failed after the stream began (errors before it are plain HTTP ones).
      throw new ApiError(500, data.error, data.detail || String(data), data.request_id);
    default:
      break;
  }
  return false;
}

function postForEvents(path, body, signal) {
  return api(path, {
    method: "POST",
    json: body,
    raw: true,
    signal,
    headers: { Accept: "text/event-stream" },
  });
}

async function readAnswer(response) {
  let done = false;
  for await (const event of readEvents(response)) {
    done = handle(event) || done;
  }
  if (!done) throw new Error("the answer stream ended early");
}

async function streamAnswer(body, signal) {
  let response;
  try {
    response = await postForEvents("/api/v1/advice/stream", body, signal);
  } catch (error) {
    // A server without the streaming endpoint still answers in one piece.
    if (error instanceof ApiError && (error.status === 404 || error.status === 405)) {
      view.finish(await api("/api/v1/advice", { method: "POST", json: body, signal }));
      return;
    }
    throw error;
  }
  await readAnswer(response);
}

async function converse(content, profile, signal) {
  const path = await conversations.messagesPath();
  await readAnswer(await postForEvents(path, { content, profile }, signal));
  $("#query").value = "";
  await conversations.refresh();
}

function setMode(next) {
  mode = next;
  const talking = mode === "conversation";
  for (const [id, on] of [["#mode-single", !talking], ["#mode-conversation", talking]]) {
    $(id).classList.toggle("current", on);
    $(id).setAttribute("aria-selected", String(on));
  }
  $("#conversation-panel").hidden = !talking;
  replace($("#query-label"), talking ? "Your message" : "Your question");
  replace($("#ask"), talking ? "Send" : "Ask");
  if (talking && session()) conversations.load();
  else if (talking) conversations.clear();
}

async function ask() {
  const query = $("#query").value;
  if (!query.trim()) return;
  if (!session()) {
    pendingAsk = true;
    showLogin("Sign in to ask a question.");
    return;
  }
  controller = new AbortController();
  $("#ask").disabled = true;
  $("#stop").hidden = false;
  view.reset();
  setStatus("Thinking…", "busy");
  try {
    if (mode === "conversation") await converse(query, profileFromForm(), controller.signal);
    else await streamAnswer({ query, profile: profileFromForm() }, controller.signal);
    setStatus("Done.", "ok");
  } catch (error) {
    if (error && error.name === "AbortError") setStatus("Stopped.");
    else {
      setStatus(describeError(error), "error");
      if (error instanceof ApiError && error.status === 401) {
        pendingAsk = true;
        showLogin(describeError(error));
      }
    }
  } finally {
    controller = null;
    $("#ask").disabled = false;
    $("#stop").hidden = true;
  }
}

$("#ask-form").addEventListener("submit", (event) => {
  event.preventDefault();
  ask();
});
$("#stop").addEventListener("click", () => controller && controller.abort());
$("#mode-single").addEventListener("click", () => setMode("single"));
$("#mode-conversation").addEventListener("click", () => setMode("conversation"));
$("#new-conversation").addEventListener("click", () => {
  conversations.reset();
  $("#result").hidden = true;
  $("#query").focus();
});
onSessionChange((current) => {
  renderAccount();
  if (mode !== "conversation") return;
  if (current) conversations.load();
  else conversations.clear();
});
renderAccount();
