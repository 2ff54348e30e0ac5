// Small building blocks used on every screen.
import type { ComponentChildren } from 'preact';
import { useLayoutEffect, useRef } from 'preact/hooks';
import type { HealthStatus, TaskState } from '../../shared/protocol/models.js';

export function StatusDot({
  status,
  title,
}: {
  status: HealthStatus | 'running' | 'stopped' | 'failed' | 'starting' | 'stopping';
  title?: string;
}) {
  return <span class={`dot dot-${status}`} title={title ?? status} aria-label={title ?? status} role="img" />;
}

export function StateBadge({ state }: { state: TaskState }) {
  return <span class={`badge state-${state}`}>{state}</span>;
}

export function Panel({
  title,
  actions,
  children,
  class: cls,
  testid,
}: {
  title?: ComponentChildren;
  actions?: ComponentChildren;
  children: ComponentChildren;
  class?: string;
  testid?: string;
}) {
  return (
    <section class={`panel ${cls ?? ''}`} data-testid={testid}>
      {(title || actions) && (
        <header class="panel-head">
          <h2>{title}</h2>
          <div class="panel-actions">{actions}</div>
        </header>
      )}
      <div class="panel-body">{children}</div>
    </section>
  );
}

export function Empty({ title, children }: { title: string; children?: ComponentChildren }) {
  return (
    <div class="empty">
      <p class="empty-title">{title}</p>
      {children && <div class="empty-body">{children}</div>}
    </div>
  );
}

export function Stat({
  label,
  value,
  hint,
  tone,
  testid,
}: {
  label: string;
  value: ComponentChildren;
  hint?: string;
  tone?: string;
  testid?: string;
}) {
  return (
    <div class={`stat ${tone ? `tone-${tone}` : ''}`} title={hint} data-testid={testid}>
      <div class="stat-value">{value}</div>
      <div class="stat-label">{label}</div>
    </div>
  );
}

export function Field({
  label,
  error,
  help,
  children,
  htmlFor,
}: {
  label: string;
  error?: string;
  help?: string;
  children: ComponentChildren;
  htmlFor?: string;
}) {
  return (
    <div class={`field ${error ? 'has-error' : ''}`}>
      <label for={htmlFor}>{label}</label>
      {children}
      {error ? (
        <div class="field-error" role="alert">
          {error}
        </div>
      ) : help ? (
        <div class="field-help">{help}</div>
      ) : null}
    </div>
  );
}

export function Banner({ kind, children, testid }: { kind: 'warning' | 'error' | 'info'; children: ComponentChildren; testid?: string }) {
  return (
    <div class={`banner banner-${kind}`} role={kind === 'error' ? 'alert' : 'status'} data-testid={testid}>
      {children}
    </div>
  );
}

/** Line icons (inline SVG elements are DOM, not inline script or style: CSP-safe). */
export function Icon({ name }: { name: keyof typeof ICONS }) {
  return (
    <svg class="icon" viewBox="0 0 24 24" aria-hidden="true">
      <path d={ICONS[name]} />
    </svg>
  );
}

const ICONS = {
  profiles: 'M4 6h16M4 12h16M4 18h10',
  queues: 'M4 5h16v4H4zM4 11h16v4H4zM4 17h16v3H4z',
  schedules: 'M12 3a9 9 0 100 18 9 9 0 000-18zM12 7v5l3 2',
  enqueue: 'M12 4v12M6 10l6 6 6-6M4 20h16',
  workers: 'M12 3v3M12 18v3M3 12h3M18 12h3M6 6l2 2M16 16l2 2M6 18l2-2M16 8l2-2M12 9a3 3 0 110 6 3 3 0 010-6z',
  health: 'M3 12h4l3-7 4 14 3-7h4',
  bench: 'M5 20V10M12 20V4M19 20v-7',
  ha: 'M12 3l8 4v6c0 4-3.5 7-8 8-4.5-1-8-4-8-8V7z',
  theme: 'M12 3a9 9 0 100 18 9 9 0 000-18zM12 3v18',
  close: 'M6 6l12 12M18 6L6 18',
  menu: 'M4 6h16M4 12h16M4 18h16',
};

/**
 * A table's frame that keeps every column in view: when the table would be wider than the space
 * it has (a narrow window, the task drawer open), each row becomes a card whose cells wrap and
 * are labelled by their `data-label`, instead of columns hiding behind a sideways scroll. The
 * table's own width is measured, so no breakpoint has to guess how wide its content is.
 */
export function TableWrap({ children, testid }: { children: ComponentChildren; testid?: string }) {
  const ref = useRef<HTMLDivElement>(null);
  useLayoutEffect(() => {
    const wrap = ref.current;
    if (!wrap) return;
    const fit = () => {
      const table = wrap.querySelector('table');
      if (!table) return;
      delete wrap.dataset.fit;
      if (table.scrollWidth > wrap.clientWidth + 1) wrap.dataset.fit = 'cards';
    };
    fit();
    // Only a change of width matters (the card switch itself changes the height).
    let width = wrap.clientWidth;
    const resize = new ResizeObserver(() => {
      if (wrap.clientWidth === width) return;
      width = wrap.clientWidth;
      fit();
    });
    resize.observe(wrap);
    const content = new MutationObserver(fit);
    content.observe(wrap, { childList: true, subtree: true, characterData: true });
    return () => {
      resize.disconnect();
      content.disconnect();
    };
  }, []);
  return (
    <div class="table-wrap" ref={ref} data-testid={testid}>
      {children}
    </div>
  );
}
