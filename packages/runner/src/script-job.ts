/** `script`: a module whose default export is `async (session, context) => {}`. */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Job } from '@session-engine/scheduler';
import { ScriptExportError, ScriptLoadError, ScriptNotFoundError } from './errors.js';
import { reasonOf } from './failure-reasons.js';

export async function loadScriptJob(path: string): Promise<Job> {
  const absolute = resolve(path);
  if (!existsSync(absolute)) throw new ScriptNotFoundError(path, absolute);
  let module: { default?: unknown };
  try {
    if (/\.(c|m)?ts$/.test(absolute)) {
      // TypeScript scripts: loaded through tsx only when needed (Node 20 cannot strip types itself).
      const { tsImport } = await import('tsx/esm/api');
      module = (await tsImport(pathToFileURL(absolute).href, import.meta.url)) as { default?: unknown };
    } else {
      module = (await import(pathToFileURL(absolute).href)) as { default?: unknown };
    }
  } catch (error) {
    throw new ScriptLoadError(path, reasonOf(error), error);
  }
  let job = module.default;
  // A .ts file outside a "type": "module" package is compiled as CommonJS, so
  // its default export arrives one level down.
  if (job !== null && typeof job === 'object' && typeof (job as { default?: unknown }).default === 'function') {
    job = (job as { default: unknown }).default;
  }
  if (typeof job !== 'function') throw new ScriptExportError(path, typeof job);
  return job as Job;
}
