/**
 * Hand-written SVG charts of the comparison, one line or bar per policy:
 * - `renderSweepChart`: two panels side by side over a sweep's values (evenly spaced): p95
 *   turnaround / ideal on a log scale (1 = the cold-start bound), and replica-seconds;
 * - `renderSummaryChart`: the same two figures as horizontal bars for one run (the headline
 *   and a user's trace).
 * prescaler is drawn thicker; the other policies keep one colour each across every chart.
 */
import { niceCeil } from './chart.js';
import type { Summary } from './metrics.js';
import type { Sweep } from './sweeps.js';

const PALETTE = ['#8e7cc3', '#cc0000', '#e69138', '#3d85c6', '#6aa84f', '#c27ba0', '#111111', '#999999'];
const FONT = 'font-family="sans-serif" font-size="11"';

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function colorOf(names: readonly string[], name: string): string {
  return PALETTE[names.indexOf(name) % PALETTE.length] ?? '#000000';
}

interface Panel {
  readonly left: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
}

/** Log-scale ticks 0.5, 1, 2, 5, 10 ... covering [low, high]. */
function logTicks(low: number, high: number): number[] {
  const ticks: number[] = [];
  for (let power = -1; power <= 3; power++) {
    for (const step of [1, 2, 5]) {
      const tick = step * 10 ** power;
      if (tick >= low * 0.999 && tick <= high * 1.001) ticks.push(tick);
    }
  }
  return ticks;
}

export function renderSweepChart(sweep: Sweep, title: string): string {
  const names = [...(sweep.points[0]?.summaries.keys() ?? [])];
  const width = 1000;
  const height = 420;
  const panels: Panel[] = [
    { left: 60, top: 60, width: 380, height: 280 },
    { left: 560, top: 60, width: 380, height: 280 },
  ];
  const values = sweep.points.map((p) => p.value);
  const x = (panel: Panel, i: number) =>
    panel.left + (values.length === 1 ? panel.width / 2 : (i / (values.length - 1)) * panel.width);
  const ratios = sweep.points.flatMap((p) => [...p.summaries.values()].map((s) => s.p95Ratio));
  const low = Math.min(0.5, ...ratios.filter((r) => r > 0));
  const high = niceCeil(Math.max(2, ...ratios));
  const yRatio = (v: number) =>
    panels[0]!.top + panels[0]!.height * (1 - Math.log(v / low) / Math.log(high / low));
  const costMax = niceCeil(
    Math.max(...sweep.points.flatMap((p) => [...p.summaries.values()].map((s) => s.replicaSeconds))),
  );
  const yCost = (v: number) => panels[1]!.top + panels[1]!.height * (1 - v / costMax);

  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ${FONT}>`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="60" y="24" font-size="15" font-weight="bold">${escape(title)}</text>`,
  ];
  const frame = (panel: Panel, heading: string) => {
    parts.push(
      `<text x="${panel.left}" y="${panel.top - 10}" font-weight="bold">${escape(heading)}</text>`,
      `<rect x="${panel.left}" y="${panel.top}" width="${panel.width}" height="${panel.height}" fill="none" stroke="#cccccc"/>`,
    );
    values.forEach((value, i) => {
      const tx = x(panel, i).toFixed(1);
      parts.push(`<text x="${tx}" y="${panel.top + panel.height + 15}" text-anchor="middle">${value}</text>`);
    });
    parts.push(
      `<text x="${panel.left + panel.width / 2}" y="${panel.top + panel.height + 32}" text-anchor="middle">${escape(sweep.spec.axis)}</text>`,
    );
  };
  const [ratioPanel, costPanel] = panels as [Panel, Panel];
  frame(ratioPanel, 'p95 turnaround / ideal (log scale; 1 = cold-start bound)');
  for (const tick of logTicks(low, high)) {
    const gy = yRatio(tick).toFixed(1);
    parts.push(
      `<line x1="${ratioPanel.left}" y1="${gy}" x2="${ratioPanel.left + ratioPanel.width}" y2="${gy}" stroke="${tick === 1 ? '#999999' : '#eeeeee'}"/>`,
      `<text x="${ratioPanel.left - 6}" y="${gy}" text-anchor="end" dy="4">${tick}</text>`,
    );
  }
  frame(costPanel, 'replica-seconds');
  for (let k = 0; k <= 4; k++) {
    const gy = yCost((costMax * k) / 4).toFixed(1);
    parts.push(
      `<line x1="${costPanel.left}" y1="${gy}" x2="${costPanel.left + costPanel.width}" y2="${gy}" stroke="#eeeeee"/>`,
      `<text x="${costPanel.left - 6}" y="${gy}" text-anchor="end" dy="4">${Math.round((costMax * k) / 4 / 1000)}k</text>`,
    );
  }
  for (const name of names) {
    const color = colorOf(names, name);
    const stroke = name === 'prescaler' ? 3 : 1.5;
    const dash = name === 'prescaler-unranked' ? ' stroke-dasharray="5 3"' : '';
    const line = (panel: Panel, y: (v: number) => number, pick: (s: Summary) => number) =>
      sweep.points
        .map((p, i) => {
          const s = p.summaries.get(name);
          return s === undefined ? '' : `${x(panel, i).toFixed(1)},${y(pick(s)).toFixed(1)}`;
        })
        .filter((pair) => pair !== '')
        .join(' ');
    parts.push(
      `<polyline fill="none" stroke="${color}" stroke-width="${stroke}"${dash} points="${line(ratioPanel, yRatio, (s) => Math.max(low, s.p95Ratio))}"/>`,
      `<polyline fill="none" stroke="${color}" stroke-width="${stroke}"${dash} points="${line(costPanel, yCost, (s) => s.replicaSeconds)}"/>`,
    );
  }
  names.forEach((name, i) => {
    const lx = 60 + (i % 4) * 230;
    const ly = height - 22 + (i < 4 ? -14 : 0);
    parts.push(
      `<line x1="${lx}" y1="${ly - 4}" x2="${lx + 22}" y2="${ly - 4}" stroke="${colorOf(names, name)}" stroke-width="${name === 'prescaler' ? 3 : 1.5}"/>`,
      `<text x="${lx + 28}" y="${ly}">${escape(name)}</text>`,
    );
  });
  parts.push('</svg>', '');
  return parts.join('\n');
}

