import { InputError } from '../core/errors.js';

const WS = new Set([' ', '\t', '\n', '\r']);

/**
 * Index of the first JSON syntax error in `text` (or text.length when it ends too early). Node 20's
 * JSON.parse does not always say where it failed, and a user fixing a script needs to know.
 * Iterative, so deep nesting cannot overflow the stack.
 */
export function syntaxErrorPosition(text: string): number {
  let i = 0;
  const stack: ('{' | '[')[] = [];
  const skip = (): void => {
    while (i < text.length && WS.has(text[i]!)) i++;
  };
  const str = (): boolean => {
    if (text[i] !== '"') return false;
    i++;
    while (i < text.length) {
      const c = text[i]!;
      if (c === '"') {
        i++;
        return true;
      }
      if (c < ' ') return false;
      if (c === '\\') {
        const e = text[i + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) return false;
          i += 6;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i += 2;
        else return false;
      } else i++;
    }
    return false;
  };
  const scalar = (): boolean => {
    const m = /^(?:-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(text.slice(i, i + 400));
    if (m === null) return false;
    i += m[0].length;
    return true;
  };
  // expect: 'value' | 'key' | 'colon' | 'after'
  let expect: 'value' | 'key' | 'colon' | 'after' | 'first-key' | 'first-value' = 'value';
  for (;;) {
    skip();
    if (i >= text.length) return stack.length === 0 && expect === 'after' ? -1 : text.length;
    const c = text[i]!;
    const top = stack.at(-1);
    if (expect === 'value' || expect === 'first-value') {
      if (expect === 'first-value' && c === ']') {
        stack.pop();
        i++;
        expect = 'after';
      } else if (c === '{') {
        stack.push('{');
        i++;
        expect = 'first-key';
      } else if (c === '[') {
        stack.push('[');
        i++;
        expect = 'first-value';
      } else if (c === '"' ? str() : scalar()) expect = 'after';
      else return i;
    } else if (expect === 'key' || expect === 'first-key') {
      if (expect === 'first-key' && c === '}') {
        stack.pop();
        i++;
        expect = 'after';
      } else if (str()) expect = 'colon';
      else return i;
    } else if (expect === 'colon') {
      if (c !== ':') return i;
      i++;
      expect = 'value';
    } else {
      if (top === undefined) return i; // text after the end of the value
      if (c === ',') {
        i++;
        expect = top === '{' ? 'key' : 'value';
      } else if ((c === '}' && top === '{') || (c === ']' && top === '[')) {
        stack.pop();
        i++;
      } else return i;
    }
  }
}

function where(text: string, position: number): string {
  const before = text.slice(0, position);
  const line = before.split('\n').length;
  const column = position - before.lastIndexOf('\n');
  return `line ${line}, column ${column} (position ${position})`;
}

function describeAt(text: string, position: number): string {
  if (position >= text.length) return 'the body ends too early';
  const snippet = JSON.stringify(text.slice(Math.max(0, position - 20), position + 20));
  return `unexpected ${JSON.stringify(text[position])} near ${snippet}`;
}

/** Strings PostgreSQL cannot store (NUL, lone UTF-16 surrogates), found with their path. */
export function findUnstorableText(value: unknown): string | null {
  // eslint-disable-next-line no-control-regex -- NUL is exactly what PostgreSQL refuses
  const bad = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
  const stack: { v: unknown; path: string }[] = [{ v: value, path: '' }];
  while (stack.length > 0) {
    const { v, path } = stack.pop()!;
    if (typeof v === 'string') {
      if (bad.test(v)) return path === '' ? 'body' : path;
    } else if (Array.isArray(v)) v.forEach((x, i) => stack.push({ v: x, path: `${path}[${i}]` }));
    else if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        const p = path === '' ? k : `${path}.${k}`;
        if (bad.test(k)) return p;
        stack.push({ v: x, path: p });
      }
    }
  }
  return null;
}

/**
 * JSON.parse that fails with a 400 naming where the body is broken. `__proto__` keys are dropped, and
 * text PostgreSQL cannot store is refused naming its field, so a stored body is always the body sent.
 */
export function parseJson(text: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text, (key, v: unknown) => (key === '__proto__' ? undefined : v));
  } catch (err) {
    if (err instanceof RangeError) {
      throw new InputError('invalid_json', 'The body is nested too deeply to be read.');
    }
    const position = syntaxErrorPosition(text);
    const at = position < 0 ? '' : ` at ${where(text, position)}: ${describeAt(text, position)}`;
    throw new InputError('invalid_json', `The body is not valid JSON${at}.`);
  }
  const field = findUnstorableText(value);
  if (field !== null) {
    throw new InputError(
      'invalid_text',
      `${field} holds a NUL character or broken UTF-16, which cannot be stored; remove it.`,
      { field },
    );
  }
  return value;
}
