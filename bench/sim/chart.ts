/**
 * Hand-written SVG chart of one workload: a panel per policy, stacked, sharing the time axis.
 * Each panel draws pods (starting ones included: they cost money), Ready pods (left axis) and
 * the backlog of queued images (right axis) as step lines, with a tick at each batch arrival.
 */
import type { SeriesPoint, SimResult } from './metrics.js';
import { summarize } from './metrics.js';

const WIDTH = 960;
const PANEL = 190;
const GAP = 46;
const TOP = 64;
const LEFT = 56;
const RIGHT = 64;
const PLOT_W = WIDTH - LEFT - RIGHT;
const COLORS = { pods: '#1f5fbf', ready: '#6aa84f', queued: '#e69138', arrival: '#888888' };

/** The smallest of 1, 2, 2.5, 5 times a power of ten that is at least `value`. */
export function niceCeil(value: number): number {
  if (value <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * power >= value - 1e-9) return step * power;
  return 10 * power;
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Step-line points ("x,y x,y ..."), one pair per change, rounded and deduplicated. */
function stepPath(
  series: readonly SeriesPoint[],
  value: (p: SeriesPoint) => number,
  x: (t: number) => number,
  y: (v: number) => number,
): string {
  const out: string[] = [];
  let previous: number | undefined;
  const push = (px: number, py: number) => {
    const pair = `${px.toFixed(1)},${py.toFixed(1)}`;
    if (out.at(-1) !== pair) out.push(pair);
  };
  for (const point of series) {
    const px = x(point.t);
    if (previous !== undefined) push(px, y(previous));
    previous = value(point);
    push(px, y(previous));
  }
  return out.join(' ');
}

export function renderChart(title: string, results: readonly SimResult[]): string {
  const end = Math.max(...results.map((r) => r.endSeconds));
  const podMax = niceCeil(Math.max(...results.flatMap((r) => r.series.map((p) => p.pods))));
  const queueMax = niceCeil(Math.max(...results.flatMap((r) => r.series.map((p) => p.queued))));
  const minutes = end / 60;
  const tickEvery = [1, 2, 5, 10, 15, 20, 30, 60, 120].find((m) => minutes / m <= 10) ?? 240;
  const height = TOP + results.length * (PANEL + GAP);
  const x = (t: number) => LEFT + (t / end) * PLOT_W;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    `<text x="${LEFT}" y="22" font-size="15" font-weight="bold">${escape(title)}</text>`,
  ];
  const legend: Array<[string, string, string]> = [
    ['pods (starting included)', COLORS.pods, ''],
    ['Ready pods', COLORS.ready, '4 3'],
    ['queued images (right axis)', COLORS.queued, ''],
  ];
  legend.forEach(([label, color, dash], i) => {
    const lx = LEFT + i * 220;
    parts.push(
      `<line x1="${lx}" y1="42" x2="${lx + 24}" y2="42" stroke="${color}" stroke-width="2"${dash ? ` stroke-dasharray="${dash}"` : ''}/>`,
      `<text x="${lx + 30}" y="46">${label}</text>`,
    );
  });
  parts.push(
    `<line x1="${LEFT + 660}" y1="36" x2="${LEFT + 660}" y2="48" stroke="${COLORS.arrival}"/>`,
    `<text x="${LEFT + 666}" y="46">batch arrival</text>`,
  );

  results.forEach((result, i) => {
    const top = TOP + i * (PANEL + GAP) + 18;
    const bottom = top + PANEL - 18;
    const yPods = (v: number) => bottom - (v / podMax) * (bottom - top);
    const yQueue = (v: number) => bottom - (v / queueMax) * (bottom - top);
    const s = summarize(result);
    const heading = `${result.label} | p95 ${s.p95Seconds.toFixed(0)} s (${s.p95Ratio.toFixed(2)}x ideal), ${Math.round(s.replicaSeconds)} replica-s, ${s.interrupted} interrupted`;
    parts.push(
      `<text x="${LEFT}" y="${top - 6}" font-weight="bold">${escape(heading)}</text>`,
      `<rect x="${LEFT}" y="${top}" width="${PLOT_W}" height="${bottom - top}" fill="none" stroke="#cccccc"/>`,
    );
    for (let k = 0; k <= 4; k++) {
      const fraction = k / 4;
      const gy = bottom - fraction * (bottom - top);
      parts.push(
        `<line x1="${LEFT}" y1="${gy.toFixed(1)}" x2="${LEFT + PLOT_W}" y2="${gy.toFixed(1)}" stroke="#eeeeee"/>`,
        `<text x="${LEFT - 6}" y="${(gy + 4).toFixed(1)}" text-anchor="end" fill="${COLORS.pods}">${+(podMax * fraction).toFixed(1)}</text>`,
        `<text x="${LEFT + PLOT_W + 6}" y="${(gy + 4).toFixed(1)}" fill="${COLORS.queued}">${+(queueMax * fraction).toFixed(1)}</text>`,
      );
    }
    for (let m = 0; m <= minutes; m += tickEvery) {
      const tx = x(m * 60);
      parts.push(
        `<line x1="${tx.toFixed(1)}" y1="${bottom}" x2="${tx.toFixed(1)}" y2="${bottom + 4}" stroke="#999999"/>`,
        `<text x="${tx.toFixed(1)}" y="${bottom + 15}" text-anchor="middle">${m} min</text>`,
      );
    }
    for (const batch of result.batches) {
      const ax = x(batch.arrivedSeconds).toFixed(1);
      parts.push(
        `<line x1="${ax}" y1="${bottom}" x2="${ax}" y2="${bottom - 6}" stroke="${COLORS.arrival}"/>`,
      );
    }
    parts.push(
      `<polyline fill="none" stroke="${COLORS.queued}" stroke-width="1.2" points="${stepPath(result.series, (p) => p.queued, x, yQueue)}"/>`,
      `<polyline fill="none" stroke="${COLORS.ready}" stroke-width="1.2" stroke-dasharray="4 3" points="${stepPath(result.series, (p) => p.ready, x, yPods)}"/>`,
      `<polyline fill="none" stroke="${COLORS.pods}" stroke-width="1.6" points="${stepPath(result.series, (p) => p.pods, x, yPods)}"/>`,
    );
  });
  parts.push('</svg>', '');
  return parts.join('\n');
}
