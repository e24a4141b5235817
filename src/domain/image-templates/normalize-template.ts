/**
 * Templates written for Azure over the years spell things differently: `shell` or `Shell`,
 * `sharedImage`, `replicationRegions`, `valid_exit_codes`. Normalizing first lets validation and the
 * build see one shape, and each old spelling produces a warning naming its replacement.
 */
import { isObject } from '../shared/validate.ts';
import { CUSTOMIZER_KINDS } from './customizer-kinds.ts';
import { hasTargetRegions } from './version-shapes.ts';

export interface Warning {
  target: string;
  message: string;
}

const TYPE_NAMES: Record<string, string> = Object.fromEntries(
  [
    'PlatformImage',
    'ManagedImage',
    'SharedImageVersion',
    'ISO',
    ...CUSTOMIZER_KINDS.map((kind) => kind.type),
    'SharedImage',
    'VHD',
    'UserAssigned',
    'None',
  ].map((t) => [t.toLowerCase(), t]),
);

/** Field names older templates use, and what they are now. */
const RENAMED: Record<string, string> = { valid_exit_codes: 'validExitCodes', script: 'scriptUri' };

/** `apiVersion`: the request's, whose own spellings are not deprecated (`replicationRegions` up to 2022-02-14). */
export function normalizeTemplate(
  body: Record<string, unknown>,
  apiVersion?: string,
): {
  body: Record<string, unknown>;
  warnings: Warning[];
} {
  const warnings: Warning[] = [];
  const copy = structuredClone(body);
  // Azure's own samples wrap the resource as an ARM deployment resource; the API takes the resource itself.
  for (const field of ['type', 'apiVersion', 'dependsOn']) delete copy[field];
  const props = isObject(copy.properties) ? copy.properties : undefined;
  if (isObject(copy.identity) && typeof copy.identity.type === 'string')
    copy.identity.type = TYPE_NAMES[copy.identity.type.toLowerCase()] ?? copy.identity.type;
  if (!props) return { body: copy, warnings };
  if (isObject(props.source)) fixType(props.source);
  for (const [list, path] of [
    [props.customize, 'properties.customize'],
    [props.distribute, 'properties.distribute'],
  ] as const) {
    if (!Array.isArray(list)) continue;
    list.forEach((entry, i) => {
      if (!isObject(entry)) return;
      fixType(entry);
      for (const [old, current] of Object.entries(RENAMED)) {
        if (!(old in entry) || current in entry) continue;
        entry[current] = entry[old];
        delete entry[old];
        warnings.push({ target: `${path}[${i}].${old}`, message: `'${old}' is deprecated; use '${current}'.` });
      }
      if (typeof entry.inline === 'string') {
        entry.inline = [entry.inline];
        warnings.push({
          target: `${path}[${i}].inline`,
          message: "'inline' as a single string is deprecated; give an array of commands.",
        });
      }
      if (entry.type === 'SharedImage' && Array.isArray(entry.replicationRegions) && hasTargetRegions(apiVersion)) {
        warnings.push({
          target: `${path}[${i}].replicationRegions`,
          message: "'replicationRegions' is deprecated; use 'targetRegions' (with replica counts).",
        });
      }
    });
  }
  return { body: copy, warnings };
}

function fixType(entry: Record<string, unknown>): void {
  if (typeof entry.type === 'string') entry.type = TYPE_NAMES[entry.type.toLowerCase()] ?? entry.type;
}
