#!/usr/bin/env node
/**
 * Reprints the end of each failed Nx task's output, read from a saved
 * `npm test` log (`nx run-many --outputStyle=stream` prefixes every line with
 * its project). CI shows only the tail of a long log; without this the tail
 * names the failed task and nothing of why.
 *
 *   node tools/scripts/failed-task-digest.mjs <log> [lines per task, default 80]
 */
import { readFileSync } from 'node:fs';

const [logPath, perTask = '80'] = process.argv.slice(2);
if (!logPath) {
  console.error('usage: failed-task-digest.mjs <log> [lines per task]');
  process.exit(2);
}
// eslint-disable-next-line no-control-regex
const plain = readFileSync(logPath, 'utf8').replace(/\u001b\[[0-9;]*m/g, '').split('\n');

// Nx ends with "Failed tasks:" and one "- <project>:<target>" line each.
const failed = [];
const list = plain.lastIndexOf('Failed tasks:');
if (list >= 0) {
  for (const line of plain.slice(list + 1)) {
    const task = /^\s*-\s+(\S+):(\S+)/.exec(line);
    if (task) failed.push({ project: task[1], target: task[2] });
  }
}
if (failed.length === 0) {
  console.log('failed-task-digest: no "Failed tasks:" list in the log; its last lines:');
  console.log(plain.slice(-Number(perTask)).join('\n'));
  process.exit(0);
}
for (const { project, target } of failed) {
  const prefix = `${project}:`;
  const lines = plain.filter((line) => line.startsWith(prefix));
  // Vitest's own failure section, whole, when there is one; else the task's last lines.
  const section = lines.findIndex((line) => /⎯ Failed Tests \d+ ⎯|⎯ Unhandled Errors ⎯/.test(line));
  const shown = section >= 0 ? lines.slice(section, section + 4 * Number(perTask)) : lines.slice(-Number(perTask));
  console.log(`\n==== ${project}:${target} failed; ${shown.length} of its ${lines.length} lines ====`);
  console.log(shown.join('\n'));
}
