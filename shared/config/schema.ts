// The shape of sitq.config.json, shared by the CLI, the VS Code extension and the desktop app.
// This schema checks the file's structure; each profile's backend options are then checked by the
// backend's own validation (see profiles.ts), so an option's rules live in one place only.
import { z } from 'zod';
import { BACKEND_KINDS, type BackendKind } from '../backends/descriptors.js';

export const CONFIG_FILE_NAME = 'sitq.config.json';
/** The registered backend kinds a profile's `type` may name. */
export const PROFILE_TYPES = BACKEND_KINDS as readonly [BackendKind, ...BackendKind[]];

/** Profile names appear in flags, file keys and UI lists. */
export const PROFILE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
export const PROFILE_NAME_EXPECTED = 'a profile name of 1-64 letters, digits, ".", "_" or "-" (starting with a letter or digit)';

/** Keys of a profile that describe it rather than configure the backend. */
export const PROFILE_META_KEYS = ['type', 'description'] as const;

export const profileEntrySchema = z.looseObject({
  type: z.enum(PROFILE_TYPES).describe('Which backend this profile uses.'),
  description: z.string().max(200).optional().describe('Shown next to the profile name in the tools.'),
});

export const configFileSchema = z.strictObject({
  $schema: z.string().optional().describe('Path or URL of this JSON Schema, for editor completion.'),
  defaultProfile: z.string().regex(PROFILE_NAME, PROFILE_NAME_EXPECTED).optional().describe('The profile used when a command names none.'),
  profiles: z
    .record(z.string().regex(PROFILE_NAME, PROFILE_NAME_EXPECTED), profileEntrySchema)
    .describe("Named backends: a type plus that backend's options. String values may use ${ENV_VAR} references."),
});

/** A profile as the file stores it: a type, an optional description, and backend options whose
 *  string values may hold `${NAME}` references. */
export type ProfileEntry = z.infer<typeof profileEntrySchema> & Record<string, unknown>;

export interface SitqConfig {
  $schema?: string;
  defaultProfile?: string;
  profiles: Record<string, ProfileEntry>;
}
