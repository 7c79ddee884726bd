// Building DOM from data without ever parsing data as HTML: every string becomes a text
// node or an attribute value, so filenames, usernames and event payloads stay text.

const SVG_NS = "http://www.w3.org/2000/svg";

function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

function setProps(node, props) {
  for (const [key, value] of Object.entries(props || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.setAttribute("class", value);
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key.startsWith("on") && typeof value === "function") {
      node.addEventListener(key.slice(2), value);
    } else if (key === "value" || key === "checked" || key === "selected") node[key] = value;
    else node.setAttribute(key, value === true ? "" : String(value));
  }
}

/** h("td", {class: "x"}, "text", otherNode) -> an element; strings become text nodes. */
export function h(tag, props, ...children) {
  const node = document.createElement(tag);
  setProps(node, props);
  append(node, children);
  return node;
}

/** The same for SVG elements (charts). */
export function s(tag, props, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  setProps(node, props);
  append(node, children);
  return node;
}

export function replace(node, ...children) {
  node.replaceChildren();
  append(node, children);
  return node;
}

export function $(selector, root = document) {
  const node = root.querySelector(selector);
  if (!node) throw new Error(`missing element ${selector}`);
  return node;
}

const money = new Intl.NumberFormat(undefined, { style: "currency", currency: "USD" });
const compactMoney = new Intl.NumberFormat(undefined, {
  style: "currency",
  currency: "USD",
  notation: "compact",
  maximumFractionDigits: 1,
});
const plain = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 });

export function fmtMoney(value) {
  return typeof value === "number" ? money.format(value) : String(value ?? "");
}

export function fmtMoneyShort(value) {
  return typeof value === "number" ? compactMoney.format(value) : String(value ?? "");
}

export function fmtNumber(value) {
  return typeof value === "number" ? plain.format(value) : String(value ?? "");
}

export function fmtPercent(fraction, digits = 1) {
  return typeof fraction === "number" ? `${(fraction * 100).toFixed(digits)}%` : "";
}

export function fmtSeconds(seconds) {
  if (typeof seconds !== "number" || !Number.isFinite(seconds) || seconds < 0) return "";
  if (seconds < 1) return `${Math.round(seconds * 1000)} ms`;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${Math.floor(seconds % 60)}s`;
  return `${Math.floor(minutes / 60)}h ${minutes % 60}m`;
}

export function fmtBytes(bytes) {
  if (typeof bytes !== "number") return "";
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

export function parseTime(value) {
  if (!value) return null;
  const ms = typeof value === "number" ? value * (value < 1e12 ? 1000 : 1) : Date.parse(value);
  return Number.isFinite(ms) ? ms : null;
}

export function fmtTime(value) {
  const ms = parseTime(value);
  return ms === null ? "" : new Date(ms).toLocaleString();
}
