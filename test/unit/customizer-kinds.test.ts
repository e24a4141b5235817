/**
 * Customizer types are described once in the domain (`CUSTOMIZER_KINDS`) and run by the runner the
 * build keys to the same name (`RUNNERS` in imaging/image-template/customizer-step.ts). The compiler
 * holds the link: the test command type-checks this file, and each `@ts-expect-error` below fails
 * that check as soon as the mistake it marks compiles again. At run time, the casing normalization
 * and the "Allowed values" of an unknown type come from the table.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { ArmError } from '../../src/core/arm-error.ts';
import { parseDuration } from '../../src/core/duration.ts';
import type { BuildCustomizer } from '../../src/imaging/image-template/customizer-step.ts';
import { CUSTOMIZER_KINDS, type Customizer } from '../../src/domain/image-templates/customizer-kinds.ts';
import { normalizeTemplate } from '../../src/domain/image-templates/normalize-template.ts';
import { validateTemplate } from '../../src/domain/image-templates/validate-template.ts';
import { linuxCustomizers, type LinuxCustomizer } from '../../src/domain/image-templates/run/windows-refusal.ts';

/** Never called: its body is what the type check judges. */
export function compileTimeChecks(valid: Customizer[]): void {
  // Every customizer a run lets through has a runner (this is what jobs/tasks/run-image-template.ts does).
  const runnable: readonly BuildCustomizer[] = linuxCustomizers(valid);
  const unknownKind = [] as Array<LinuxCustomizer | { type: 'Sysprep'; name: string }>;
  // @ts-expect-error: a domain customizer type without a runner
  const withoutRunner: readonly BuildCustomizer[] = unknownKind;
  // @ts-expect-error: a template's customizers reach the build only through the Windows refusal
  const unchecked: readonly BuildCustomizer[] = valid;
  void [runnable, withoutRunner, unchecked];
}

const settings = {
  settings: { tenantId: 't', subscriptions: [], regions: [{ name: 'eastus', displayName: 'East US' }] },
};
const template = (customize: unknown[]) => ({
  location: 'eastus',
  properties: {
    source: {
      type: 'ManagedImage',
      imageId: '/subscriptions/s/resourceGroups/g/providers/Microsoft.Compute/images/base',
    },
    customize,
    distribute: [{ type: 'VHD', runOutputName: 'vhd' }],
  },
});

it('normalizes the casing of every customizer type in the table', () => {
  const { body } = normalizeTemplate(
    template(CUSTOMIZER_KINDS.map((kind, i) => ({ type: kind.type.toLowerCase(), name: `c${i}` }))),
  );
  const customize = (body.properties as { customize: Array<{ type: string }> }).customize;
  assert.deepEqual(
    customize.map((c) => c.type),
    CUSTOMIZER_KINDS.map((kind) => kind.type),
  );
});

it('refuses an unknown customizer type listing the table as its allowed values', () => {
  const error = (() => {
    try {
      validateTemplate(settings, template([{ type: 'Sysprep', name: 'seal' }]));
    } catch (thrown) {
      return thrown;
    }
    return undefined;
  })();
  assert.ok(error instanceof ArmError);
  assert.equal(error.code, 'BadCustomizerType');
  assert.equal(error.target, 'properties.customize[0].type');
  assert.equal(
    error.message,
    "The customizer type 'Sysprep' is not valid. Allowed values: Shell, PowerShell, File, WindowsRestart, WindowsUpdate.",
  );
});

it('returns each supported kind typed, with its own fields checked', () => {
  const spec = validateTemplate(
    settings,
    template([
      { type: 'Shell', name: 'sh', inline: ['true'] },
      { type: 'PowerShell', name: 'ps', inline: ['exit 3'], validExitCodes: [0, 3] },
      { type: 'File', name: 'f', sourceUri: 'https://example.com/x', destination: '/tmp/x' },
    ]),
  );
  assert.deepEqual(spec.properties.customize, [
    { type: 'Shell', name: 'sh', scriptUri: undefined, inline: ['true'], sha256Checksum: undefined },
    {
      type: 'PowerShell',
      name: 'ps',
      scriptUri: undefined,
      inline: ['exit 3'],
      sha256Checksum: undefined,
      validExitCodes: [0, 3],
      runElevated: false,
      runAsSystem: false,
    },
    { type: 'File', name: 'f', sourceUri: 'https://example.com/x', destination: '/tmp/x', sha256Checksum: undefined },
  ]);
});

it('takes WindowsRestart as the restart of the build VM, its timeout in Packer units, and refuses it in place', () => {
  const spec = validateTemplate(
    settings,
    template([
      { type: 'WindowsRestart', name: 'plain' },
      { type: 'WindowsRestart', name: 'own', restartCommand: 'systemctl reboot', restartTimeout: '1h30m' },
    ]),
  );
  assert.deepEqual(spec.properties.customize, [
    {
      type: 'WindowsRestart',
      name: 'plain',
      restartCommand: undefined,
      restartCheckCommand: undefined,
      restartTimeout: undefined,
    },
    {
      type: 'WindowsRestart',
      name: 'own',
      restartCommand: 'systemctl reboot',
      restartCheckCommand: undefined,
      restartTimeout: '1h30m',
    },
  ]);
  const refusal = (body: ReturnType<typeof template>) => {
    try {
      validateTemplate(settings, body);
    } catch (thrown) {
      return thrown as ArmError;
    }
    assert.fail('the template was accepted');
  };
  const badTimeout = refusal(template([{ type: 'WindowsRestart', name: 'r', restartTimeout: '5 minutes' }]));
  assert.equal(badTimeout.target, 'properties.customize[0].restartTimeout');
  const inPlace = template([
    { type: 'Shell', name: 'sh', inline: ['true'] },
    { type: 'WindowsRestart', name: 'r' },
  ]);
  (inPlace.properties as Record<string, unknown>).kilnBuildMode = 'InPlace';
  const refused = refusal(inPlace);
  assert.equal(refused.code, 'UnsupportedCustomizerType');
  assert.equal(refused.target, 'properties.customize[1].type');
  assert.match(refused.message, /kilnBuildMode InPlace builds without one/);
});

it('reads durations as Packer and Azure spell them', () => {
  assert.equal(parseDuration('5m'), 300_000);
  assert.equal(parseDuration('2h'), 7_200_000);
  assert.equal(parseDuration('1h30m15s'), 5_415_000);
  for (const bad of ['', '5', '5 m', 'm', '1.5h', '5m2h']) assert.equal(parseDuration(bad), undefined, bad);
});
