import type uPlot from 'uplot';
import { axisLabels } from '../format/compact.js';

const pad = (n: number): string => String(n).padStart(2, '0');

/** The font of the axis labels: drawn on the canvas and measured with it. */
export const AXIS_FONT = '12px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
/** uPlot's tick length and gap between tick and label (its defaults, set explicitly so sizes add up). */
export const TICK_PX = 6;
export const GAP_PX = 5;

/** A time as the x axis and the tooltip write it: local 24-hour time, the date too for hour buckets. */
export function timeText(ms: number, stepMs: number): string {
  const d = new Date(ms);
  const hm = `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  return stepMs >= 3_600_000 ? `${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${hm}` : hm;
}

/** Axis labels in local time; `stepMs` is the bucket size. */
export function timeLabels(stepMs: number): (u: uPlot, splits: number[]) => string[] {
  return (_u, splits) => splits.map((s) => timeText(s * 1000, stepMs));
}

/** Count labels, compact when large ("5.5M"), with the decimals the tick step needs. */
export function countLabels(_u: uPlot, splits: number[], _axis: number, _space: number, incr: number): string[] {
  return axisLabels(splits, incr);
}

let measurer: CanvasRenderingContext2D | null | undefined;

/** The width in CSS pixels of `text` in AXIS_FONT (0 without a canvas). */
export function textWidth(text: string): number {
  if (measurer === undefined) measurer = document.createElement('canvas').getContext('2d');
  if (measurer === null) return text.length * 7;
  measurer.font = AXIS_FONT;
  return measurer.measureText(text).width;
}

/** The y axis' width: its widest label plus tick, gap and a little air (uPlot asks again while laying out). */
export function yAxisSize(_u: uPlot, values: string[] | undefined): number {
  const widest = (values ?? []).reduce((w, v) => Math.max(w, textWidth(v)), textWidth('0'));
  return Math.ceil(widest) + TICK_PX + GAP_PX + 6;
}
