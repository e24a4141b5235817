// The ARM template language itself: parsing (tokens, positions, parse errors), walking template values
// (escapes, paths), member and index access, evaluation order (lazy if, short-circuit and/or), lambdas,
// user-defined functions and the errors the engine reports, each with the expression and its JSON path.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  evaluateTemplateValue,
  functionCalls,
  isExpression,
  parseExpression,
  TemplateExpressionError,
  userFunctionsFromTemplate,
} from '../../src/domain/deployments/template/expressions/index.ts';
import { evaluate, failureOf as failure, testScope, type ScopeCalls } from '../support/template-expressions.ts';

describe('template expressions: parsing', () => {
  it('tells expressions from literals and the [[ escape', () => {
    assert.equal(isExpression("[concat('a')]"), true);
    assert.equal(isExpression('[[not an expression]'), false);
    assert.equal(isExpression('plain'), false);
    assert.equal(isExpression('[missing end'), false);
    assert.equal(isExpression('[]'), true);
  });

  it('parses calls, namespaced calls, literals, members and indexes with their positions', () => {
    assert.deepEqual(parseExpression("[ns.fn(parameters('a').b[-1], 'it''s', 42)]"), {
      kind: 'call',
      namespace: 'ns',
      name: 'fn',
      start: 1,
      args: [
        {
          kind: 'index',
          safe: false,
          start: 24,
          target: {
            kind: 'property',
            name: 'b',
            safe: false,
            start: 22,
            target: { kind: 'call', name: 'parameters', start: 7, args: [{ kind: 'string', value: 'a', start: 18 }] },
          },
          index: { kind: 'integer', value: -1, start: 25 },
        },
        { kind: 'string', value: "it's", start: 30 },
        { kind: 'integer', value: 42, start: 39 },
      ],
    });
  });

  it('reads safe dereferences and whitespace, newlines included, between tokens', () => {
    const tree = parseExpression("[\n  parameters( 'a' )\n    .?b [?0]\n]");
    assert.equal(tree.kind, 'index');
    assert.equal(tree.kind === 'index' && tree.safe, true);
    assert.equal(tree.kind === 'index' && tree.target.kind === 'property' && tree.target.safe, true);
  });

  it('lists every call with its arguments, outermost first, for the engine to find dependencies', () => {
    const calls = functionCalls(
      parseExpression(
        "[reference(resourceId('Microsoft.Storage/storageAccounts', variables('name')), '2022-09-01').primaryEndpoints[copyIndex()]]",
      ),
    );
    assert.deepEqual(
      calls.map((call) => call.name),
      ['reference', 'resourceId', 'variables', 'copyIndex'],
    );
    assert.deepEqual(calls[1].args[0], { kind: 'string', value: 'Microsoft.Storage/storageAccounts', start: 22 });
  });

  const parseErrors: Array<[string, RegExp]> = [
    ["[concat('a']", /expected token 'RightParenthesis' and actual 'EndOfData' at position 11/],
    ["[concat('a)]", /the string literal is not terminated at position 8/],
    ['[concat]', /expected token 'LeftParenthesis' and actual 'EndOfData' at position 7/],
    ['[1.5]', /must be an integer \(floating point literals are not supported\) at position 1/],
    ['[add(1, 99999999999999999999)]', /the integer '99999999999999999999' is outside the 64-bit range at position 8/],
    ["[concat('a') concat('b')]", /expected token 'EndOfData' and actual 'Identifier' at position 13/],
    ['[true]', /expected token 'LeftParenthesis'/],
    ['[]', /the expression is empty at position 1/],
    ["[concat('a';)]", /the character ';' is not expected at position 11/],
    ["[parameters('a').]", /expected token 'Identifier' and actual 'EndOfData'/],
  ];
  for (const [text, message] of parseErrors) {
    it(`refuses ${text} with the position of the fault`, async () => {
      assert.throws(() => parseExpression(text), message);
      const error = await failure(text);
      assert.match(error.message, message);
      assert.match(error.reason, /^Unable to parse language expression '/);
      assert.equal(typeof error.position, 'number');
    });
  }

  it('accepts 64-bit integer literals at both ends of the range', async () => {
    assert.equal(await evaluate('[add(-9223372036854775808, 0)]'), -9223372036854775808);
    assert.equal(await evaluate('[sub(9223372036854775807, 0)]'), 9223372036854775807);
  });
});

describe('template expressions: template values', () => {
  it('evaluates expressions in nested objects and arrays, keeps keys and unescapes [[', async () => {
    const scope = testScope({ parameters: { name: 'web' } });
    const value = await evaluateTemplateValue(
      {
        name: "[concat(parameters('name'), '-1')]",
        '[notAnExpression()]': ['[[literal]', '[[still text', 'plain', 3, true, null, { deep: "[toUpper('x')]" }],
      },
      scope,
      'resources[0]',
    );
    assert.deepEqual(value, {
      name: 'web-1',
      '[notAnExpression()]': ['[literal]', '[[still text', 'plain', 3, true, null, { deep: 'X' }],
    });
  });

  it("reads the docs' parameter escaped as [[1,2,3 ] as the JSON array it spells", async () => {
    // template-functions-object.md, json example: the parameter default "[[1,2,3 ]" is the text "[1,2,3 ]".
    const text = await evaluateTemplateValue('[[1,2,3 ]', testScope(), 'parameters.jsonArray.defaultValue');
    assert.equal(text, '[1,2,3 ]');
    assert.deepEqual(await evaluate("[json(parameters('a'))]", testScope({ parameters: { a: text } })), [1, 2, 3]);
  });

  it('names the JSON path of the failing value, bracketing names that are not identifiers', async () => {
    await assert.rejects(
      evaluateTemplateValue(
        { properties: { list: ['ok', { 'odd name': "[parameters('missing')]" }] } },
        testScope(),
        'resources[2]',
      ),
      (error: unknown) => {
        assert.ok(error instanceof TemplateExpressionError);
        assert.equal(error.path, "resources[2].properties.list[1]['odd name']");
        assert.equal(error.target, "resources[2].properties.list[1]['odd name']");
        assert.equal(error.expression, "[parameters('missing')]");
        assert.equal(error.reason, "The template parameter 'missing' is not found.");
        assert.equal(error.status, 400);
        assert.equal(error.code, 'InvalidTemplate');
        assert.equal(
          error.message,
          "The template language expression '[parameters('missing')]' at 'resources[2].properties.list[1]['odd name']' is not valid: The template parameter 'missing' is not found.",
        );
        return true;
      },
    );
  });
});

describe('template expressions: members and indexes', () => {
  const scope = testScope({
    parameters: { config: { Network: { subnets: [{ name: 'a' }, { name: 'b' }] }, empty: null }, list: [10, 20] },
  });

  it('reads properties without case and indexes arrays and objects', async () => {
    assert.equal(await evaluate("[parameters('CONFIG').network.SUBNETS[1].Name]", scope), 'b');
    assert.equal(await evaluate("[parameters('config')['network']['subnets'][0]['name']]", scope), 'a');
    assert.equal(await evaluate("[parameters('list')[add(0, 1)]]", scope), 20);
    assert.equal(await evaluate("[createObject('a', createArray(1, 2))['A'][1]]"), 2);
  });

  it('names a missing property and the ones there are', async () => {
    const error = await failure("[parameters('config').network.routes]", scope);
    assert.equal(
      error.reason,
      "The language expression property 'routes' doesn't exist, available properties are 'subnets'.",
    );
  });

  it('refuses indexes out of range and members of what is not an object', async () => {
    assert.equal(
      (await failure("[parameters('list')[2]]", scope)).reason,
      "The language expression property array index '2' is out of bounds.",
    );
    assert.equal(
      (await failure("[parameters('list')[-1]]", scope)).reason,
      "The language expression property array index '-1' is out of bounds.",
    );
    assert.match(
      (await failure("[parameters('list').length]", scope)).reason,
      /can't be evaluated on a value of type 'Array'/,
    );
    assert.match((await failure("[parameters('config').empty.x]", scope)).reason, /can't be evaluated on a null value/);
    assert.match((await failure("[parameters('list')['a']]", scope)).reason, /array index must be an integer/);
  });

  it('gives null for a missing member reached with .? or [?]', async () => {
    assert.equal(await evaluate("[parameters('config').?routes]", scope), null);
    assert.equal(await evaluate("[parameters('config').empty.?x]", scope), null);
    assert.equal(await evaluate("[parameters('list')[?5]]", scope), null);
    assert.equal(await evaluate("[parameters('config').network.subnets[?0].name]", scope), 'a');
  });
});

describe('template expressions: evaluation', () => {
  it('compares function names without case', async () => {
    assert.equal(await evaluate("[CONCAT('a', toupper('b'), ToLower('C'))]"), 'aBc');
  });

  it('refuses an unknown function in ARM words', async () => {
    assert.equal(
      (await failure('[unknown()]')).reason,
      "The template function 'unknown' is not valid. Please see https://aka.ms/arm-functions for usage details.",
    );
  });

  it('refuses the wrong number of arguments', async () => {
    assert.match(
      (await failure("[substring('a', 0, 1, 2)]")).reason,
      /'substring' expects between 1 and 3 parameter\(s\), but was invoked with 4/,
    );
    assert.match(
      (await failure('[concat()]')).reason,
      /'concat' expects at least 1 parameter\(s\), but was invoked with 0/,
    );
    assert.match((await failure('[null(1)]')).reason, /'null' expects 0 parameter\(s\), but was invoked with 1/);
  });

  it('evaluates only the branch if() takes', async () => {
    const calls: ScopeCalls = { reference: [], list: [], variables: [] };
    const scope = testScope({ calls, variables: { a: 'A' } });
    assert.equal(await evaluate("[if(true(), variables('a'), variables('b'))]", scope), 'A');
    assert.equal(await evaluate("[if(false(), reference('x'), 'no')]", scope), 'no');
    assert.deepEqual(calls.variables, ['a']);
    assert.deepEqual(calls.reference, []);
    assert.match(
      (await failure("[if('yes', 1, 2)]")).reason,
      /'if' expects its first parameter to be of type 'Boolean'/,
    );
  });

  it('stops and() and or() at the argument that decides', async () => {
    assert.equal(await evaluate("[and(false(), equals(parameters('missing'), 1))]"), false);
    assert.equal(await evaluate("[or(true(), equals(parameters('missing'), 1))]"), true);
    assert.equal(
      (await failure("[and(true(), equals(parameters('missing'), 1))]")).reason,
      "The template parameter 'missing' is not found.",
    );
  });

  it("reports a scope's refusal as the reason, keeping its code", async () => {
    const scope = testScope();
    assert.equal(
      (await failure('[copyIndex()]', scope)).reason,
      "The template function 'copyIndex' is not expected at this location.",
    );
    const plain = testScope({
      resourceGroup: () => {
        throw new Error("The template function 'resourceGroup' is not expected at this location.");
      },
    });
    assert.equal(
      (await failure('[resourceGroup().id]', plain)).reason,
      "The template function 'resourceGroup' is not expected at this location.",
    );
  });

  it('lets faults that are not refusals through', async () => {
    const scope = testScope({
      tenant: () => {
        throw new TypeError('a bug');
      },
    });
    await assert.rejects(evaluate('[tenant()]', scope), TypeError);
  });

  it('allows utcNow() and newGuid() only where the engine says (a parameter default)', async () => {
    const reason =
      "The template function 'utcNow' is not expected at this location. The function can only be used with parameter default values. Please see https://aka.ms/arm-functions for usage details.";
    assert.equal((await failure('[utcNow()]')).reason, reason);
    assert.match(
      (await failure('[newGuid()]')).reason,
      /The template function 'newGuid' is not expected at this location/,
    );
    const defaults = testScope({ allowNonDeterministic: true });
    assert.equal(await evaluate('[utcNow()]', defaults), '20190305T175318Z');
    assert.match(
      String(await evaluate('[newGuid()]', defaults)),
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });
});

describe('template expressions: lambdas', () => {
  it('binds lambda variables, nested lambdas seeing the outer ones', async () => {
    assert.deepEqual(
      await evaluate(
        "[map(createArray(1, 2), lambda('x', map(createArray(10, 20), lambda('y', add(lambdaVariables('x'), lambdaVariables('Y'))))))]",
      ),
      [
        [11, 21],
        [12, 22],
      ],
    );
  });

  it('refuses a lambda anywhere but as an argument of a lambda function', async () => {
    const reason =
      'A lambda function can only be used as an argument of filter(), groupBy(), map(), mapValues(), reduce(), sort() and toObject().';
    assert.equal((await failure("[lambda('x', lambdaVariables('x'))]")).reason, reason);
    assert.equal((await failure("[concat(lambda('x', 1))]")).reason, reason);
    assert.equal((await failure("[map(createArray(1), lambda('x', lambda('y', 1)))]")).reason, reason);
  });

  it('refuses an unknown lambda variable and a lambda with the wrong parameters', async () => {
    assert.match(
      (await failure("[map(createArray(1), lambda('x', lambdaVariables('z')))]")).reason,
      /The lambda variable 'z' is not defined here/,
    );
    assert.match(
      (await failure("[sort(createArray(1), lambda('x', true()))]")).reason,
      /'sort' expects its second parameter to be a lambda function with 2 parameter\(s\)/,
    );
    assert.match((await failure("[filter(createArray(1), lambda('x', 1))]")).reason, /must return a boolean/);
    assert.match((await failure("[lambda('x', 'X', 1)]")).reason, /declares the variable 'X' more than once/);
  });
});

describe('template expressions: user-defined functions', () => {
  const functions = userFunctionsFromTemplate([
    {
      namespace: 'contoso',
      members: {
        uniqueName: {
          parameters: [{ name: 'namePrefix', type: 'string' }],
          output: {
            type: 'string',
            value: "[concat(toLower(parameters('namePrefix')), uniqueString(resourceGroup().id))]",
          },
        },
        tags: {
          parameters: [
            { name: 'env', type: 'string' },
            { name: 'count', type: 'int' },
          ],
          output: {
            type: 'object',
            value: { environment: "[parameters('env')]", copies: "[range(0, parameters('count'))]" },
          },
        },
        greet: {
          parameters: [{ name: 'names', type: 'array' }],
          output: { type: 'string', value: "[format('Hi, {0}!', contoso.join(parameters('names')))]" },
        },
        join: {
          parameters: [{ name: 'values', type: 'array' }],
          output: { type: 'string', value: "[join(parameters('values'), ' ')]" },
        },
        leaky: { parameters: [], output: { type: 'string', value: "[variables('secret')]" } },
        wrongType: { parameters: [], output: { type: 'int', value: 'text' } },
        loop: { parameters: [], output: { type: 'string', value: '[contoso.loop()]' } },
      },
    },
  ]);
  const scope = testScope({
    userFunctions: functions,
    parameters: { namePrefix: 'ignored' },
    variables: { secret: 's' },
  });

  it('calls them as ns.fn(), without case, with their own parameters', async () => {
    // The docs' example function (user-defined-functions.md): a lower-cased prefix and uniqueString(resourceGroup().id).
    assert.equal(await evaluate("[contoso.UniqueName('Storage')]", scope), 'storagejs26ofeqkqeve');
    assert.deepEqual(await evaluate("[contoso.tags('dev', 2)]", scope), { environment: 'dev', copies: [0, 1] });
    // Bicep's Functions_are_evaluated_correctly test: one user function calling another.
    assert.equal(await evaluate("[contoso.greet(createArray('Anthony', 'Martin'))]", scope), 'Hi, Anthony Martin!');
  });

  it('checks arguments and output against the declared types', async () => {
    assert.match(
      (await failure("[contoso.tags('dev', '2')]", scope)).reason,
      /'contoso.tags' expects its parameter 'count' to be of type 'int'. The provided value is of type 'String'/,
    );
    assert.match(
      (await failure("[contoso.tags('dev')]", scope)).reason,
      /expects 2 parameter\(s\), but was invoked with 1/,
    );
    assert.match(
      (await failure('[contoso.wrongType()]', scope)).reason,
      /returned a value of type 'String', but its output is declared as 'int'/,
    );
    assert.match(
      (await failure('[contoso.missing()]', scope)).reason,
      /The template function 'contoso.missing' is not valid/,
    );
  });

  it("refuses variables, reference and list inside them, and recursion without end (ARM's rules)", async () => {
    assert.match(
      (await failure('[contoso.leaky()]', scope)).reason,
      /In the template function 'contoso.leaky': The template function 'variables' is not expected at this location/,
    );
    assert.match((await failure('[contoso.loop()]', scope)).reason, /calls itself without end/);
  });

  it('reads the functions section, refusing malformed entries at their path', () => {
    assert.equal(functions.size, 7);
    assert.deepEqual(functions.get('contoso.uniquename')?.parameters, [{ name: 'namePrefix', type: 'string' }]);
    assert.throws(
      () => userFunctionsFromTemplate({}, 'properties.template.functions'),
      /properties.template.functions: the functions section must be an array/,
    );
    assert.throws(
      () =>
        userFunctionsFromTemplate([
          {
            namespace: 'a',
            members: {
              f: {
                parameters: [{ name: 'p', type: 'string', defaultValue: 'x' }],
                output: { type: 'string', value: '' },
              },
            },
          },
        ]),
      /functions\[0\].members.f.parameters\[0\].defaultValue: function parameters cannot have default values/,
    );
    assert.throws(
      () => userFunctionsFromTemplate([{ namespace: 'a', members: { f: {} } }]),
      /functions\[0\].members.f.output/,
    );
    assert.equal(userFunctionsFromTemplate(undefined).size, 0);
  });
});
