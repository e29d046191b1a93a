// The heal loop's spacing of full rounds: at the interval while rounds are quick, stretched so a slow round (a
// thousand networks) takes at most 5% of the time, and never more than ten intervals apart.

import assert from 'node:assert/strict';
import { describe, it, mock } from 'node:test';
import { HealLoop, healSpacing } from '../../../src/daemon/heal-loop.js';

describe('heal loop', () => {
  it('spaces full rounds by their duration: the interval for quick ones, 19× a slow one, at most 10 intervals', () => {
    assert.equal(healSpacing(2000, 5), 2000);
    assert.equal(healSpacing(2000, 200), 3800);
    assert.equal(healSpacing(2000, 5000), 20000);
  });

  it('schedules the next round after the last one ends, by how long it took', async () => {
    mock.timers.enable({ apis: ['setTimeout'] });
    try {
      let clock = 0;
      let tookMs = 10;
      const starts: number[] = [];
      const loop = new HealLoop(
        async () => {
          starts.push(clock);
          clock += tookMs;
        },
        () => undefined,
        () => clock,
      );
      const tick = async (ms: number) => {
        clock += ms;
        mock.timers.tick(ms);
        // the round's promise, then the rescheduling after it
        for (let i = 0; i < 5; i++) await Promise.resolve();
      };
      loop.start(1000);
      await tick(1000);
      assert.deepEqual(starts, [0 + 1000]);
      // quick rounds: one each interval
      await tick(1000);
      assert.equal(starts.length, 2);
      // a round of 400 ms: the next one waits 7.6 s, not 1 s
      tookMs = 400;
      await tick(1000);
      assert.equal(starts.length, 3);
      await tick(1000);
      await tick(6000);
      assert.equal(starts.length, 3, 'no round before 7.6 s have passed');
      await tick(700);
      assert.equal(starts.length, 4);
      await loop.dispose();
      await tick(60_000);
      assert.equal(starts.length, 4, 'none after dispose');
    } finally {
      mock.timers.reset();
    }
  });
});

describe('heal loop while the API is busy', () => {
  it('holds a due full round while changes come (up to ten intervals), and runs it a second after the last', async () => {
    mock.timers.enable({ apis: ['setTimeout'] });
    try {
      let clock = 0;
      let lastChange: number | undefined;
      const starts: number[] = [];
      const loop = new HealLoop(
        async () => {
          starts.push(clock);
        },
        () => undefined,
        () => clock,
        () => lastChange,
      );
      const tick = async (ms: number) => {
        for (let left = ms; left > 0; left -= 100) {
          clock += 100;
          mock.timers.tick(100);
          for (let i = 0; i < 5; i++) await Promise.resolve();
        }
      };
      loop.start(1000);
      // a change every 200 ms: the round due at 1 s waits
      for (let i = 0; i < 20; i++) {
        lastChange = clock;
        await tick(200);
      }
      assert.deepEqual(starts, [], 'no round during 4 s of changes');
      // the last change was at 3.8 s: the round runs a second after it
      await tick(600);
      assert.deepEqual(starts, []);
      await tick(600);
      assert.deepEqual(starts, [4800]);
      // changes that never stop still let a round through, ten intervals after the last one
      for (let i = 0; i < 60; i++) {
        lastChange = clock;
        await tick(200);
      }
      assert.equal(starts.length, 2, starts.join(' '));
      const second = starts[1] as number;
      assert.ok(second >= 14800 && second < 15800, `second round at ${second}`);
      await loop.dispose();
    } finally {
      mock.timers.reset();
    }
  });
});
