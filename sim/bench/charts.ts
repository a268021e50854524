/**
 * Charts as standalone SVG (no library: a few lines, points and whiskers), for the sweep's HTML report
 * and its .svg files. A point is a mean with its 95 % interval: the interval is drawn as a whisker with
 * caps and a light band between neighbouring points, so a reader sees where the curve is uncertain. A point
 * without an interval (an A/B's per-second figure) is a dot on its line.
 */

export interface ChartPoint {
  /** Index into the chart's x values. */
  x: number;
  mean: number;
  /** The 95 % interval; absent for a single figure (an A/B's per second), drawn as a dot on its line. */
  lo?: number;
  hi?: number;
}

export interface ChartSeries {
  name: string;
  points: ChartPoint[];
  /** Drawn dashed, so a line that lies on an earlier one still shows. */
  dashed?: boolean;
}

export interface Chart {
  title: string;
  xLabel: string;
  yLabel: string;
  /** The varied setting's values, in order: numbers are placed on a linear axis, anything else evenly. */
  xs: readonly (number | string)[];
  series: ChartSeries[];
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];
const W = 640;
const H = 380;
const M = { left: 70, right: 20, top: 40, bottom: 90 };

/** Text for SVG and HTML. */
export const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Round numbers for an axis from 0 (or below, if needed) to above max: about five ticks. */
function ticks(min: number, max: number): number[] {
  const span = max - min || Math.abs(max) || 1;
  const step0 = span / 5;
  const mag = 10 ** Math.floor(Math.log10(step0));
  const step = [1, 2, 2.5, 5, 10].map((f) => f * mag).find((s) => s >= step0)!;
  const out: number[] = [];
  for (let v = Math.floor(min / step) * step; v <= max + step * 1e-9; v += step) out.push(Math.round(v / step) * step);
  if (out[out.length - 1] < max) out.push(out[out.length - 1] + step);
  return out;
}

const label = (v: number) => (Math.abs(v) >= 1000 ? v.toLocaleString('en-US') : String(Math.round(v * 1000) / 1000));

export function svgChart(c: Chart): string {
  const numeric = c.xs.every((x) => typeof x === 'number');
  const xNums = c.xs.map(Number);
  const [x0, x1] = numeric ? [Math.min(...xNums), Math.max(...xNums)] : [0, Math.max(1, c.xs.length - 1)];
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const px = (i: number) => M.left + (x1 === x0 ? pw / 2 : (((numeric ? xNums[i] : i) - x0) / (x1 - x0)) * pw);
  const all = c.series.flatMap((s) => s.points.flatMap((p) => [p.lo ?? p.mean, p.hi ?? p.mean, p.mean]));
  const yt = ticks(Math.min(0, ...all), Math.max(...all, 0));
  const [y0, y1] = [yt[0], yt[yt.length - 1]];
  const py = (v: number) => M.top + ph - ((v - y0) / (y1 - y0 || 1)) * ph;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${esc(c.title)}</text>`,
  ];
  for (const v of yt) {
    out.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${py(v)}" y2="${py(v)}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${M.left - 6}" y="${py(v) + 4}" text-anchor="end">${label(v)}</text>`);
  }
  c.xs.forEach((x, i) => {
    out.push(`<line x1="${px(i)}" x2="${px(i)}" y1="${M.top + ph}" y2="${M.top + ph + 5}" stroke="#333"/>`);
    out.push(`<text x="${px(i)}" y="${M.top + ph + 18}" text-anchor="middle">${esc(String(x))}</text>`);
  });
  out.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${M.top + ph}" y2="${M.top + ph}" stroke="#333"/>`);
  out.push(`<line x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${M.top + ph}" stroke="#333"/>`);
  out.push(`<text x="${M.left + pw / 2}" y="${M.top + ph + 38}" text-anchor="middle">${esc(c.xLabel)}</text>`);
  out.push(`<text transform="translate(16 ${M.top + ph / 2}) rotate(-90)" text-anchor="middle">${esc(c.yLabel)}</text>`);
  c.series.forEach((s, k) => {
    const color = COLORS[k % COLORS.length];
    const pts = [...s.points].sort((a, b) => a.x - b.x);
    if (pts.length > 1) {
      if (pts.every((p) => p.lo !== undefined && p.hi !== undefined)) {
        const band = [...pts.map((p) => `${px(p.x)},${py(p.hi as number)}`), ...[...pts].reverse().map((p) => `${px(p.x)},${py(p.lo as number)}`)].join(' ');
        out.push(`<polygon points="${band}" fill="${color}" fill-opacity="0.12" stroke="none"/>`);
      }
      out.push(`<polyline points="${pts.map((p) => `${px(p.x)},${py(p.mean)}`).join(' ')}" fill="none" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
    }
    for (const p of pts) {
      const x = px(p.x);
      const { lo, hi } = p;
      if (lo !== undefined && hi !== undefined) {
        out.push(`<line x1="${x}" x2="${x}" y1="${py(lo)}" y2="${py(hi)}" stroke="${color}" stroke-width="1.5"/>`);
        out.push(`<line x1="${x - 5}" x2="${x + 5}" y1="${py(lo)}" y2="${py(lo)}" stroke="${color}" stroke-width="1.5"/>`);
        out.push(`<line x1="${x - 5}" x2="${x + 5}" y1="${py(hi)}" y2="${py(hi)}" stroke="${color}" stroke-width="1.5"/>`);
      }
      const value = lo !== undefined && hi !== undefined ? `${label(p.mean)} [${label(lo)}, ${label(hi)}]` : label(p.mean);
      out.push(`<circle cx="${x}" cy="${py(p.mean)}" r="3.5" fill="${color}"><title>${esc(`${s.name} at ${c.xs[p.x]}: ${value}`)}</title></circle>`);
    }
    // legend under the axis title, in rows of three
    const lx = M.left + (k % 3) * 190;
    const ly = M.top + ph + 58 + Math.floor(k / 3) * 16;
    out.push(`<rect x="${lx}" y="${ly - 9}" width="14" height="10" fill="${color}"/>`);
    out.push(`<text x="${lx + 20}" y="${ly}">${esc(s.name)}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
