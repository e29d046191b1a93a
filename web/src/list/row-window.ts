// Which rows of a long table are rendered: those in sight and a margin; spacer rows stand for the others. Pure.

/** Below this many rows every row is rendered (find-in-page sees them all, and nothing is estimated). */
export const WINDOW_FROM = 150;
export const MARGIN_ROWS = 20;
export const FIRST_GUESS_PX = 41;

export interface RowWindow {
  start: number;
  end: number;
  /** Heights of the spacer rows before and after the rendered ones. */
  before: number;
  after: number;
}

/** The part of `count` rows, in a tbody (`body`) that scrolls in `box` or in the page, that is to be rendered. */
export function rowWindow(
  count: number,
  rowPx: number,
  body: { top: number },
  box: { top: number; bottom: number },
  viewport: number,
): RowWindow {
  if (count <= WINDOW_FROM) return { start: 0, end: count, before: 0, after: 0 };
  const from = Math.max(0, Math.max(box.top, 0) - body.top);
  const to = Math.max(from, Math.min(box.bottom, viewport) - body.top);
  const start = Math.min(count, Math.max(0, Math.floor(from / rowPx) - MARGIN_ROWS));
  const end = Math.min(count, Math.ceil(to / rowPx) + MARGIN_ROWS);
  return { start, end, before: start * rowPx, after: (count - end) * rowPx };
}
