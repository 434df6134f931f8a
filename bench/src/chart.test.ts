import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { chartSvg, renderChart } from './chart.js';

/** The x of each median line, in series order (the 3-px-wide line of each box). */
const medians = (svg: string) =>
  [
    ...svg.matchAll(
      /<line x1="([\d.]+)" y1="[\d.]+" x2="\1" y2="[\d.]+" stroke="[^"]+" stroke-width="3"/g,
    ),
  ].map((m) => Number(m[1]));

describe('latency chart', () => {
  it('draws one box per series, with medians placed in proportion', () => {
    const svg = chartSvg(
      [
        { name: 'ours', values: [1000, 1100, 1200] },
        { name: 'peer', values: [4000, 4100, 4200] },
      ],
      'v2v',
    );
    assert.match(svg, />p50 1100</);
    assert.match(svg, />p50 4100</);
    assert.equal((svg.match(/<circle /g) ?? []).length, 6, 'every sample is a dot');
    const [ours, peer] = medians(svg);
    assert.ok(ours! > 0 && peer! > ours!, `medians at ${ours}, ${peer}`);
    // The axis starts at 0, so the distances from its origin keep the ratio of the medians.
    const origin = 130;
    const ratio = (ours! - origin) / (peer! - origin);
    assert.ok(Math.abs(ratio - 1100 / 4100) < 0.01, `ratio ${ratio}`);
  });

  it('leaves out a series without samples, and escapes names', () => {
    const svg = chartSvg(
      [
        { name: 'a<b', values: [500] },
        { name: 'empty', values: [] },
      ],
      't',
    );
    assert.match(svg, /a&lt;b/);
    assert.doesNotMatch(svg, />empty</);
  });

  it('writes a PNG and the SVG beside it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'chart-'));
    const png = join(dir, 'out', 'latency.png');
    renderChart(png, [{ name: 'ours', values: [900, 1000] }], 'v2v');
    assert.deepEqual([...readFileSync(png).subarray(1, 4)], [...Buffer.from('PNG')]);
    assert.ok(existsSync(join(dir, 'out', 'latency.svg')));
  });
});
