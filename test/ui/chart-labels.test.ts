import { describe, expect, it } from 'vitest';
import { clippedLabels } from '../helpers/chart-labels.js';

describe('clippedLabels (the browser tests’ check of axis labels)', () => {
  it('names a y label that starts left of the chart and an x label past either edge', () => {
    const chart = {
      chartWidth: 300,
      plotLeft: 40,
      y: [{ text: '5.5M', left: 2, right: 29 }, { text: '5,500,000', left: -22.5, right: 29 }],
      x: [{ text: '10:00', left: 40, right: 70 }, { text: '12:00', left: 280, right: 310 }, { text: '09:00', left: -3, right: 27 }],
    };
    expect(clippedLabels([chart])).toEqual(['y "5,500,000" starts at -22.5 px', 'x "12:00" spans 280.0–310.0 px of 300', 'x "09:00" spans -3.0–27.0 px of 300']);
    expect(clippedLabels([{ ...chart, y: [chart.y[0] as never], x: [chart.x[0] as never] }])).toEqual([]);
  });
});
