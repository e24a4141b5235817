// `kiln deployment ... --parameters` read as az 2.45 reads them: each expected value below is what
// azure-cli's own `_process_parameters` (after its `@file` expansion) made of the same arguments
// and files; plus templates with comments and Python literals, as az's shell_safe_json_parse takes them.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseJsonc, parseShellJson } from '../../src/cli/commands/deployment-json.ts';
import { addMissingParameters, readParameters } from '../../src/cli/commands/deployment-parameters.ts';

const DECLARATIONS = {
  name: { type: 'string' },
  count: { type: 'int' },
  flag: { type: 'bool' },
  tags: { type: 'object' },
  zones: { type: 'array' },
  secret: { type: 'securestring' },
};

const PARAMETERS_FILE = `{
  // a parameters file, as the quickstarts ship them
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {
    "name": { "value": "from-file" }, /* inline comment */
    "count": { "value": 1 },
    "tags": { "value": { "url": "http://x//y", "note": "a /* not a comment */ b" } }
  }
}
`;
const FROM_FILE = {
  name: { value: 'from-file' },
  count: { value: 1 },
  tags: { value: { url: 'http://x//y', note: 'a /* not a comment */ b' } },
};

describe('deployment parameters as az reads them', () => {
  let dir: string;
  const warnings: string[] = [];
  const read = (...items: string[]) => readParameters(items, DECLARATIONS, (w) => warnings.push(w));

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kiln-deployment-parameters-'));
    await writeFile(join(dir, 'params.json'), PARAMETERS_FILE);
    await writeFile(join(dir, 'bare.json'), '{"name": {"value": "bare"}}\n');
    await writeFile(join(dir, 'zones.json'), '["1", "3"]\n\n');
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('reads a parameters file by @path or by path (its parameters member, comments stripped outside strings) and a bare one', async () => {
    assert.deepEqual(await read(`@${join(dir, 'params.json')}`), FROM_FILE);
    assert.deepEqual(await read(join(dir, 'params.json')), FROM_FILE);
    assert.deepEqual(await read(join(dir, 'bare.json')), { name: { value: 'bare' } });
  });

  it('takes inline JSON or a Python dict, and name=value converted by the declared type, the later value winning', async () => {
    assert.deepEqual(await read('{"flag": {"value": true}}'), { flag: { value: true } });
    assert.deepEqual(await read("{'name': {'value': 'py', 'n': None}}"), { name: { value: 'py', n: null } });
    assert.deepEqual(await read('{}'), {});
    assert.deepEqual(
      await read(
        `@${join(dir, 'params.json')}`,
        'count=42',
        'flag=True',
        'tags={"a": "b"}',
        "zones=('1', '2')",
        'name=x=y',
        'secret= spaced ',
      ),
      {
        name: { value: 'x=y' },
        count: { value: 42 },
        tags: { value: { a: 'b' } },
        flag: { value: true },
        zones: { value: ['1', '2'] },
        secret: { value: ' spaced ' },
      },
    );
    assert.deepEqual(await read(`zones=@${join(dir, 'zones.json')}`, 'count= +1_000 ', 'flag=yes'), {
      zones: { value: ['1', '3'] },
      count: { value: 1000 },
      flag: { value: false },
    });
    assert.deepEqual(warnings, []);
  });

  it("refuses what az refuses, in az's words, and an int that is not one", async () => {
    await assert.rejects(read('nope=1'), {
      message: "unrecognized template parameter 'nope'. Allowed parameters: count, flag, name, secret, tags, zones",
    });
    await assert.rejects(read('garbage'), { message: 'Unable to parse parameter: garbage' });
    await assert.rejects(read('count=many'), { message: "argument --parameters: count: invalid int value: 'many'" });
    await assert.rejects(read(`@${join(dir, 'missing.json')}`), /cannot read '.*missing\.json'/);
    await assert.rejects(read('tags={not json'), /^Error: Failed to parse string as JSON:\n\{not json\nError detail: /);
  });

  it('names the required parameters still missing (a warning with --no-prompt)', async () => {
    const declarations = { ...DECLARATIONS, count: { type: 'int', defaultValue: 1 } };
    const given = { name: { value: 'a' }, flag: { value: true }, tags: { value: {} } };
    const seen: string[] = [];
    const kept = await addMissingParameters(given, declarations, { noPrompt: true, warn: (w) => seen.push(w) });
    assert.deepEqual(kept, given);
    assert.deepEqual(seen, ['WARNING: Missing input parameters: secret, zones ']);
    const complete = { ...given, zones: { value: [] }, secret: { value: 's' } };
    assert.deepEqual(await addMissingParameters(complete, declarations, { noPrompt: false, warn: () => {} }), complete);
  });
});

describe('JSON as az deployment reads it', () => {
  it('strips // and /* */ comments outside strings and takes line breaks inside strings (strict=False)', () => {
    assert.deepEqual(
      parseJsonc('{\n  // comment\n  "a": "x // y", /* b */ "b": [1, /* 2 */ 3],\n  "c": "two\nlines\tand tab"\n}'),
      { a: 'x // y', b: [1, 3], c: 'two\nlines\tand tab' },
    );
    assert.deepEqual(parseJsonc('{"escaped": "quote \\" // still a string"} // end'), {
      escaped: 'quote " // still a string',
    });
  });

  it('takes Python literals where JSON fails: tuples, single quotes, True/False/None, adjacent strings', () => {
    assert.deepEqual(parseShellJson('("value1", "value2")'), ['value1', 'value2']);
    assert.deepEqual(parseShellJson("('one',)"), ['one']);
    assert.deepEqual(parseShellJson("{'a': [True, False, None, -1.5, 1_0], 'b': 'it\\'s' ' joined'}"), {
      a: [true, false, null, -1.5, 10],
      b: "it's joined",
    });
    assert.equal(parseShellJson('(42)'), 42);
    assert.throws(() => parseShellJson('[1, 2'), /^Error: Failed to parse string as JSON:\n\[1, 2\nError detail: /);
  });
});
