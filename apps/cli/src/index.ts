/** Programmatic entry: runs the `engine` command line with the given argv. */
export { run } from '@oclif/core';
