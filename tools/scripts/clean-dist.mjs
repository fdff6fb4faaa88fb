// Removes ./dist before a build so a package never ships stale output.
import { rmSync } from 'node:fs';

rmSync(new URL('dist', `file://${process.cwd()}/`), { recursive: true, force: true });
