/**
 * A column header that sorts by its field (a button: Tab, Enter); a second press reverses the order.
 * `first` is the order a column starts in when chosen.
 */
export function SortHeader<F extends string>({ field, label, sort, order, first, onSort, num = false }: {
  field: F;
  label: string;
  sort: F;
  order: 'asc' | 'desc';
  first: 'asc' | 'desc';
  onSort: (sort: F, order: 'asc' | 'desc') => void;
  num?: boolean;
}) {
  const active = sort === field;
  const next = active ? (order === 'desc' ? 'asc' : 'desc') : first;
  return (
    <th scope="col" class={num ? 'num' : ''} aria-sort={active ? (order === 'desc' ? 'descending' : 'ascending') : 'none'}>
      <button type="button" class={`sort${active ? ' sort-active' : ''}`} data-sort={field} onClick={() => onSort(field, next)} title={`Sort by ${label.toLowerCase()}, ${next === 'desc' ? 'largest or newest' : 'smallest, oldest or A–Z'} first`}>
        {label}
        <span aria-hidden="true">{active ? (order === 'desc' ? ' ▾' : ' ▴') : ''}</span>
      </button>
    </th>
  );
}
