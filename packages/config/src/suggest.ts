/**
 * Closest valid key for a misspelt one, for "did you mean" hints. Exact matches
 * after dropping case, "_" and "-" win first, so the Go field name
 * `NumberOfSessions` and camelCase `numberOfSessions` both find
 * `number_of_sessions`; otherwise the nearest by edit distance, if near enough.
 */
export function closestKey(key: string, candidates: readonly string[]): string | undefined {
  const normalized = normalize(key);
  const exact = candidates.find((candidate) => normalize(candidate) === normalized);
  if (exact !== undefined) return exact;
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const distance = editDistance(normalized, normalize(candidate));
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  // Up to a third of the word may differ, at least one edit; beyond that a hint misleads.
  const limit = Math.max(1, Math.floor(normalized.length / 3));
  return bestDistance <= limit ? best : undefined;
}

function normalize(key: string): string {
  return key.toLowerCase().replace(/[_-]/g, '');
}

/** Optimal string alignment distance: insertions, deletions, substitutions, adjacent swaps. */
function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[] = new Array<number>(rows * cols).fill(0);
  const at = (i: number, j: number): number => d[i * cols + j] ?? 0;
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) value = Math.min(value, at(i - 2, j - 2) + 1);
      d[i * cols + j] = value;
    }
  }
  return at(a.length, b.length);
}
