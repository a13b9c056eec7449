import { z } from 'zod';
import { MAX_DATE_MS } from '../time.js';

/**
 * A time in ms since the epoch, as every wire shape and on-disk format holds it: an integer from 0
 * (unknown) to the last instant a JavaScript Date can hold (year 275760), so whatever formats it later
 * (`new Date(ms).toISOString()`) cannot throw.
 */
export const MsSchema = z.number().int().nonnegative().max(MAX_DATE_MS);

/** A cumulative count: a finite non-negative integer a double holds exactly (DESIGN section 8). */
export const CountSchema = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
