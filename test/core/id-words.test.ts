import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatIdWords } from '../../src/core/id-words.js';
import { isUuidV4 } from '../../src/index.js';

/** The reference: the words' bytes (little-endian, as the pool stores them) in hex, version and variant set. */
function reference(w: readonly [number, number, number, number]): string {
  const b = Buffer.from(new Int32Array(w).buffer);
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

test('formatIdWords writes the words as a version 4 UUID, byte for byte', () => {
  const edge: [number, number, number, number][] = [
    [0, 0, 0, 0],
    [-1, -1, -1, -1],
    [0x12345678, -0x12345678, 0x7fffffff, -0x80000000],
  ];
  for (let i = 0; i < 5000; i++) edge.push([(Math.random() * 2 ** 32) | 0, (Math.random() * 2 ** 32) | 0, (Math.random() * 2 ** 32) | 0, (Math.random() * 2 ** 32) | 0]);
  for (const w of edge) {
    const id = formatIdWords(...w);
    assert.equal(id, reference(w), `words ${w.join(',')}`);
    assert.ok(isUuidV4(id), id);
  }
  assert.equal(formatIdWords(0x78563412, 0, 0, 0).slice(0, 8), '12345678', 'the low byte of a word comes first');
});