export function renderSummaryChart(title: string, summaries: ReadonlyMap<string, Summary>): string {
  const names = [...summaries.keys()];
  const rowHeight = 22;
  const top = 60;
  const height = top + names.length * rowHeight + 40;
  const width = 1000;
  const label = 150;
  const barWidth = 300;
  const panels = [
    { left: label + 10, heading: 'p95 turnaround / ideal', pick: (s: Summary) => s.p95Ratio, digits: 2 },
    {
      left: label + 10 + barWidth + 180,
      heading: 'replica-seconds',
      pick: (s: Summary) => s.replicaSeconds,
      digits: 0,
    },
  ];
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ${FONT}>`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="10" y="24" font-size="15" font-weight="bold">${escape(title)}</text>`,
  ];
  for (const panel of panels) {
    const max = niceCeil(Math.max(...[...summaries.values()].map(panel.pick).filter(Number.isFinite)));
    parts.push(`<text x="${panel.left}" y="${top - 10}" font-weight="bold">${panel.heading}</text>`);
    names.forEach((name, i) => {
      const s = summaries.get(name) as Summary;
      const value = panel.pick(s);
      const y = top + i * rowHeight;
      const w = Number.isFinite(value) ? (value / max) * barWidth : 0;
      if (panel === panels[0])
        parts.push(`<text x="${label}" y="${y + 14}" text-anchor="end">${escape(name)}</text>`);
      parts.push(
        `<rect x="${panel.left}" y="${y + 3}" width="${w.toFixed(1)}" height="${rowHeight - 6}" fill="${colorOf(names, name)}"/>`,
        `<text x="${(panel.left + w + 6).toFixed(1)}" y="${y + 14}">${Number.isFinite(value) ? value.toFixed(panel.digits) : '-'}</text>`,
      );
    });
  }
  parts.push('</svg>', '');
  return parts.join('\n');
}
