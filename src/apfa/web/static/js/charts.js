// Small SVG charts: a rolling line chart for live metrics and stacked bars for an
// amortisation schedule. No chart library; labels are text nodes.

import { fmtMoney, fmtMoneyShort, replace, s } from "./dom.js";

const PAD = { left: 52, right: 10, top: 16, bottom: 22 };

function scale(domainMin, domainMax, rangeMin, rangeMax) {
  const span = domainMax - domainMin || 1;
  return (value) => rangeMin + ((value - domainMin) / span) * (rangeMax - rangeMin);
}

/** An empty chart of `width` x `height` user units with its y-axis labels drawn. */
function frame(label, width, height, top, bottom, format) {
  const svg = s("svg", { viewBox: `0 0 ${width} ${height}`, class: "chart", role: "img", "aria-label": label });
  const base = height - PAD.bottom;
  svg.append(
    s("text", { x: PAD.left - 6, y: PAD.top + 4, class: "axis", "text-anchor": "end" }, format(top)),
    s("text", { x: PAD.left - 6, y: base, class: "axis", "text-anchor": "end" }, format(bottom)),
    s("line", { x1: PAD.left, y1: base, x2: width - PAD.right, y2: base, class: "baseline" }),
  );
  return svg;
}

/**
 * A live line chart keeping the last `capacity` points of each series (one per API
 * process, say); call push(value, series) as values come.
 */
export class LiveChart {
  constructor(container, { label, format, capacity = 60, min = 0, max = null }) {
    Object.assign(this, { container, label, format, capacity, min, max });
    this.width = 360;
    this.height = 150;
    this.series = new Map();
    this.draw();
  }

  push(value, series = "") {
    if (typeof value !== "number" || !Number.isFinite(value)) return;
    const points = this.series.get(series) || [];
    points.push(value);
    if (points.length > this.capacity) points.shift();
    this.series.set(series, points);
    this.draw();
  }

  draw() {
    const { width, height } = this;
    const all = [...this.series.values()].flat();
    const top = this.max ?? Math.max(this.min + 1e-9, ...all) * 1.1;
    const svg = frame(this.label, width, height, top, this.min, this.format);
    const x = scale(0, this.capacity - 1, PAD.left, width - PAD.right);
    const y = scale(this.min, top, height - PAD.bottom, PAD.top);
    let index = 0;
    for (const [name, values] of this.series) {
      const offset = this.capacity - values.length;
      const coords = values.map((v, i) => [x(offset + i), y(v)]);
      const [lastX, lastY] = coords[coords.length - 1];
      svg.append(
        s(
          "polyline",
          { points: coords.map(([a, b]) => `${a.toFixed(1)},${b.toFixed(1)}`).join(" "), class: `series series-${index % 4}` },
          s("title", {}, name),
        ),
        s("circle", { cx: lastX.toFixed(1), cy: lastY.toFixed(1), r: 2.5, class: `dot series-${index % 4}` }),
      );
      index += 1;
    }
    const latest = [...this.series.values()].map((v) => this.format(v[v.length - 1]));
    const text = latest.length ? latest.join(" · ") : "no data yet";
    svg.append(s("text", { x: width - PAD.right, y: 11, class: "latest", "text-anchor": "end" }, text));
    replace(this.container, svg);
  }
}

/** Stacked principal/interest bars per year with the remaining balance as a line. */
export function amortizationChart(container, rows) {
  if (!rows || !rows.length) {
    replace(container);
    return;
  }
  const width = 640;
  const height = 220;
  const paid = Math.max(...rows.map((r) => r.principal + r.interest), 1);
  const balance = Math.max(...rows.map((r) => r.balance), 1);
  const svg = frame(
    "Amortisation by year: principal and interest paid, remaining balance",
    width,
    height,
    paid,
    0,
    fmtMoneyShort,
  );
  const band = (width - PAD.left - PAD.right) / rows.length;
  const base = height - PAD.bottom;
  const y = scale(0, paid, base, PAD.top);
  const yBalance = scale(0, balance, base, PAD.top);
  const points = [];
  rows.forEach((row, i) => {
    const left = PAD.left + i * band + band * 0.1;
    const barWidth = Math.max(band * 0.8, 1);
    const principalTop = y(row.principal);
    const interestTop = y(row.principal + row.interest);
    const tip = `Year ${row.year}: principal ${fmtMoney(row.principal)}, interest ${fmtMoney(row.interest)}, balance ${fmtMoney(row.balance)}`;
    svg.append(
      s("rect", { x: left, y: principalTop, width: barWidth, height: base - principalTop, class: "principal" }, s("title", {}, tip)),
      s("rect", { x: left, y: interestTop, width: barWidth, height: principalTop - interestTop, class: "interest" }, s("title", {}, tip)),
    );
    points.push(`${(left + barWidth / 2).toFixed(1)},${yBalance(row.balance).toFixed(1)}`);
    if (rows.length <= 15 || i % 5 === 0 || i === rows.length - 1) {
      svg.append(s("text", { x: left + barWidth / 2, y: height - 6, class: "axis", "text-anchor": "middle" }, String(row.year)));
    }
  });
  svg.append(s("polyline", { points: points.join(" "), class: "balance" }, s("title", {}, "remaining balance")));
  svg.append(s("text", { x: width - PAD.right, y: 11, class: "latest", "text-anchor": "end" }, `balance from ${fmtMoneyShort(balance)}`));
  replace(container, svg);
}
