// An in-page confirmation (not window.confirm, so it is styled, keyboard-usable and testable).
import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';

export function ConfirmDialog(props: {
  title: string;
  confirmLabel: string;
  busy?: boolean;
  /** The confirm button's class (default danger) and test id (default confirm-yes). */
  confirmClass?: string;
  confirmTestId?: string;
  onConfirm: () => void;
  onCancel: () => void;
  children?: ComponentChildren;
}) {
  const cancel = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    const prev = document.activeElement as HTMLElement | null;
    cancel.current?.focus();
    return () => prev?.focus?.();
  }, []);
  return (
    <div class="backdrop">
      <div
        class="dialog"
        role="alertdialog"
        aria-modal="true"
        aria-labelledby="confirm-title"
        data-testid="confirm-dialog"
        onKeyDown={(e) => {
          if (e.key === 'Escape') props.onCancel();
        }}
      >
        <h2 id="confirm-title">{props.title}</h2>
        <div>{props.children}</div>
        <div class="actions">
          <button type="button" ref={cancel} data-testid="confirm-no" onClick={props.onCancel}>
            Cancel
          </button>
          <button
            type="button"
            class={props.confirmClass ?? 'danger'}
            data-testid={props.confirmTestId ?? 'confirm-yes'}
            disabled={props.busy}
            onClick={props.onConfirm}
          >
            {props.confirmLabel}
          </button>
        </div>
      </div>
    </div>
  );
}
