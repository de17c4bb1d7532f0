import { describe, expect, it } from 'vitest';
import { findUnstorableText, parseJson, syntaxErrorPosition } from '../src/ingest/json.js';

describe('JSON syntax error positions', () => {
  it.each([
    ['{"a": 1 "b": 2}', 8],
    ['{"a": 1,}', 8],
    ['[1, 2', 5],
    ['', 0],
    ['pipeline=a', 0],
    ['{"a": tru}', 6],
    ['{"a": "x\ny"}', 8],
    ['{} {}', 3],
    ['{"a": [1, 2]]', 12],
  ])('finds the error in %j at %i', (text, position) => {
    expect(() => JSON.parse(text)).toThrow();
    expect(syntaxErrorPosition(text)).toBe(position);
  });

  it('answers -1 for valid JSON, however deep', () => {
    for (const text of ['{"a": [1, {"b": null}], "c": "\\u00e9"}', '[]', '"x"', '[[[[[[]]]]]]']) {
      expect(syntaxErrorPosition(text)).toBe(-1);
    }
    expect(syntaxErrorPosition('['.repeat(200_000) + ']'.repeat(200_000))).toBe(-1);
  });

  it('puts line and column in the error message', () => {
    expect(() => parseJson('{\n  "a": 1\n  "b": 2\n}')).toThrow(/line 3, column 3/);
  });

  it('finds text PostgreSQL cannot store, with its path', () => {
    expect(findUnstorableText({ a: [{ b: 'ok' }, { c: 'bad\u0000' }] })).toBe('a[1].c');
    expect(findUnstorableText({ a: 'lone \uD800 surrogate' })).toBe('a');
    expect(findUnstorableText({ a: 'pair 🚀 fine', b: [1, null, true] })).toBeNull();
  });
});
