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

type Layer = Readonly<Record<string, string>>;

const EMPTY_PROFILE: Layer = Object.freeze({});
// Profiles are frozen, so sessions whose only layer is the same object (the
// config's headers) can share one profile: read-only, nothing to leak between them.
const fromSingleLayer = new WeakMap<Layer, Layer>();

function isEmpty(layer: Layer): boolean {
  for (const _ in layer) return false;
  return true;
}

/** A session's header profile: config headers, then the session's own overrides. */
export function buildHeaderProfile(...layers: (Layer | undefined)[]): Layer {
  let only: Layer | undefined;
  let count = 0;
  for (const layer of layers) {
    if (layer === undefined || isEmpty(layer)) continue;
    only = layer;
    count++;
  }
  if (count === 0) return EMPTY_PROFILE;
  if (count === 1) {
    const shared = fromSingleLayer.get(only!);
    if (shared !== undefined) return shared;
  }
  const profile: Record<string, string> = {};
  for (const layer of layers) mergeHeaders(profile, layer);
  Object.freeze(profile);
  if (count === 1) fromSingleLayer.set(only!, profile);
  return profile;
}
