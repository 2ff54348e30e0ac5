// The desktop app's core process: the one core runtime of both hosts (shared/host/core-main.ts),
// started by main with utilityProcess.fork() on this file. Why a separate process: README.md.
import '../shared/host/core-main.js';
