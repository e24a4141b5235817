/**
 * Azure's validate stage and Kiln's build mode as a template states them: every problem reported at
 * its JSON path, validators checked as the customizers they are, and nothing silently dropped.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { ArmError } from '../../src/core/arm-error.ts';
import { validateTemplate } from '../../src/domain/image-templates/validate-template.ts';

const settings = {
  settings: { tenantId: 't', subscriptions: [], regions: [{ name: 'eastus', displayName: 'East US' }] },
};
const template = (properties: Record<string, unknown>) => ({
  location: 'eastus',
  properties: {
    source: { type: 'PlatformImage', publisher: 'Debian', offer: 'debian-12', sku: '12', version: 'latest' },
    distribute: [{ type: 'VHD', runOutputName: 'vhd' }],
    ...properties,
  },
});

function problems(properties: Record<string, unknown>): Array<{ target?: string; message: string; code: string }> {
  try {
    validateTemplate(settings, template(properties));
  } catch (error) {
    assert.ok(error instanceof ArmError);
    return (error.details ?? [error]).map((d) => ({ target: d.target, message: d.message, code: d.code }));
  }
  return [];
}

it('keeps the validate stage and the build mode it was given', () => {
  const spec = validateTemplate(
    settings,
    template({
      kilnBuildMode: 'VM',
      validate: {
        continueDistributeOnFailure: true,
        inVMValidations: [
          { type: 'Shell', name: 'ok', inline: ['systemctl is-active ssh'] },
          { type: 'File', name: 'f', sourceUri: 'https://example.com/x', destination: '/tmp/x' },
        ],
      },
    }),
  );
  assert.equal(spec.properties.kilnBuildMode, 'VM');
  assert.deepEqual(spec.properties.validate, {
    continueDistributeOnFailure: true,
    sourceValidationOnly: false,
    inVMValidations: [
      {
        type: 'Shell',
        name: 'ok',
        scriptUri: undefined,
        inline: ['systemctl is-active ssh'],
        sha256Checksum: undefined,
      },
      { type: 'File', name: 'f', sourceUri: 'https://example.com/x', destination: '/tmp/x', sha256Checksum: undefined },
    ],
  });
});

it('reports every bad field of the validate stage at its path', () => {
  const found = problems({
    kilnBuildMode: 'Docker',
    customize: [{ type: 'Shell', name: 'c', inline: ['true'] }],
    validate: {
      sourceValidationOnly: true,
      continueDistributeOnFailure: 'yes',
      inVMValidations: [
        { type: 'WindowsRestart', name: 'r' },
        { type: 'Shell', name: 'twice', inline: ['true'] },
        { type: 'Shell', name: 'TWICE', inline: ['true'] },
      ],
    },
  });
  const at = (target: string) => found.find((p) => p.target === target);
  assert.match(at('properties.kilnBuildMode')!.message, /Auto, InPlace, VM|Auto|InPlace/);
  assert.match(at('properties.validate.continueDistributeOnFailure')!.message, /true or false/);
  assert.equal(at('properties.validate.inVMValidations[0].type')!.code, 'BadValidatorType');
  assert.match(
    at('properties.validate.inVMValidations[0].type')!.message,
    /The validator type 'WindowsRestart' is not valid. Allowed values: Shell, PowerShell, File./,
  );
  assert.match(at('properties.validate.inVMValidations[2].name')!.message, /already used by validator 1/);
  assert.match(at('properties.validate.sourceValidationOnly')!.message, /customizer\(s\) would never run/);
});
