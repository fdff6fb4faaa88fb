#!/usr/bin/env node
// Runs the built server (npm run build first when working from the repository).
import { runCli } from '../dist/cli.js';

const code = await runCli(process.argv.slice(2));
// Exit explicitly: the server is closed, and nothing left behind should hold the process.
process.exit(code);
