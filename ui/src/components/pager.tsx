import { count } from '../format/numbers.js';

/** "51–100 of 1,234" with previous and next page buttons. */
export function Pager({ offset, shown, total, hasPrevious, hasNext, onPrevious, onNext }: {
  offset: number;
  shown: number;
  total: number;
  hasPrevious: boolean;
  hasNext: boolean;
  onPrevious: () => void;
  onNext: () => void;
}) {
  return (
    <nav class="pager" aria-label="Pages">
      <span data-testid="page-range">
        {shown === 0 ? `0 of ${count(total)}` : `${count(offset + 1)}–${count(offset + shown)} of ${count(total)}`}
      </span>
      <button type="button" class="small-button" disabled={!hasPrevious} onClick={onPrevious}>
        ‹ Previous
      </button>
      <button type="button" class="small-button" disabled={!hasNext} onClick={onNext}>
        Next ›
      </button>
    </nav>
  );
}
