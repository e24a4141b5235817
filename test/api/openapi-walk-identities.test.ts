// Issue 18's rule for Microsoft.ManagedIdentity/userAssignedIdentities, checked by walking the spec's
// models (test/api/spec-models/ManagedIdentity-<version>-identity.json, read by
// test/support/openapi-walk.ts) at the newest stable api-version (2026-05-31, whose model adds
// assignmentRestrictions; also walked at 2025-05-31-preview, which has it, and at 2026-04-30, which
// does not, so there it is refused naming its path), 2026-04-30 with its own model, the newest SDK's
// (@azure/arm-msi 2.2: 2024-11-30) and the Azure CLI 2.45's (2022-01-31-preview, walked with
// 2024-11-30's model: its isolationScope, which 2022-01-31-preview's model lacks, is refused naming
// its path): every property a client may write comes back from a PUT of a new identity
// (Identity) or a PATCH of one (IdentityUpdate) with the value sent, or is refused with a 4xx naming
// its path. DEPARTURES lists what Kiln does otherwise today, with why; the test fails on a new
// departure and on one that is gone.
import { after, before, describe, it } from 'node:test';
import { assertDepartures, readSpecModel, startWalkServer, walkModel } from '../support/openapi-walk.ts';

/** Probe (path = value) to why Kiln departs from the rule there, per model. */
const DEPARTURES: Record<string, Record<string, string>> = { Identity: {}, IdentityUpdate: {} };

/** api-version walked, and the model excerpt walked at it. */
const WALKS = [
  ['2026-05-31', 'ManagedIdentity-2026-05-31-identity.json'],
  ['2025-05-31-preview', 'ManagedIdentity-2026-05-31-identity.json'],
  ['2026-04-30', 'ManagedIdentity-2026-05-31-identity.json'],
  ['2026-04-30', 'ManagedIdentity-2026-04-30-identity.json'],
  ['2024-11-30', 'ManagedIdentity-2024-11-30-identity.json'],
  ['2022-01-31-preview', 'ManagedIdentity-2024-11-30-identity.json'],
] as const;

describe(
  'userAssignedIdentities: every writable property of the 2024-11-30, 2026-04-30 and 2026-05-31 models',
  { concurrency: true },
  () => {
    let walker: Awaited<ReturnType<typeof startWalkServer>>;

    before(async () => {
      walker = await startWalkServer({ workers: 0 });
    });
    after(() => walker.kiln.stop());

    for (const [apiVersion, model] of WALKS)
      for (const root of ['Identity', 'IdentityUpdate'])
        it(`${root} of ${model}: each property stored and returned, or refused naming its path (api-version ${apiVersion})`, async (t) => {
          const identities = `${walker.group}/providers/Microsoft.ManagedIdentity/userAssignedIdentities`;
          const name = (n: number) => `walk-${root}-${apiVersion}-${model.slice(16, 26)}-${n}`;
          const result = await walkModel({
            definitions: await readSpecModel(model),
            root,
            base: () => (root === 'Identity' ? { location: 'westus' } : {}),
            strings: (path) =>
              path === 'location'
                ? 'westus'
                : path === 'properties.assignmentRestrictions.providers[0]'
                  ? 'Microsoft.Compute'
                  : undefined,
            put: async (n, body) => {
              const at = `${identities}/${name(n)}?api-version=${apiVersion}`;
              if (root === 'Identity') return walker.call('PUT', at, body);
              // A PATCH of a new identity.
              const made = await walker.call('PUT', at, { location: 'westus' });
              if (made.status !== 201) return made;
              return walker.call('PATCH', at, body);
            },
          });
          assertDepartures(t, result, DEPARTURES[root]);
        });
  },
);
