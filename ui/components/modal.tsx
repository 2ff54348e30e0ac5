// Dialogs: a modal frame, and `useConfirm` for the "are you sure" step every destructive action
// takes (requeue, cancel, purge, delete, force stop).
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { Icon } from './common.js';

export function Modal({
  title,
  onClose,
  children,
  footer,
  wide,
  testid,
}: {
  title: string;
  onClose: () => void;
  children: ComponentChildren;
  footer?: ComponentChildren;
  wide?: boolean;
  testid?: string;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const close = useRef(onClose);
  close.current = onClose;
  // Once, when the dialog opens: a parent that re-renders (live data arriving) passes a new
  // onClose each time, and focusing again then moved the caret out of the field being typed in.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && close.current();
    window.addEventListener('keydown', onKey);
    ref.current?.querySelector<HTMLElement>('input:not(:disabled), select, textarea, button.primary')?.focus();
    return () => window.removeEventListener('keydown', onKey);
  }, []);
  return (
    <div class="modal-backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div class={`modal ${wide ? 'modal-wide' : ''}`} role="dialog" aria-modal="true" aria-label={title} ref={ref} data-testid={testid}>
        <header class="modal-head">
          <h2>{title}</h2>
          <button class="icon-button" onClick={onClose} aria-label="Close">
            <Icon name="close" />
          </button>
        </header>
        <div class="modal-body">{children}</div>
        {footer && <footer class="modal-foot">{footer}</footer>}
      </div>
    </div>
  );
}

export interface ConfirmOptions {
  title: string;
  body: ComponentChildren;
  confirm: string;
  danger?: boolean;
}

export function useConfirm(): [ComponentChildren, (o: ConfirmOptions) => Promise<boolean>] {
  const [pending, setPending] = useState<(ConfirmOptions & { resolve: (ok: boolean) => void }) | null>(null);
  const ask = (o: ConfirmOptions) => new Promise<boolean>((resolve) => setPending({ ...o, resolve }));
  const done = (ok: boolean) => {
    pending?.resolve(ok);
    setPending(null);
  };
  const element = pending ? (
    <Modal
      title={pending.title}
      onClose={() => done(false)}
      testid="confirm"
      footer={
        <>
          <button onClick={() => done(false)}>Cancel</button>
          <button class={pending.danger ? 'danger' : 'primary'} onClick={() => done(true)} data-testid="confirm-ok">
            {pending.confirm}
          </button>
        </>
      }
    >
      {pending.body}
    </Modal>
  ) : null;
  return [element, ask];
}
