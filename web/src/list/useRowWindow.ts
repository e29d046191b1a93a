// Windowed rows for a long table: only the rows in sight (and a margin) are in the DOM, spacer rows stand for
// the others, so a thousand networks render and re-sort as fast as forty. The rows' height is measured from the
// rows rendered. Works whether the table scrolls in its box or the page scrolls (narrow screens).
import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import { FIRST_GUESS_PX, MARGIN_ROWS, type RowWindow, rowWindow, WINDOW_FROM } from './row-window';

/** Keeps the window of `count` rows in step with scrolling, resizing and the number of rows. */
export function useRowWindow(count: number): {
  window: RowWindow;
  boxRef: { current: HTMLDivElement | null };
  bodyRef: { current: HTMLTableSectionElement | null };
} {
  const boxRef = useRef<HTMLDivElement | null>(null);
  const bodyRef = useRef<HTMLTableSectionElement | null>(null);
  const rowPx = useRef(FIRST_GUESS_PX);
  const [range, setRange] = useState({ start: 0, end: 2 * MARGIN_ROWS });

  useLayoutEffect(() => {
    let frame = 0;
    const update = () => {
      frame = 0;
      const box = boxRef.current;
      const body = bodyRef.current;
      if (!box || !body || count <= WINDOW_FROM) return;
      // the average height of the rows in the DOM (spacers left out): rows with two subnets are taller
      const rows = body.querySelectorAll<HTMLTableRowElement>(':scope > tr:not(.spacer)');
      let sum = 0;
      for (const r of rows) sum += r.offsetHeight;
      if (sum > 0) rowPx.current = sum / rows.length;
      const next = rowWindow(
        count,
        rowPx.current,
        body.getBoundingClientRect(),
        box.getBoundingClientRect(),
        window.innerHeight,
      );
      setRange((r) =>
        r.start === next.start && r.end === next.end ? r : { start: next.start, end: next.end },
      );
    };
    const soon = () => {
      if (!frame) frame = requestAnimationFrame(update);
    };
    update();
    const box = boxRef.current;
    box?.addEventListener('scroll', soon, { passive: true });
    window.addEventListener('scroll', soon, { passive: true });
    window.addEventListener('resize', soon);
    return () => {
      if (frame) cancelAnimationFrame(frame);
      box?.removeEventListener('scroll', soon);
      window.removeEventListener('scroll', soon);
      window.removeEventListener('resize', soon);
    };
  }, [count, boxRef.current, bodyRef.current]);

  if (count <= WINDOW_FROM) return { window: { start: 0, end: count, before: 0, after: 0 }, boxRef, bodyRef };
  const end = Math.min(count, range.end);
  const start = Math.min(range.start, end);
  const px = rowPx.current;
  return { window: { start, end, before: start * px, after: (count - end) * px }, boxRef, bodyRef };
}
