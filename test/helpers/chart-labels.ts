import type { Page } from 'playwright-core';

/** A chart's axis labels as drawn, with the boxes they take in CSS pixels from the chart's left edge. */
export interface DrawnLabels {
  readonly chartWidth: number;
  readonly plotLeft: number;
  readonly y: { text: string; left: number; right: number }[];
  readonly x: { text: string; left: number; right: number }[];
}

/**
 * The y and x labels of every uPlot chart on the page: the texts the chart drew (its data-*-labels
 * attributes), measured in the page with the chart's own font, placed where uPlot puts them (y
 * labels end a tick and a gap left of the plot, x labels are centred on their tick).
 */
export async function drawnLabels(page: Page): Promise<DrawnLabels[]> {
  return page.evaluate(MEASURE) as Promise<DrawnLabels[]>;
}

/** Runs in the page (plain JavaScript: the tests are type-checked without the DOM library). */
const MEASURE = `(() => {
  const ctx = document.createElement('canvas').getContext('2d');
  return [...document.querySelectorAll('[data-testid="time-chart"]')].map((box) => {
    const over = box.querySelector('.u-over');
    const canvas = box.querySelector('canvas');
    if (over === null || canvas === null) throw new Error('a chart without its plot');
    ctx.font = box.dataset.axisFont ?? '';
    const plotLeft = over.offsetLeft;
    const offset = Number(box.dataset.labelOffset);
    const y = JSON.parse(box.dataset.yLabels ?? '[]').filter((t) => t !== '').map((text) => {
      const w = ctx.measureText(text).width;
      return { text, left: plotLeft - offset - w, right: plotLeft - offset };
    });
    const x = JSON.parse(box.dataset.xLabels ?? '[]').map(([text, centre]) => {
      const w = ctx.measureText(text).width;
      return { text, left: centre - w / 2, right: centre + w / 2 };
    });
    return { chartWidth: canvas.getBoundingClientRect().width, plotLeft, y, x };
  });
})()`;

/** The labels that do not fit inside their chart (empty when none is clipped). */
export function clippedLabels(charts: readonly DrawnLabels[]): string[] {
  const out: string[] = [];
  for (const c of charts) {
    for (const l of c.y) if (l.left < 0) out.push(`y "${l.text}" starts at ${l.left.toFixed(1)} px`);
    for (const l of c.x) if (l.left < 0 || l.right > c.chartWidth) out.push(`x "${l.text}" spans ${l.left.toFixed(1)}–${l.right.toFixed(1)} px of ${c.chartWidth}`);
  }
  return out;
}
