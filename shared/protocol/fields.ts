// What the profile form shows for each backend: each backend's descriptor (its folder's
// descriptor.ts) lists its options with labels, input kinds and hints. This is layout only: the
// rules live in each backend's option schema, which the host applies (`profiles.validate`), so the
// form and the CLI can never disagree about what is valid.
import { BACKEND_DESCRIPTORS, type BackendKind } from '../backends/descriptors.js';
import { formFields, type OptionSpec } from '../backends/descriptor.js';

export type { FieldKind } from '../backends/descriptor.js';
export type FieldSpec = OptionSpec;

export const BACKEND_FIELDS: Readonly<Record<BackendKind, readonly FieldSpec[]>> = Object.fromEntries(
  BACKEND_DESCRIPTORS.map((d) => [d.kind, formFields(d)]),
) as unknown as Record<BackendKind, readonly FieldSpec[]>;

export const BACKEND_LABELS: Readonly<Record<BackendKind, string>> = Object.fromEntries(
  BACKEND_DESCRIPTORS.map((d) => [d.kind, d.label]),
) as unknown as Record<BackendKind, string>;
