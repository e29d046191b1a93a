// Variables of filters as libvirt's nwfilter_params.c has them: access syntax, parameter tables, and the
// combinations (virNWFilterVarCombIter) a rule is instantiated with.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isVirtError } from '../../../src/model/errors.js';
import {
  addParam,
  formatVarAccess,
  type ParamTable,
  parseVarAccess,
  sortedParams,
  varCombinations,
} from '../../../src/model/nwfilter-vars.js';

const table = (entries: Record<string, string[]>): ParamTable => new Map(Object.entries(entries));
const combos = (vars: ParamTable, ...access: string[]) =>
  varCombinations(vars, access.map(parseVarAccess)).map((c) => [...c.values()].join(' '));

describe('nwfilter variables', () => {
  test('access syntax: $A is $A[@0]; blanks inside brackets are allowed; bad forms refused', () => {
    assert.deepEqual(parseVarAccess('A'), { name: 'A', kind: 'iterator', iterId: 0 });
    assert.equal(formatVarAccess(parseVarAccess('B[  @0 ] ')), 'B');
    assert.equal(formatVarAccess(parseVarAccess('B[ @2 ]')), 'B[@2]');
    assert.equal(formatVarAccess(parseVarAccess('A[ 1 ] ')), 'A[1]');
    for (const [bad, msg] of [
      ['A[x]', 'invalid argument: Malformatted array index'],
      ['A[@x]', 'invalid argument: Malformatted iterator id'],
      ['A[@1001]', 'invalid argument: Iterator ID exceeds maximum ID of 1000'],
      ['A-B', 'invalid argument: Malformatted variable'],
    ] as const) {
      assert.throws(
        () => parseVarAccess(bad),
        (e: unknown) => isVirtError(e) && e.message === msg,
        bad,
      );
    }
  });

  test('a parameter given twice is a list; invalid names and values are skipped; printing sorts names', () => {
    const t: ParamTable = new Map();
    addParam(t, 'b', '1.2.3.10');
    addParam(t, 'a', '1.2.3.4');
    addParam(t, 'a', '1.2.3.5');
    addParam(t, 'bad name', 'x');
    addParam(t, 'c', 'has space');
    addParam(t, 'c', '');
    assert.deepEqual(sortedParams(t), [
      ['a', ['1.2.3.4', '1.2.3.5']],
      ['b', ['1.2.3.10']],
    ]);
  });

  test('variables under one iterator advance together; libvirt drops repeated pairs', () => {
    assert.deepEqual(combos(table({ A: ['1', '2', '3'], B: ['x', 'y', 'z'] }), 'A', 'B'), [
      '1 x',
      '2 y',
      '3 z',
    ]);
    // libvirt's own example: [1,2,1] with [1,3,1] gives (1,1), (2,3) — the third pair repeats the first
    assert.deepEqual(combos(table({ L1: ['1', '2', '1'], L2: ['1', '3', '1'] }), 'L1', 'L2'), ['1 1', '2 3']);
  });

  test('different iterators multiply, the first one advancing fastest', () => {
    assert.deepEqual(combos(table({ A: ['1', '2'], B: ['x', 'y'] }), 'A[@1]', 'B[@2]'), [
      '1 x',
      '2 x',
      '1 y',
      '2 y',
    ]);
  });

  test('an element access picks one value; lists of different lengths under one iterator are refused', () => {
    assert.deepEqual(combos(table({ A: ['1', '2', '3'], B: ['x', 'y'] }), 'A[2]', 'B'), ['3 x', '3 y']);
    assert.throws(
      () => combos(table({ A: ['1', '2', '3'], B: ['x', 'y'] }), 'A', 'B'),
      /Cardinality of list items must be the same for processing them in parallel/,
    );
  });
});
