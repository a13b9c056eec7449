import type { ComponentChildren } from 'preact';

/** A column heading: its text, right-aligned for numbers, with a tooltip when the text needs one. A plain string is a text column. */
export type Column = string | { readonly label: string; readonly num?: boolean; readonly title?: string };

/** A numbers column (right-aligned), with an optional tooltip. */
export const num = (label: string, title?: string): Column => (title === undefined ? { label, num: true } : { label, num: true, title });

/** A table of the `grid` style: one heading row of `columns`, then the rows given as children. */
export function GridTable({ testId, columns, children }: { testId: string; columns: readonly Column[]; children: ComponentChildren }) {
  return (
    <table class="grid" data-testid={testId}>
      <thead>
        <tr>
          {columns.map((c) =>
            typeof c === 'string' ? (
              <th key={c} scope="col">
                {c}
              </th>
            ) : (
              <th key={c.label} scope="col" class={c.num === true ? 'num' : undefined} title={c.title}>
                {c.label}
              </th>
            ),
          )}
        </tr>
      </thead>
      <tbody>{children}</tbody>
    </table>
  );
}
