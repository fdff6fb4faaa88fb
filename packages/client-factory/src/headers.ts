/** Response headers as sessions expose them: lowercase names; `set-cookie`, when present, always an array. */
export type NormalizedHeaders = Record<string, string | string[]> & { 'set-cookie'?: string[] };

/** What undici gives: `request()`'s object, or the flat `[name, value, ...]` raw list of a dispatch handler. */
export type RawHeaders =
  | Readonly<Record<string, string | readonly string[] | undefined>>
  | readonly (string | Buffer)[]
  | Headers;

/**
 * Normalises response headers once per response: undici gives a repeated
 * header as `string[]` and a single one as `string`, so `set-cookie` would
 * need two code paths everywhere without this. Other repeated headers stay
 * arrays; names are lowercased.
 */
export function normalizeHeaders(raw: RawHeaders): NormalizedHeaders {
  const out: NormalizedHeaders = {};
  if (raw instanceof Headers) {
    for (const [name, value] of raw) if (name !== 'set-cookie') out[name] = value;
    const cookies = raw.getSetCookie();
    if (cookies.length > 0) out['set-cookie'] = cookies;
    return out;
  }
  if (Array.isArray(raw)) {
    const list = raw as readonly (string | Buffer)[];
    for (let i = 0; i + 1 < list.length; i += 2) {
      add(out, String(list[i]).toLowerCase(), String(list[i + 1]));
    }
  } else {
    const record = raw as Readonly<Record<string, string | readonly string[] | undefined>>;
    for (const key of Object.keys(record)) {
      const value = record[key];
      if (value === undefined) continue;
      const name = key.toLowerCase();
      if (typeof value === 'string') add(out, name, value);
      else for (const item of value) add(out, name, item);
    }
  }
  return out;
}

function add(out: NormalizedHeaders, name: string, value: string): void {
  const existing = out[name];
  if (existing === undefined) out[name] = name === 'set-cookie' ? [value] : value;
  else if (typeof existing === 'string') out[name] = [existing, value];
  else existing.push(value);
}
