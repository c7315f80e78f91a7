/**
 * @module Small SVG charts for the generated reports: line charts and grouped bars, no library.
 */

const W = 560;
const H = 300;
const PAD = { left: 56, right: 130, top: 28, bottom: 44 };
const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#17becf"];

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;");
const fmt = (
  v: number,
) => (Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toFixed(3));

function frame(title: string, xLabel: string, yLabel: string, body: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="11">
<rect width="${W}" height="${H}" fill="white"/>
<text x="${W / 2 - PAD.right / 2}" y="16" text-anchor="middle" font-size="13">${esc(title)}</text>
<text x="${(PAD.left + W - PAD.right) / 2}" y="${H - 8}" text-anchor="middle">${esc(xLabel)}</text>
<text x="14" y="${(PAD.top + H - PAD.bottom) / 2}" text-anchor="middle" transform="rotate(-90 14 ${
    (PAD.top + H - PAD.bottom) / 2
  })">${esc(yLabel)}</text>
${body}
</svg>
`;
}

/** A line chart of named series of (x, y) points. */
export function lineChart(
  title: string,
  xLabel: string,
  yLabel: string,
  series: Array<{ name: string; points: Array<[number, number]> }>,
  options: { logX?: boolean } = {},
): string {
  const all = series.flatMap((s) => s.points);
  const tx = (x: number) => (options.logX ? Math.log2(x) : x);
  const xs = all.map(([x]) => tx(x));
  const ys = all.map(([, y]) => y);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  const [y0, y1] = [Math.min(...ys) * 0.95, Math.max(...ys) * 1.02];
  const px = (x: number) => PAD.left + ((tx(x) - x0) / (x1 - x0 || 1)) * (W - PAD.left - PAD.right);
  const py = (y: number) =>
    H - PAD.bottom - ((y - y0) / (y1 - y0 || 1)) * (H - PAD.top - PAD.bottom);
  let body = `<line x1="${PAD.left}" y1="${H - PAD.bottom}" x2="${W - PAD.right}" y2="${
    H - PAD.bottom
  }" stroke="#333"/>
<line x1="${PAD.left}" y1="${PAD.top}" x2="${PAD.left}" y2="${H - PAD.bottom}" stroke="#333"/>\n`;
  for (let i = 0; i <= 4; i++) {
    const y = y0 + ((y1 - y0) * i) / 4;
    body += `<text x="${PAD.left - 4}" y="${py(y) + 4}" text-anchor="end">${fmt(y)}</text>\n`;
  }
  const ticks = [...new Set(all.map(([x]) => x))].sort((a, b) => a - b);
  const step = Math.max(1, Math.ceil(ticks.length / 8));
  for (const x of ticks.filter((_, i) => i % step === 0 || i === ticks.length - 1)) {
    body += `<text x="${px(x)}" y="${H - PAD.bottom + 14}" text-anchor="middle">${fmt(x)}</text>\n`;
  }
  for (const [i, s] of series.entries()) {
    const color = COLORS[i % COLORS.length];
    const pts = s.points.map(([x, y]) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(" ");
    body += `<polyline fill="none" stroke="${color}" stroke-width="2" points="${pts}"/>\n`;
    for (const [x, y] of s.points) {
      body += `<circle cx="${px(x).toFixed(1)}" cy="${
        py(y).toFixed(1)
      }" r="2.5" fill="${color}"/>\n`;
    }
    body += `<text x="${W - PAD.right + 8}" y="${PAD.top + 14 * i + 8}" fill="${color}">${
      esc(s.name)
    }</text>\n`;
  }
  return frame(title, xLabel, yLabel, body);
}

/** Grouped bars: one group per category, one bar per series, values in [0, max]. */
export function barChart(
  title: string,
  yLabel: string,
  categories: string[],
  series: Array<{ name: string; values: number[] }>,
  max = 1,
): string {
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const group = plotW / categories.length;
  const bar = (group * 0.8) / series.length;
  let body = `<line x1="${PAD.left}" y1="${H - PAD.bottom}" x2="${W - PAD.right}" y2="${
    H - PAD.bottom
  }" stroke="#333"/>\n`;
  for (let i = 0; i <= 4; i++) {
    const v = (max * i) / 4;
    const y = H - PAD.bottom - (v / max) * plotH;
    body += `<line x1="${PAD.left}" y1="${y}" x2="${W - PAD.right}" y2="${y}" stroke="#ddd"/>
<text x="${PAD.left - 4}" y="${y + 4}" text-anchor="end">${fmt(v)}</text>\n`;
  }
  for (const [c, name] of categories.entries()) {
    const gx = PAD.left + c * group + group * 0.1;
    body += `<text x="${gx + group * 0.4}" y="${H - PAD.bottom + 14}" text-anchor="middle">${
      esc(name)
    }</text>\n`;
    for (const [s, ser] of series.entries()) {
      const v = Math.max(0, Math.min(max, ser.values[c] ?? 0));
      const h = (v / max) * plotH;
      body += `<rect x="${(gx + s * bar).toFixed(1)}" y="${
        (H - PAD.bottom - h).toFixed(1)
      }" width="${(bar - 1).toFixed(1)}" height="${h.toFixed(1)}" fill="${
        COLORS[s % COLORS.length]
      }"/>\n`;
    }
  }
  for (const [s, ser] of series.entries()) {
    body += `<text x="${W - PAD.right + 8}" y="${PAD.top + 14 * s + 8}" fill="${
      COLORS[s % COLORS.length]
    }">${esc(ser.name)}</text>\n`;
  }
  return frame(title, "", yLabel, body);
}
