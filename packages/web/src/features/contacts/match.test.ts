import assert from 'node:assert/strict';
import { test } from 'node:test';
import { matchesColleague } from './match.js';

test('a colleague matches when each query word starts a name word, or the query starts the address', () => {
  const anna = { name: 'Anna-Maria Müller', address: 'anna.m@example.test' };
  for (const q of ['', ' ', 'anna', 'MARIA', 'mül', 'mul', 'maria ann', 'anna.m', 'anna.m@ex']) {
    assert.equal(matchesColleague(anna, q), true, q);
  }
  for (const q of ['ller', 'anna bob', 'ex', '%', '_', 'anna.x']) {
    assert.equal(matchesColleague(anna, q), false, q);
  }
});
