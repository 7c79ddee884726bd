// Rendering an advice answer: text with clickable [n] citation markers, the sources,
// the computed figures and the amortisation chart. Everything from the server is text.

import { amortizationChart } from "./charts.js";
import { $, fmtMoney, fmtNumber, fmtPercent, h, replace } from "./dom.js";

const MARKER = /\[(\d+)\]/g;
const RATIOS = new Set(["dti_front", "dti_back", "ltv", "down_payment_pct", "payment_to_income"]);
const NOT_MONEY = new Set(["credit_score", "payoff_months", "term_years", "interest_rate"]);
const LABELS = {
  dti_front: "Front-end DTI",
  dti_back: "Back-end DTI",
  ltv: "Loan-to-value",
  pmi_monthly: "PMI (monthly)",
};

function label(key) {
  return LABELS[key] || key.replaceAll("_", " ").replace(/^./, (c) => c.toUpperCase());
}

function formatMetric(key, value) {
  if (typeof value !== "number") return String(value);
  if (RATIOS.has(key)) return fmtPercent(value);
  if (key === "interest_rate") return `${fmtNumber(value)}%`;
  if (key === "term_years") return `${value} years`;
  if (key === "payoff_months") return `${value} months`;
  if (NOT_MONEY.has(key)) return fmtNumber(value);
  return fmtMoney(value);
}

export class AnswerView {
  constructor() {
    this.citations = new Map();
    this.text = "";
    this.pending = false;
  }

  reset() {
    this.citations = new Map();
    this.text = "";
    for (const id of ["answer", "citations", "metrics", "assumptions", "risk", "amortization"]) {
      replace($(`#${id}`));
    }
    replace($("#disclaimer"));
    replace($("#meta"));
    $("#passage").hidden = true;
    $("#numbers").hidden = true;
    $("#amortization-block").hidden = true;
    $("#result").hidden = false;
  }

  setCitations(list) {
    this.citations = new Map((list || []).map((c) => [Number(c.n), c]));
    const items = [...this.citations.values()].map((c) =>
      h(
        "li",
        { id: `source-${c.n}`, value: c.n },
        h("strong", {}, c.title || "untitled"),
        c.section ? h("span", { class: "section" }, ` — ${c.section}`) : null,
        typeof c.score === "number" ? h("span", { class: "score" }, ` (score ${c.score.toFixed(2)})`) : null,
        h("blockquote", {}, c.snippet || ""),
      ),
    );
    replace($("#citations"), items);
    this.renderText();
  }

  appendText(piece) {
    this.text += piece;
    this.scheduleRender();
  }

  setText(text) {
    this.text = text;
    this.renderText();
  }

  scheduleRender() {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.renderText();
    });
  }

  renderText() {
    const parts = [];
    let last = 0;
    for (const match of this.text.matchAll(MARKER)) {
      const n = Number(match[1]);
      if (!this.citations.has(n)) continue;
      parts.push(this.text.slice(last, match.index));
      parts.push(
        h(
          "button",
          { type: "button", class: "cite", "data-n": n, title: this.citations.get(n).title || "", onclick: () => this.showPassage(n) },
          `[${n}]`,
        ),
      );
      last = match.index + match[0].length;
    }
    parts.push(this.text.slice(last));
    replace($("#answer"), parts);
  }

  showPassage(n) {
    const citation = this.citations.get(n);
    if (!citation) return;
    const aside = $("#passage");
    replace(
      aside,
      h("button", { type: "button", class: "close", "aria-label": "Close", onclick: () => (aside.hidden = true) }, "×"),
      h("h3", {}, `[${n}] `, citation.title || "untitled"),
      citation.section ? h("p", { class: "section" }, citation.section) : null,
      h("blockquote", {}, citation.snippet || ""),
      citation.source ? h("p", { class: "meta" }, `source: ${citation.source}`) : null,
    );
    aside.hidden = false;
    for (const li of $("#citations").children) li.classList.toggle("active", li.id === `source-${n}`);
  }

  setNumbers({ metrics, assumptions, risk, amortization }) {
    if (metrics && Object.keys(metrics).length) {
      const rows = Object.entries(metrics).flatMap(([key, value]) => [
        h("dt", {}, label(key)),
        h("dd", { "data-key": key }, formatMetric(key, value)),
      ]);
      replace($("#metrics"), rows);
      $("#numbers").hidden = false;
    }
    if (assumptions) replace($("#assumptions"), assumptions.map((a) => h("li", {}, a)));
    if (risk) {
      replace(
        $("#risk"),
        h("p", {}, "Risk tier: ", h("strong", {}, risk.tier)),
        h("ul", {}, (risk.reasons || []).map((r) => h("li", {}, r))),
      );
    }
    if (amortization && amortization.length) {
      $("#amortization-block").hidden = false;
      $("#numbers").hidden = false;
      amortizationChart($("#amortization"), amortization);
    }
  }

  finish(response) {
    if (response.citations) this.setCitations(response.citations);
    this.setText(response.advice || this.text);
    this.setNumbers(response);
    replace($("#disclaimer"), response.disclaimer || "");
    const bits = [
      response.provider && `provider ${response.provider}`,
      response.index_version !== null && response.index_version !== undefined && `index v${response.index_version}`,
      typeof response.latency_ms === "number" && `${Math.round(response.latency_ms)} ms`,
      response.cached && "cached",
      response.request_id && `request ${response.request_id}`,
    ].filter(Boolean);
    replace($("#meta"), bits.join(" · "));
  }
}
