// The files generated from the backends' registrations are current, and each descriptor lists
// exactly the options its backend's schema accepts (so the form, the JSON Schema, the settings and
// the README cannot describe an option the backend does not take, or miss one it does).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { registrations } from '../../shared/backends/index.js';
import { BACKEND_DESCRIPTORS } from '../../shared/backends/descriptors.js';
import { generatedFiles } from '../../shared/config/json-schema.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

describe('generated files', () => {
  for (const file of generatedFiles(ROOT)) {
    it(`${file.path} is current (else: npm run generate)`, () => {
      assert.equal(
        readFileSync(`${ROOT}/${file.path}`, 'utf8'),
        file.expected,
        `${file.path} is stale: run npm run generate and commit the result`,
      );
    });
  }
});

describe('backend registrations', () => {
  it('list the descriptors in the same order, each under its own kind', () => {
    assert.deepEqual(
      registrations().map((r) => r.descriptor),
      [...BACKEND_DESCRIPTORS],
    );
  });

  for (const r of registrations()) {
    it(`${r.descriptor.kind}: the descriptor lists exactly the options its schema accepts`, () => {
      const schema = z.toJSONSchema(r.optionSchema, { io: 'input', unrepresentable: 'any' }) as { properties?: Record<string, unknown> };
      assert.deepEqual(r.descriptor.options.map((o) => o.key).sort(), Object.keys(schema.properties ?? {}).sort());
    });
    it(`${r.descriptor.kind}: the namespace and pool options are options of the backend`, () => {
      const keys = r.descriptor.options.map((o) => o.key);
      assert.ok(keys.includes(r.descriptor.namespaceOption), r.descriptor.namespaceOption);
      if (r.descriptor.poolOption) assert.ok(keys.includes(r.descriptor.poolOption), r.descriptor.poolOption);
      const namespaced = r.namespace({}, 'x1');
      assert.ok(r.descriptor.namespaceOption in namespaced.options, `namespace() sets ${r.descriptor.namespaceOption}`);
    });
  }
});
