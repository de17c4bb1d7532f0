import { InputError } from '../core/errors.js';
import type { QueryParams } from './types.js';

const ABSOLUTE = /^https?:\/\//i;

/**
 * The request URL: `url` as is when absolute, else appended to `baseUrl` with exactly one slash
 * between (so `https://h/api/v4` + `projects` keeps `/api/v4`, unlike `new URL(path, base)`).
 * Query parameters are added to any already in the URL.
 */
export function buildUrl(url: string, baseUrl: string | undefined, query: QueryParams | undefined): URL {
  let target: string;
  if (ABSOLUTE.test(url)) target = url;
  else if (baseUrl !== undefined && ABSOLUTE.test(baseUrl)) {
    target = `${baseUrl.replace(/\/+$/, '')}/${url.replace(/^\/+/, '')}`;
  } else {
    const what = baseUrl === undefined ? 'no base URL is set' : 'the base URL is not an http(s) URL';
    const path = url.split('?')[0] ?? ''; // never echo a query: it may hold a token
    throw new InputError('invalid_upstream_url', `Cannot request "${path}": it is not absolute and ${what}.`);
  }
  const parsed = new URL(target);
  for (const [name, value] of Object.entries(query ?? {})) {
    if (value === null || value === undefined) continue;
    const values: readonly (string | number | boolean)[] = Array.isArray(value) ? value : [value];
    for (const v of values) parsed.searchParams.append(name, String(v));
  }
  return parsed;
}
