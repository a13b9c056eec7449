import { Component, type ComponentChildren } from 'preact';

/**
 * A row component that renders again only when `same(previous, next)` is false: a live refresh
 * brings new objects for every row, and most are unchanged. `render` must not use hooks.
 */
export function memoRow<P extends object>(render: (props: P) => ComponentChildren, same: (a: P, b: P) => boolean): new (props: P) => Component<P> {
  return class MemoRow extends Component<P> {
    override shouldComponentUpdate(next: P): boolean {
      return !same(this.props, next);
    }

    override render(): ComponentChildren {
      return render(this.props);
    }
  };
}
