// A template's vmProfile.vmSize as its build VM gets it (vm-profile.ts): the size table's vCPUs and
// memory (the operator's `virtualMachines.sizes`, else Kiln's defaults), found without case; Azure's
// default Standard_D1_v2 maps to Kiln's build default unless the table lists it; any other size the
// table lacks is refused with a 400 naming properties.vmProfile.vmSize, at PUT and PATCH
// (requireVmProfile) as at the run.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ArmError, Problems } from '../../src/core/arm-error.ts';
import type { DomainContext } from '../../src/domain/context.ts';
import {
  buildVmSize,
  checkVmProfile,
  DEFAULT_BUILD_VM_SIZE,
  requireVmProfile,
} from '../../src/domain/image-templates/vm-profile.ts';
import type { VmSize } from '../../src/domain/virtual-machines/vm-sizes.ts';

const withSizes = (sizes?: VmSize[]) =>
  ({ settings: { virtualMachines: sizes ? { sizes } : {} } }) as unknown as DomainContext;
const profile = (vmProfile: unknown) => {
  const problems = new Problems();
  const checked = checkVmProfile(vmProfile, problems);
  problems.throwIfAny();
  return checked;
};
const own = (name: string, numberOfCores: number, memoryInMB: number): VmSize => ({
  name,
  numberOfCores,
  memoryInMB,
  maxDataDiskCount: 2,
  osDiskSizeInMB: 1047552,
  resourceDiskSizeInMB: 0,
});

describe("an image template's build VM size", () => {
  it("gives a size of Kiln's default table its vCPUs and memory, the name read without case", () => {
    const size = buildVmSize(withSizes(), profile({ vmSize: 'standard_b2s' }));
    assert.equal(size?.name, 'Standard_B2s');
    assert.equal(size?.numberOfCores, 2);
    assert.equal(size?.memoryInMB, 4096);
    // Azure's own image builder examples name Dsv3 sizes.
    assert.equal(buildVmSize(withSizes(), profile({ vmSize: 'Standard_D4s_v3' }))?.numberOfCores, 4);
  });

  it("maps Azure's default size, given or not, to Kiln's build default unless the table lists it", () => {
    assert.equal(profile({}).vmSize, DEFAULT_BUILD_VM_SIZE);
    assert.equal(buildVmSize(withSizes(), profile({})), undefined);
    assert.equal(buildVmSize(withSizes(), profile({ vmSize: 'Standard_D1_v2' })), undefined);
    const listed = withSizes([own('Standard_D1_v2', 1, 3584)]);
    assert.equal(buildVmSize(listed, profile({}))?.memoryInMB, 3584, "the operator's figures for it");
  });

  it("refuses a size the table lacks, naming the field and the table's sizes", () => {
    const ctx = withSizes([own('Kiln_Small', 1, 512), own('Kiln_Big', 2, 2048)]);
    assert.throws(
      () => buildVmSize(ctx, profile({ vmSize: 'Standard_B2s' })),
      (error: ArmError) =>
        error instanceof ArmError &&
        error.status === 400 &&
        error.code === 'InvalidParameter' &&
        error.target === 'properties.vmProfile.vmSize' &&
        /^'properties\.vmProfile\.vmSize': The requested VM size Standard_B2s is not available.*Kiln_Small, Kiln_Big\.$/.test(
          error.message,
        ),
    );
    assert.equal(buildVmSize(ctx, profile({ vmSize: 'kiln_big' }))?.numberOfCores, 2);
  });

  it('is checked with the rest of the profile when a template is put or patched', async () => {
    await assert.rejects(
      requireVmProfile(withSizes(), profile({ vmSize: 'Standard_Huge', osDiskSizeGB: 64 }), 'westus'),
      (error: ArmError) =>
        error.status === 400 && error.target === 'properties.vmProfile.vmSize' && /Standard_Huge/.test(error.message),
    );
    await requireVmProfile(withSizes(), profile({ vmSize: 'Standard_D2s_v3', osDiskSizeGB: 64 }), 'westus');
    await requireVmProfile(withSizes(), profile({}), 'westus');
  });
});
