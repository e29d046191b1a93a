// The list's row window: every row of a short list, the rows in sight and a margin of a long one, with spacers
// whose heights stand for the rest, in a scrolled box or a scrolled page.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MARGIN_ROWS, rowWindow, WINDOW_FROM } from '../../../web/src/list/row-window.js';

describe('row window', () => {
  it('renders every row of a short list', () => {
    assert.deepEqual(rowWindow(WINDOW_FROM, 40, { top: -4000 }, { top: 100, bottom: 600 }, 800), {
      start: 0,
      end: WINDOW_FROM,
      before: 0,
      after: 0,
    });
  });

  it('renders the rows in sight and a margin at the top of a long list; the spacer after stands for the rest', () => {
    // box from 100 to 600 on screen, the body starts right below its 40 px header: 460 px of rows in sight
    const w = rowWindow(1000, 40, { top: 140 }, { top: 100, bottom: 600 }, 800);
    assert.equal(w.start, 0);
    assert.equal(w.end, Math.ceil(460 / 40) + MARGIN_ROWS);
    assert.equal(w.before, 0);
    assert.equal(w.after, (1000 - w.end) * 40);
  });

  it('follows the scroll position, and the spacers add up to the rows left out', () => {
    // scrolled by 20000 px: rows 496.. are at the box's top
    const w = rowWindow(1000, 40, { top: 140 - 20000 }, { top: 100, bottom: 600 }, 800);
    assert.equal(w.start, Math.floor(19960 / 40) - MARGIN_ROWS);
    assert.equal(w.end, Math.ceil(20460 / 40) + MARGIN_ROWS);
    assert.equal(w.before + (w.end - w.start) * 40 + w.after, 1000 * 40);
    // at the very end the last row is rendered
    const last = rowWindow(1000, 40, { top: 600 - 40000 }, { top: 100, bottom: 600 }, 800);
    assert.equal(last.end, 1000);
    assert.equal(last.after, 0);
  });

  it('uses the part of the box inside the viewport when the page scrolls (no box height of its own)', () => {
    // a box as tall as its table (narrow screens), the page scrolled so the body starts 10000 px above the top
    const w = rowWindow(1000, 50, { top: -10000 }, { top: -10040, bottom: 40000 }, 700);
    assert.equal(w.start, 200 - MARGIN_ROWS);
    assert.equal(w.end, Math.ceil(10700 / 50) + MARGIN_ROWS);
  });
});
