/**
 * Moves the `k` smallest items (by `compare`) to the front of `items`, in no particular order, in
 * O(n) on average (quickselect with a median-of-three pivot). Mutates `items`; returns it.
 * Example: selectTop([5, 1, 4, 2, 3], 2, (a, b) => a - b) starts with 1 and 2.
 */
export function selectTop<T>(items: T[], k: number, compare: (a: T, b: T) => number): T[] {
  if (k <= 0 || k >= items.length) return items;
  let lo = 0;
  let hi = items.length - 1;
  const at = (i: number) => items[i] as T;
  const swap = (i: number, j: number) => {
    const t = items[i] as T;
    items[i] = items[j] as T;
    items[j] = t;
  };
  while (hi > lo) {
    const mid = lo + ((hi - lo) >> 1);
    // Median of three to hi.
    if (compare(at(mid), at(lo)) < 0) swap(mid, lo);
    if (compare(at(hi), at(lo)) < 0) swap(hi, lo);
    if (compare(at(mid), at(hi)) < 0) swap(mid, hi);
    const pivot = at(hi);
    let store = lo;
    for (let i = lo; i < hi; i++) {
      if (compare(at(i), pivot) < 0) swap(i, store++);
    }
    swap(store, hi);
    if (store === k || store === k - 1) return items;
    if (store > k) hi = store - 1;
    else lo = store + 1;
  }
  return items;
}

/**
 * The `k`-th largest of `values` (1-based; k = 1 is the largest), reordering `values` in place:
 * quickselect on plain numbers, several times faster than selecting objects with a comparator.
 * Example: kthLargest(Float64Array.of(5, 1, 4, 2, 3), 2) === 4.
 */
export function kthLargest(values: Float64Array, k: number): number {
  const target = values.length - Math.max(1, Math.min(k, values.length));
  let lo = 0;
  let hi = values.length - 1;
  while (hi > lo) {
    const pivot = median3(values[lo] as number, values[(lo + hi) >> 1] as number, values[hi] as number);
    let i = lo;
    let j = hi;
    while (i <= j) {
      while ((values[i] as number) < pivot) i++;
      while ((values[j] as number) > pivot) j--;
      if (i <= j) {
        const t = values[i] as number;
        values[i++] = values[j] as number;
        values[j--] = t;
      }
    }
    if (target <= j) hi = j;
    else if (target >= i) lo = i;
    else break;
  }
  return values[target] as number;
}

const median3 = (a: number, b: number, c: number): number => (a < b ? (b < c ? b : a < c ? c : a) : a < c ? a : b < c ? c : b);
