// A minimal observable store: the app keeps one state object, views subscribe with a selector and
// re-render only when what they selected changes (compared with Object.is).
import { useEffect, useReducer, useRef } from 'preact/hooks';

export class Store<T extends object> {
  private listeners = new Set<() => void>();
  constructor(private state: T) {}

  get(): T {
    return this.state;
  }

  set(patch: Partial<T> | ((s: T) => Partial<T>)): void {
    const next = typeof patch === 'function' ? patch(this.state) : patch;
    this.state = { ...this.state, ...next };
    for (const l of this.listeners) l();
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

export function useStore<T extends object, S>(store: Store<T>, select: (s: T) => S): S {
  const [, rerender] = useReducer((n: number) => n + 1, 0);
  const value = select(store.get());
  const selectRef = useRef(select);
  const valueRef = useRef(value);
  selectRef.current = select;
  valueRef.current = value;
  useEffect(
    () =>
      store.subscribe(() => {
        if (!Object.is(selectRef.current(store.get()), valueRef.current)) rerender(0);
      }),
    [store],
  );
  return value;
}
