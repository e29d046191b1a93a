// A small menu button: opens a list of actions; Escape or a click elsewhere closes it; arrow keys move.
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';

export interface MenuItem {
  label: string;
  testid: string;
  danger?: boolean;
  onSelect: () => void;
}

export function Menu(props: {
  label: string;
  testid: string;
  items: MenuItem[];
  children?: ComponentChildren;
}) {
  const [open, setOpen] = useState(false);
  const ref = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (!open) return;
    const onDoc = (e: MouseEvent) => {
      if (ref.current && !ref.current.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener('mousedown', onDoc);
    ref.current?.querySelector<HTMLButtonElement>('[role=menuitem]')?.focus();
    return () => document.removeEventListener('mousedown', onDoc);
  }, [open]);
  const onKey = (e: KeyboardEvent) => {
    if (e.key === 'Escape') {
      setOpen(false);
      button.current?.focus();
      return;
    }
    if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return;
    e.preventDefault();
    const items = Array.from(ref.current?.querySelectorAll<HTMLButtonElement>('[role=menuitem]') ?? []);
    const i = items.indexOf(document.activeElement as HTMLButtonElement);
    const next = items[(i + (e.key === 'ArrowDown' ? 1 : items.length - 1)) % items.length];
    next?.focus();
  };
  return (
    <div class="menu" ref={ref}>
      <button
        type="button"
        ref={button}
        class="icon"
        aria-label={props.label}
        aria-haspopup="menu"
        aria-expanded={open}
        data-testid={props.testid}
        onClick={() => setOpen(!open)}
        onKeyDown={onKey}
      >
        {props.children ?? '⋯'}
      </button>
      {open && (
        <div class="menu-list" role="menu" aria-label={props.label} onKeyDown={onKey}>
          {props.items.map((it) => (
            <button
              key={it.testid}
              type="button"
              role="menuitem"
              class={it.danger ? 'danger' : undefined}
              data-testid={it.testid}
              onClick={() => {
                setOpen(false);
                it.onSelect();
              }}
            >
              {it.label}
            </button>
          ))}
        </div>
      )}
    </div>
  );
}
