/**
 * What the harness measures. Closed: N sessions (or connections) back to
 * back. Open: a fixed start rate. Idle: memory of N sessions that made one
 * request and hold their keep-alive socket and cookie.
 */

/** @typedef {{ id: string; kind: 'closed' | 'open' | 'idle'; sessions: number; path: string; rate?: number }} Scenario */

/** @param {{ openSessions: number }} options @returns {Scenario[]} */
export function allScenarios({ openSessions }) {
  return [
    { id: 'closed-50', kind: 'closed', sessions: 50, path: '/' },
    { id: 'closed-50-cookie', kind: 'closed', sessions: 50, path: '/cookie' },
    { id: 'closed-1000', kind: 'closed', sessions: 1000, path: '/' },
    { id: 'closed-1000-cookie', kind: 'closed', sessions: 1000, path: '/cookie' },
    { id: 'open-5k', kind: 'open', sessions: openSessions, path: '/', rate: 5000 },
    { id: 'open-20k', kind: 'open', sessions: openSessions, path: '/', rate: 20_000 },
    // The fd hard limit here is 20 000 and the target holds the other ends: 10 000 at most.
    { id: 'idle-500', kind: 'idle', sessions: 500, path: '/cookie' },
    { id: 'idle-2000', kind: 'idle', sessions: 2000, path: '/cookie' },
    { id: 'idle-10000', kind: 'idle', sessions: 10_000, path: '/cookie' },
  ];
}

/** The smoke run: one tiny configuration that still goes through every stage. */
export const SMOKE_SCENARIO = /** @type {Scenario} */ ({ id: 'smoke-10-cookie', kind: 'closed', sessions: 10, path: '/cookie' });

/**
 * Picks scenarios by id (`--only closed-50,idle-500`); unknown ids are an error.
 *
 * @param {Scenario[]} scenarios
 * @param {string | undefined} only
 */
export function selectScenarios(scenarios, only) {
  if (!only) return scenarios;
  const wanted = only.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = wanted.filter((id) => !scenarios.some((s) => s.id === id));
  if (unknown.length > 0) {
    throw new Error(`unknown scenario ${unknown.join(', ')}; known: ${scenarios.map((s) => s.id).join(', ')}`);
  }
  return scenarios.filter((s) => wanted.includes(s.id));
}

/** Which tools run a scenario, in the interleaving order. */
export function toolsFor(scenario, tools) {
  if (scenario.kind === 'idle') return tools.filter((t) => t === 'engine');
  // wrk has no rate limit (that is wrk2): the open model is the engine and autocannon only.
  // The naive loop and undici's floor are closed-model references only.
  if (scenario.kind === 'open') return tools.filter((t) => t !== 'wrk' && t !== 'naive' && t !== 'floor');
  return tools;
}
