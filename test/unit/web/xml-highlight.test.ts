// The XML editor's tokenizer: its tokens join back to the text (the overlay lines up with the textarea), and tags,
// attributes, values and comments get their kinds, unfinished documents included.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { highlightXml } from '../../../web/src/xml-highlight.js';

describe('XML highlighting', () => {
  it('tokens join back to the document', () => {
    for (const xml of [
      '<network>\n  <name>a</name>\n  <bridge name=\'vb0\' stp="on"/>\n</network>\n',
      '<?xml version="1.0"?>\n<!-- c --><a x=\'1\'>&amp; text</a>',
      "<network>\n  <bridge name='vb0'\n</network>\n",
      '<a b="unterminated',
      '',
    ])
      assert.equal(
        highlightXml(xml)
          .map((t) => t.text)
          .join(''),
        xml,
      );
  });

  it('names the kinds', () => {
    const kinds = highlightXml("<!-- c --><bridge name='vb0'/>&amp;").map((t) => `${t.kind}:${t.text}`);
    assert.deepEqual(kinds, [
      'comment:<!-- c -->',
      'tag:<bridge',
      'text: ',
      'attr:name',
      'text:=',
      "value:'vb0'",
      'tag:/>',
      'entity:&amp;',
    ]);
  });
});
