/** Where the core writes what an operator should know. Hosts pass their own (VS Code's output
 *  channel, the CLI's stderr); fields are plain data, never secrets. */
export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** Default for library use: warnings and errors to stderr, the rest nowhere. */
export const consoleLogger: Logger = {
  debug() {},
  info() {},
  warn: (m) => console.warn(`sitq: ${m}`),
  error: (m) => console.error(`sitq: ${m}`),
};

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
