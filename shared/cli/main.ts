#!/usr/bin/env node
// The `sitq` executable.
import { Io, scrubProcessOutput } from './io.js';
import { run } from './program.js';

const io = new Io(process.stdout, process.stderr, process.env, process.cwd());
scrubProcessOutput(io.secrets);
const code = await run(process.argv.slice(2), io);
process.exitCode = code;
// Everything is closed by now; if a driver still holds a handle, do not hang the shell on it.
setTimeout(() => process.exit(code), 2000).unref();
