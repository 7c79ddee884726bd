// Live charts fed by `metrics` events: request rate, p95 latency, cache hit rate.

import { LiveChart } from "../charts.js";
import { $, fmtNumber, fmtPercent } from "../dom.js";

const CAPACITY = 120;

function pick(data, names) {
  for (const name of names) {
    const value = data[name];
    if (typeof value === "number" && Number.isFinite(value)) return value;
  }
  return null;
}

export function createMetricsPanel() {
  const rate = new LiveChart($("#chart-rate"), {
    label: "requests per second",
    format: (v) => fmtNumber(Number(v.toFixed(2))),
    capacity: CAPACITY,
  });
  const p95 = new LiveChart($("#chart-p95"), {
    label: "p95 latency in milliseconds",
    format: (v) => `${fmtNumber(Math.round(v))} ms`,
    capacity: CAPACITY,
  });
  const cache = new LiveChart($("#chart-cache"), {
    label: "cache hit rate",
    format: (v) => fmtPercent(v, 0),
    capacity: CAPACITY,
    max: 1,
  });

  return {
    show() {},
    hide() {},
    event(name, data) {
      if (name !== "metrics") return;
      // Each API process publishes its own snapshot: one line per process.
      const process = String(data.process ?? "");
      rate.push(pick(data, ["requests_per_second", "request_rate"]), process);
      p95.push(pick(data, ["p95_latency_ms"]), process);
      cache.push(pick(data, ["cache_hit_rate"]), process);
    },
  };
}
