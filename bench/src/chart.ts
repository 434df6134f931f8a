/**
 * The README's chart: latency distributions per system as box plots (p5-p95 whiskers,
 * quartile box, median line) with every sample as a dot, drawn as SVG and rendered to PNG.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Resvg } from '@resvg/resvg-js';
import { percentile } from '@voice-agent/e2e/stats';

export interface Series {
  name: string;
  values: number[];
}

const W = 900;
const ROW = 70;
const LEFT = 130;
const RIGHT = 40;
const TOP = 50;
const AXIS = 50;
const COLOURS = ['#1f77b4', '#d62728', '#ff7f0e', '#2ca02c', '#9467bd'];

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

export function chartSvg(series: Series[], title: string): string {
  const shown = series.filter((s) => s.values.length > 0);
  const max = Math.max(1, ...shown.flatMap((s) => s.values));
  const step = max > 4_000 ? 1_000 : max > 2_000 ? 500 : 250;
  const top = Math.ceil(max / step) * step;
  const H = TOP + ROW * shown.length + AXIS;
  const x = (v: number) => LEFT + ((W - LEFT - RIGHT) * v) / top;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="DejaVu Sans, sans-serif" font-size="13">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="28" text-anchor="middle" font-size="16">${esc(title)}</text>`,
  ];
  for (let v = 0; v <= top; v += step) {
    parts.push(
      `<line x1="${x(v)}" y1="${TOP - 10}" x2="${x(v)}" y2="${H - AXIS + 5}" stroke="#ddd"/>`,
      `<text x="${x(v)}" y="${H - AXIS + 22}" text-anchor="middle" fill="#444">${v}</text>`,
    );
  }
  shown.forEach((s, i) => {
    const cy = TOP + ROW * i + ROW / 2;
    const colour = COLOURS[i % COLOURS.length]!;
    const [p5, q1, med, q3, p95] = [5, 25, 50, 75, 95].map((p) => percentile(s.values, p));
    parts.push(
      `<text x="${LEFT - 10}" y="${cy + 5}" text-anchor="end">${esc(s.name)}</text>`,
      `<line x1="${x(p5!)}" y1="${cy}" x2="${x(p95!)}" y2="${cy}" stroke="${colour}" stroke-width="2"/>`,
      `<rect x="${x(q1!)}" y="${cy - 14}" width="${Math.max(1, x(q3!) - x(q1!))}" height="28" fill="${colour}" fill-opacity="0.25" stroke="${colour}"/>`,
      `<line x1="${x(med!)}" y1="${cy - 16}" x2="${x(med!)}" y2="${cy + 16}" stroke="${colour}" stroke-width="3"/>`,
      `<text x="${x(med!)}" y="${cy - 20}" text-anchor="middle" fill="${colour}">p50 ${Math.round(med!)}</text>`,
      ...s.values.map(
        (v, j) =>
          `<circle cx="${x(v)}" cy="${cy + ((j % 5) - 2) * 3}" r="2.5" fill="${colour}" fill-opacity="0.7"/>`,
      ),
    );
  });
  parts.push(
    `<text x="${(LEFT + W - RIGHT) / 2}" y="${H - 8}" text-anchor="middle" fill="#444">ms</text>`,
  );
  parts.push('</svg>');
  return parts.join('\n');
}

/** Writes the chart as a PNG at `path` (and the SVG beside it). */
export function renderChart(path: string, series: Series[], title: string): void {
  const svg = chartSvg(series, title);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path.replace(/\.png$/, '.svg'), svg);
  const png = new Resvg(svg, { font: { loadSystemFonts: true } }).render().asPng();
  writeFileSync(path, png);
}
