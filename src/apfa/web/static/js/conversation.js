// Conversation mode of the advice page: the caller's threads (GET /api/v1/conversations),
// one thread's messages and what it knows (GET /api/v1/conversations/{id}), and where a
// message goes (POST /api/v1/conversations/{id}/messages, streamed like the advice
// stream). See docs/conversations.md.

import { api, describeError } from "./api.js";
import { $, fmtMoney, fmtNumber, h, replace } from "./dom.js";

const PATH = "/api/v1/conversations";
const SHOWN_CHARS = 600;

function listOf(value, one) {
  return Array.isArray(value) ? value.map(one).join(", ") : one(value);
}

/** A fact's value as a person reads it, by its kind (advice/facts.py). */
export function formatFact(fact) {
  const value = fact.value;
  switch (fact.kind) {
    case "money":
      return fmtMoney(value);
    case "percent":
      return `${fmtNumber(value)}%`;
    case "months":
      return `${fmtNumber(value)} months`;
    case "years":
      return `${fmtNumber(value)} years`;
    case "list":
      return listOf(value, (v) => (fact.name.includes("month") ? `${v} months` : `${fmtNumber(v)}%`));
    case "debts":
      return listOf(value, (d) => `${fmtMoney(d.balance)} at ${fmtNumber(d.apr)}%`);
    default:
      return typeof value === "number" ? fmtNumber(value) : String(value);
  }
}

function shorten(text) {
  return text.length > SHOWN_CHARS ? `${text.slice(0, SHOWN_CHARS - 1)}…` : text;
}

/** What a message says in the transcript: an answer by its direct answer when it has one. */
function said(message) {
  const response = message.response;
  return message.role === "assistant" && response && response.summary ? response.summary : message.content;
}

export class Conversations {
  constructor() {
    this.current = null;
    this.threads = [];
  }

  status(text) {
    replace($("#threads-status"), text);
  }

  /** The caller's threads, newest first. */
  async load() {
    try {
      const page = await api(`${PATH}?limit=50`);
      this.threads = page.items;
      this.status(page.items.length ? "" : "No conversations yet.");
    } catch (error) {
      this.threads = [];
      this.status(describeError(error));
    }
    this.renderList();
  }

  renderList() {
    const items = this.threads.map((t) =>
      h(
        "li",
        {},
        h(
          "button",
          {
            type: "button",
            class: t.id === this.current ? "current" : "",
            "data-id": t.id,
            onclick: () => this.open(t.id),
          },
          t.title || "Untitled",
          " ",
          h("span", { class: "turns" }, `(${t.turns} ${t.turns === 1 ? "turn" : "turns"})`),
        ),
      ),
    );
    replace($("#conversation-list"), items);
  }

  /** Start afresh: the next message opens a new thread. */
  reset() {
    this.current = null;
    replace($("#thread-title"), "New conversation");
    replace($("#transcript"));
    replace($("#known-facts"));
    $("#known-block").hidden = true;
    $("#thread-hint").hidden = false;
    this.renderList();
  }

  clear() {
    this.threads = [];
    this.reset();
    this.status("Sign in to see your conversations.");
  }

  async open(id) {
    try {
      this.show(await api(`${PATH}/${id}`));
    } catch (error) {
      this.status(describeError(error));
    }
  }

  show(thread) {
    this.current = thread.id;
    replace($("#thread-title"), thread.title || "Untitled");
    $("#thread-hint").hidden = thread.messages.length > 0;
    replace(
      $("#transcript"),
      thread.messages.map((m) => h("li", { class: m.role, "data-id": m.id }, shorten(said(m)))),
    );
    replace(
      $("#known-facts"),
      thread.facts.flatMap((fact) => [
        h("dt", {}, fact.label),
        h("dd", { "data-name": fact.name }, formatFact(fact)),
      ]),
    );
    $("#known-block").hidden = thread.facts.length === 0;
    this.renderList();
  }

  /** The thread the next message goes to, created when there is none. */
  async messagesPath() {
    if (this.current === null) {
      const created = await api(PATH, { method: "POST", json: {} });
      this.current = created.id;
    }
    return `${PATH}/${this.current}/messages`;
  }

  /** Re-read the open thread and the list after a turn. */
  async refresh() {
    if (this.current !== null) await this.open(this.current);
    await this.load();
  }
}
