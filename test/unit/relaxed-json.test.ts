// What Json.NET (ARM's reader) takes beyond standard JSON, rewritten as standard JSON
// (src/http/relaxed-json.ts): unquoted member names, as azure-cli sends `template:{...}`, and comments.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { relaxedToStrictJson } from '../../src/http/relaxed-json.ts';

const read = (text: string) => JSON.parse(relaxedToStrictJson(text));

describe('relaxed JSON', () => {
  it('quotes unquoted member names, wherever an object member starts', () => {
    assert.deepEqual(read('{"properties": {"mode": "Incremental", template:{"a":[1, true, null], b : {c:1}}}}'), {
      properties: { mode: 'Incremental', template: { a: [1, true, null], b: { c: 1 } } },
    });
  });

  it('leaves strings, values and valid JSON as they are', () => {
    const valid = '{"x": "template:{y}", "s": "a \\" b: c", "n": [false, -1.5e3]}';
    assert.equal(relaxedToStrictJson(valid), valid);
    assert.deepEqual(read('[true, {k: "v: w"}]'), [true, { k: 'v: w' }]);
  });

  it('drops comments outside strings', () => {
    assert.deepEqual(read('{\n  // a comment\n  "a": 1, /* another */ "b": "// not a comment"\n}'), {
      a: 1,
      b: '// not a comment',
    });
  });
});
