/**
 * Header names are case-insensitive, so every profile is kept with lower-case
 * names: that is what lets a later layer (request over session over config)
 * replace an earlier one instead of sending the header twice.
 */
export function mergeHeaders(
  target: Record<string, string>,
  source: Readonly<Record<string, string>> | undefined,
): Record<string, string> {
  if (source === undefined) return target;
  for (const name in source) {
    const value = source[name];
    if (value !== undefined) target[name.toLowerCase()] = value;
  }
  return target;
}

/** A session's header profile: config headers, then the session's own overrides. */
export function buildHeaderProfile(
  ...layers: (Readonly<Record<string, string>> | undefined)[]
): Readonly<Record<string, string>> {
  const profile: Record<string, string> = {};
  for (const layer of layers) mergeHeaders(profile, layer);
  return Object.freeze(profile);
}
