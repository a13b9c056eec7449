import { useState } from 'preact/hooks';
import type { SeriesPair } from '../../../common/api/v1.js';
import { count } from '../format/numbers.js';
import { TimeChart } from './time-chart.js';

/** The per-minute (2 h) or per-hour (7 d) series of a service or error, with a toggle between them. */
export function SeriesChart({ series, label }: { series: SeriesPair | null | undefined; label: string }) {
  const [span, setSpan] = useState<'minutes' | 'hours'>('minutes');
  const chosen = series?.[span];
  const total = (chosen?.values ?? []).reduce((s, v) => s + (Number.isFinite(v) ? v : 0), 0);
  return (
    <div class="series">
      <div class="series-head">
        <span class="muted">
          {count(total)} {span === 'minutes' ? 'in the last 2 hours, per minute' : 'in the last 7 days, per hour'}
        </span>
        <div class="segmented small" role="group" aria-label="Time window">
          <button type="button" aria-pressed={span === 'minutes'} onClick={() => setSpan('minutes')}>
            2 hours
          </button>
          <button type="button" aria-pressed={span === 'hours'} onClick={() => setSpan('hours')}>
            7 days
          </button>
        </div>
      </div>
      <TimeChart series={chosen} label={label} />
    </div>
  );
}
