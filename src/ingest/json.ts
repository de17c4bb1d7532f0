import { InputError } from '../core/errors.js';

/** Where a JSON.parse error happened, as line and column, from Node's "at position N" message. */
function locate(text: string, message: string): { position: number; line: number; column: number } | null {
  const m = /position (\d+)/.exec(message);
  let position: number;
  if (m !== null) position = Number(m[1]);
  else if (/Unexpected end of JSON input/.test(message)) position = text.length;
  else return null;
  const before = text.slice(0, position);
  const line = before.split('\n').length;
  const column = position - before.lastIndexOf('\n');
  return { position, line, column };
}

/** JSON.parse that fails with a 400 naming where the body is broken; keys that could pollute prototypes are dropped. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text, (key, value: unknown) => (key === '__proto__' ? undefined : value));
  } catch (err) {
    const message = (err as Error).message;
    const at = locate(text, message);
    const where = at === null ? '' : ` at line ${at.line}, column ${at.column} (position ${at.position})`;
    const reason = message.replace(/ in JSON at position \d+.*$/s, '').replace(/^JSON\.parse: /, '');
    throw new InputError('invalid_json', `The body is not valid JSON${where}: ${reason}.`);
  }
}
