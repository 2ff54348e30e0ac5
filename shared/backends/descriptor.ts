// What the tools know about a backend without loading it: its name, label, icon and the options
// its profile form shows. Zod-free and free of Node APIs, so the dashboard UI (a browser bundle)
// and the VS Code extension import it directly. Each backend's folder has one `descriptor.ts`;
// descriptors.ts lists them. The rules of each option live in the backend's zod schema
// (options.ts); a test checks that a descriptor lists exactly the options its schema accepts.

export type FieldKind = 'text' | 'number' | 'boolean' | 'choice' | 'list' | 'secret';

/** One option of a backend: how the form shows it and one line of documentation. */
export interface OptionSpec {
  key: string;
  label: string;
  kind: FieldKind;
  /** For `choice`. */
  choices?: readonly string[];
  placeholder?: string;
  /** Shown under the field. */
  help?: string;
  /** Shown under "Advanced" (collapsed by default). */
  advanced?: boolean;
  /** Not a form field (a nested object such as a cluster's nodes): set in sitq.config.json. */
  fileOnly?: boolean;
  /** One sentence for the README's option table, the JSON schema and the VS Code settings. */
  doc: string;
}

/** A starter profile at a development machine's usual address (`sitq init --all`, the dashboard's presets). */
export interface ProfilePreset {
  /** The profile name it is saved under. */
  name: string;
  description: string;
  options: Record<string, unknown>;
}

export interface BackendDescriptor<K extends string = string> {
  readonly kind: K;
  /** e.g. `PostgreSQL`. */
  readonly label: string;
  /** A codicon name (VS Code trees and pickers). */
  readonly icon: string;
  /** One line for pickers: what the backend needs. */
  readonly detail: string;
  /** Whether the backend talks to a server (false: a file or this process). */
  readonly needsServer: boolean;
  /** True when its tasks live in the process that holds the backend (`memory`): no other process
   *  sees them, so nothing that runs a worker in a process of its own (a soak) can use it. */
  readonly inProcess?: boolean;
  /** Words at the start of an error message that name this backend (`postgres`, `postgresql`). */
  readonly messagePrefix: RegExp;
  readonly options: readonly OptionSpec[];
  /** The option that holds a backend's namespace (file, schema, key prefix, stream, store name). */
  readonly namespaceOption: string;
  /** The option a pool sweep varies; undefined when the backend has no pool. */
  readonly poolOption?: string;
  /** Where the README's option table points for more (high availability, ...). */
  readonly docsNote?: string;
  readonly preset?: ProfilePreset;
  /** Where the preset's server listens, for a quick "is it up" probe (none for an embedded backend). */
  readonly localServer?: { host: string; port: number };
  /** The npm package of the driver this backend loads on connect (none for an in-process backend). */
  readonly driverPackage?: string;
  /** The benchmark's target for the enqueue-to-start p50 on an idle worker, in ms. */
  readonly idleP50TargetMs: number;
}

/** `connectTimeout`, which every backend takes. */
export const CONNECT_TIMEOUT_OPTION: OptionSpec = {
  key: 'connectTimeout',
  label: 'Connect timeout (ms)',
  kind: 'number',
  placeholder: '5000',
  advanced: true,
  doc: 'ms connect() may take before it fails with ConnectionError (default 5000)',
};

/** The options a form shows (everything but file-only ones). */
export function formFields(descriptor: BackendDescriptor): OptionSpec[] {
  return descriptor.options.filter((o) => !o.fileOnly);
}
