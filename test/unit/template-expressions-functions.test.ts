// Every ARM template function, checked against the example outputs Azure documents on its reference
// pages (learn.microsoft.com/azure/azure-resource-manager/templates/template-functions-<category>; the
// example templates are Azure/azure-docs-json-samples azure-resource-manager/functions/*), against
// values Azure's own engine computed (Bicep folds constant calls with Azure.Deployments.Expression:
// Azure/bicep src/Bicep.Core.UnitTests/TypeSystem/FunctionResolverTests.cs GetLiteralTransformations,
// src/Bicep.Core.Samples/Files/baselines_bicepparam/Expressions/parameters.json, and the evaluated
// outputs of src/Bicep.Core.IntegrationTests/EvaluationTests.cs), and against their error messages.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  RESOURCE_GROUP_ID,
  SUBSCRIPTION_ID,
  testScope,
  type ScopeCalls,
  expectValues as expect,
  expectRefusals as refuse,
} from '../support/template-expressions.ts';

const dogs = [
  { name: 'Evie', age: 5, interests: ['Ball', 'Frisbee'] },
  { name: 'Casper', age: 3, interests: ['Other dogs'] },
  { name: 'Indy', age: 2, interests: ['Butter'] },
  { name: 'Kira', age: 8, interests: ['Rubs'] },
];

describe('template functions: array', () => {
  it('array', () =>
    // template-functions-array.md#array
    expect(
      [
        ["[array(parameters('intToConvert'))]", [1]],
        ["[array(parameters('stringToConvert'))]", ['efgh']],
        ["[array(parameters('objectToConvert'))]", [{ a: 'b', c: 'd' }]],
        ["[array(createArray('x'))]", ['x']],
      ],
      testScope({ parameters: { intToConvert: 1, stringToConvert: 'efgh', objectToConvert: { a: 'b', c: 'd' } } }),
    ));

  it('concat of arrays and of strings', async () => {
    // template-functions-array.md#concat and template-functions-string.md#concat
    await expect(
      [
        ["[concat(parameters('firstArray'), parameters('secondArray'))]", ['1-1', '1-2', '1-3', '2-1', '2-2', '2-3']],
        ["[concat('prefix', '-', 'x', 1, true(), null())]", 'prefix-x1True'],
        ['[concat(createArray(1), null(), createArray(createArray(2)))]', [1, [2]]],
      ],
      testScope({ parameters: { firstArray: ['1-1', '1-2', '1-3'], secondArray: ['2-1', '2-2', '2-3'] } }),
    );
    await refuse([
      ["[concat(createArray(1), 'a')]", /'concat' expects its second parameter to be of type 'Array' like the others/],
      [
        "[concat('a', createObject())]",
        /'concat' expects its second parameter to be of type 'String', 'Integer' or 'Boolean'/,
      ],
    ]);
  });

  it('contains on strings (case-sensitive), objects (keys without case) and arrays', async () => {
    // template-functions-array.md#contains: stringTrue, stringFalse, objectTrue, objectFalse, arrayTrue, arrayFalse
    const scope = testScope({
      parameters: {
        stringToTest: 'OneTwoThree',
        objectToTest: { one: 'a', two: 'b', three: 'c' },
        arrayToTest: ['one', 'two', 'three'],
      },
    });
    await expect(
      [
        ["[contains(parameters('stringToTest'), 'e')]", true],
        ["[contains(parameters('stringToTest'), 'z')]", false],
        ["[contains(parameters('objectToTest'), 'one')]", true],
        ["[contains(parameters('objectToTest'), 'a')]", false],
        ["[contains(parameters('arrayToTest'), 'three')]", true],
        ["[contains(parameters('arrayToTest'), 'four')]", false],
        // EvaluationTests.indexof_contains_function_evaluation_works: strings and array items keep case, object keys do not
        ["[contains('FOOBAR', 'foo')]", false],
        ["[contains(createArray('FOO', 'BAR'), 'foo')]", false],
        ["[contains(createArray('FOO', 'BAR'), false())]", false],
        ["[contains(parameters('objectToTest'), 'ONE')]", true],
        ['[contains(createArray(1, 2), 2)]', true],
        ["[contains('a1b', 1)]", true],
      ],
      scope,
    );
    await refuse([
      ["[contains(1, 'a')]", /'contains' expects its first parameter to be an array, an object, or a string/],
    ]);
  });

  it('createArray', () =>
    // template-functions-array.md#createarray
    expect(
      [
        ["[createArray('a', 'b', 'c')]", ['a', 'b', 'c']],
        ['[createArray(1, 2, 3)]', [1, 2, 3]],
        ["[createArray(parameters('objectToTest'))]", [{ one: 'a', two: 'b', three: 'c' }]],
        ["[createArray(parameters('arrayToTest'))]", [['one', 'two', 'three']]],
        ['[createArray()]', []],
      ],
      testScope({
        parameters: { objectToTest: { one: 'a', two: 'b', three: 'c' }, arrayToTest: ['one', 'two', 'three'] },
      }),
    ));

  it('empty', async () => {
    // template-functions-array.md#empty (and the Bicep page's null case)
    await expect([
      ['[empty(createArray())]', true],
      ['[empty(createObject())]', true],
      ["[empty('')]", true],
      ['[empty(null())]', true],
      ["[empty('non-empty string')]", false],
      ['[empty(createArray(1))]', false],
    ]);
    await refuse([
      [
        '[empty(1)]',
        /'empty' expects its parameter to be an array, an object, or a string. The provided value is of type 'Integer'/,
      ],
    ]);
  });

  it('first and last', async () => {
    // template-functions-array.md#first, #last; empty array and string per template-functions-string.md#first
    await expect(
      [
        ["[first(parameters('arrayToTest'))]", 'one'],
        ["[first('One Two Three')]", 'O'],
        ["[last(parameters('arrayToTest'))]", 'three'],
        ["[last('One Two Three')]", 'e'],
        ['[first(createArray())]', null],
        ['[last(createArray())]', null],
        ["[first('')]", ''],
        // FunctionResolverTests
        ["[first('Fizz')]", 'F'],
        ["[last('Fizz')]", 'z'],
      ],
      testScope({ parameters: { arrayToTest: ['one', 'two', 'three'] } }),
    );
    await refuse([['[first(1)]', /'first' expects its parameter to be an array or a string/]]);
  });

  it('flatten', async () => {
    // bicep-functions-array.md#flatten; EvaluationTests
    await expect([
      [
        "[flatten(createArray(createArray('one', 'two'), createArray('three'), createArray('four', 'five')))]",
        ['one', 'two', 'three', 'four', 'five'],
      ],
      ['[flatten(createArray(createArray(0, 1), createArray(createArray(2))))]', [0, 1, [2]]],
      ['[flatten(createArray())]', []],
    ]);
    await refuse([
      [
        "[flatten(createArray(createArray(1), 'a'))]",
        "The template language function 'flatten' expects an array of arrays. The item at index 1 is of type 'String'.",
      ],
    ]);
  });

  it('indexFromEnd and tryIndexFromEnd', async () => {
    await expect([
      ["[indexFromEnd(createArray('a', 'b', 'c'), 1)]", 'c'],
      ["[indexFromEnd(createArray('a', 'b', 'c'), 3)]", 'a'],
      ["[tryIndexFromEnd(createArray('a', 'b', 'c'), 4)]", null],
      ["[tryIndexFromEnd(createArray('a'), 0)]", null],
    ]);
    await refuse([
      [
        "[indexFromEnd(createArray('a'), 2)]",
        "Unable to evaluate template language function 'indexFromEnd': the index '2' from the end is out of bounds of an array of length 1.",
      ],
    ]);
  });

  it('indexOf and lastIndexOf on arrays (exact) and strings (without case)', async () => {
    // bicep-functions-array.md#indexof: index1..index7, notFoundIndex1, notFoundIndex2
    const names = "createArray('one', 'two', 'three')";
    const numbers = 'createArray(4, 5, 6)';
    await expect([
      [`[lastIndexOf(${names}, 'two')]`, 1],
      [`[indexOf(${names}, 'one')]`, 0],
      [`[lastIndexOf(${names}, 'Three')]`, -1],
      [`[lastIndexOf(${numbers}, 4)]`, 0],
      [`[indexOf(${numbers}, 6)]`, 2],
      [`[lastIndexOf(${numbers}, '5')]`, -1],
      [`[indexOf(createArray(${names}, ${numbers}), ${numbers})]`, 1],
      ['[indexOf(createArray(1, 2, 3, 1), 1)]', 0],
      ['[lastIndexOf(createArray(1, 2, 3, 1), 1)]', 3],
      // template-functions-string.md#indexof: firstT, lastT, firstString, lastString, notFound
      ["[indexOf('test', 't')]", 0],
      ["[lastIndexOf('test', 't')]", 3],
      ["[indexOf('abcdef', 'CD')]", 2],
      ["[lastIndexOf('abcdef', 'AB')]", 0],
      ["[indexOf('abcdef', 'z')]", -1],
      // FunctionResolverTests and the bicepparam baseline
      ["[indexOf('food', 'o')]", 1],
      ["[lastIndexOf('food', 'o')]", 2],
      ["[lastIndexOf('abcba', 'b')]", 3],
      ["[lastIndexOf(createArray('fizz', 'buzz', 'pop', 'fizz'), 'fizz')]", 3],
    ]);
  });

  it('intersection keeps the first argument order', async () => {
    // template-functions-array.md#intersection; bicep-functions-array.md (commonUp, commonDown)
    await expect([
      [
        "[intersection(createObject('one', 'a', 'two', 'b', 'three', 'c'), createObject('one', 'a', 'two', 'z', 'three', 'c'))]",
        { one: 'a', three: 'c' },
      ],
      ["[intersection(createArray('one', 'two', 'three'), createArray('two', 'three'))]", ['two', 'three']],
      ['[intersection(createArray(1, 2, 3, 4), createArray(3, 2, 1), createArray(4, 1, 3, 2))]', [1, 2, 3]],
      ['[intersection(createArray(3, 2, 1), createArray(4, 1, 3, 2), createArray(1, 2, 3, 4))]', [3, 2, 1]],
    ]);
    await refuse([
      [
        "[intersection(createArray(1), 'foo')]",
        /'intersection' expects its second parameter to be of type 'Array' like the first/,
      ],
    ]);
  });

  it('length', async () => {
    // template-functions-array.md#length: arrayLength, stringLength, objectLength
    await expect(
      [
        ["[length(parameters('arrayToTest'))]", 3],
        ["[length('One Two Three')]", 13],
        ["[length(parameters('objectToTest'))]", 4],
      ],
      testScope({
        parameters: {
          arrayToTest: ['one', 'two', 'three'],
          objectToTest: { propA: 'one', propB: 'two', propC: 'three', propD: { 'propD-1': 'sub', 'propD-2': 'sub' } },
        },
      }),
    );
    await refuse([['[length(1)]', /'length' expects its parameter to be an array, an object, or a string/]]);
  });

  it('range', async () => {
    // template-functions-array.md#range: rangeOutput
    await expect([
      ['[range(5, 3)]', [5, 6, 7]],
      ['[range(0, 0)]', []],
    ]);
    await refuse([
      ['[range(0, 10001)]', /'range': the count must be a non-negative integer no greater than 10000/],
      [
        '[range(2147483647, 1)]',
        /the sum of the start index '2147483647' and the count '1' must be no greater than 2147483647/,
      ],
      [
        "[range(0, 'foo')]",
        /'range' expects its second parameter to be of type 'Integer'. The provided value is of type 'String'/,
      ],
    ]);
  });

  it('skip and take', () =>
    // template-functions-array.md#skip, #take
    expect([
      ["[skip(createArray('one', 'two', 'three'), 2)]", ['three']],
      ["[skip('one two three', 4)]", 'two three'],
      ["[take(createArray('one', 'two', 'three'), 2)]", ['one', 'two']],
      ["[take('one two three', 2)]", 'on'],
      ["[skip('abc', -1)]", 'abc'],
      ["[take('abc', 10)]", 'abc'],
      ['[take(createArray(1), -3)]', []],
      // FunctionResolverTests
      ["[skip('foot', 3)]", 't'],
    ]));

  it('union keeps first occurrences and merges nested objects, not arrays', () =>
    // template-functions-array.md#union, both examples
    expect([
      [
        "[union(createObject('one', 'a', 'two', 'b', 'three', 'c1'), createObject('three', 'c2', 'four', 'd', 'five', 'e'))]",
        { one: 'a', two: 'b', three: 'c2', four: 'd', five: 'e' },
      ],
      [
        "[union(createArray('one', 'two', 'three'), createArray('three', 'four', 'two'))]",
        ['one', 'two', 'three', 'four'],
      ],
      [
        '[union(json(\'{"property":{"one":"a","two":"b","three":"c1"},"nestedArray":[1,2]}\'), json(\'{"property":{"three":"c2","four":"d","five":"e"},"nestedArray":[3,4]}\'))]',
        { property: { one: 'a', two: 'b', three: 'c2', four: 'd', five: 'e' }, nestedArray: [3, 4] },
      ],
      [
        '[union(json(\'[["one","two"],["three"]]\'), json(\'[["three"],["four","two"]]\'))]',
        [['one', 'two'], ['three'], ['four', 'two']],
      ],
    ]));

  it('distinct', () => expect([['[distinct(createArray(1, 2, 1, createArray(3), createArray(3)))]', [1, 2, [3]]]]));

  it('max and min', async () => {
    // template-functions-numeric.md#max, #min
    await expect([
      ['[max(createArray(0, 3, 2, 5, 4))]', 5],
      ['[max(0,3,2,5,4)]', 5],
      ['[min(createArray(0, 3, 2, 5, 4))]', 0],
      ['[min(0,3,2,5,4)]', 0],
    ]);
    await refuse([
      [
        "[max(1, 2, '3')]",
        /'max' expects its third parameter to be of type 'Integer'. The provided value is of type 'String'/,
      ],
      ['[min(createArray())]', "Unable to evaluate template language function 'min': the array is empty."],
    ]);
  });
});

describe('template functions: comparison', () => {
  it('coalesce skips nulls', () =>
    // template-functions-comparison.md#coalesce
    expect(
      [
        [
          "[coalesce(parameters('objectToTest').null1, parameters('objectToTest').null2, parameters('objectToTest').string)]",
          'default',
        ],
        [
          "[coalesce(parameters('objectToTest').null1, parameters('objectToTest').null2, parameters('objectToTest').int)]",
          1,
        ],
        [
          "[coalesce(parameters('objectToTest').null1, parameters('objectToTest').null2, parameters('objectToTest').object)]",
          { first: 'default' },
        ],
        [
          "[coalesce(parameters('objectToTest').null1, parameters('objectToTest').null2, parameters('objectToTest').array)]",
          [1],
        ],
        ["[empty(coalesce(parameters('objectToTest').null1, parameters('objectToTest').null2))]", true],
      ],
      testScope({
        parameters: {
          objectToTest: {
            null1: null,
            null2: null,
            string: 'default',
            int: 1,
            object: { first: 'default' },
            array: [1],
          },
        },
      }),
    ));

  it('equals compares deeply and with case', () =>
    // template-functions-comparison.md#equals: checkInts, checkStrings, checkArrays, checkObjects; not-equals example
    expect([
      ['[equals(1, 1)]', true],
      ["[equals('demo', 'Demo')]", false],
      ["[equals(createArray('a', 'b'), createArray('a', 'b'))]", true],
      ["[equals(createObject('a', 'b'), createObject('a', 'b'))]", true],
      ['[not(equals(1, 2))]', true],
      ["[equals(createArray('a'), createArray('a', 'b'))]", false],
      ["[equals(1, '1')]", false],
      ['[equals(null(), null())]', true],
    ]));

  it('greater, greaterOrEquals, less, lessOrEquals on integers and strings', async () => {
    // template-functions-comparison.md: checkInts and checkStrings of each ('A' against 'a')
    await expect([
      ['[greater(1, 2)]', false],
      ["[greater('A', 'a')]", true],
      ['[greaterOrEquals(1, 2)]', false],
      ["[greaterOrEquals('A', 'a')]", true],
      ['[less(1, 2)]', true],
      ["[less('A', 'a')]", false],
      ['[lessOrEquals(1, 2)]', true],
      ["[lessOrEquals('A', 'a')]", false],
      ['[lessOrEquals(2, 2)]', true],
      ["[less('abc', 'abd')]", true],
    ]);
    await refuse([
      [
        "[greater(1, 'a')]",
        /'greater' expects two integers or two strings. The provided values are of type 'Integer' and 'String'/,
      ],
    ]);
  });
});

describe('template functions: date', () => {
  it('dateTimeAdd adds ISO 8601 durations, a year being 365 days and a month 30', async () => {
    // template-functions-date.md#datetimeadd: the remarks' four examples
    await expect([
      ["[dateTimeAdd('2023-01-01 00:00:00Z', 'P1Y')]", '2024-01-01T00:00:00Z'],
      ["[dateTimeAdd('2024-01-01 00:00:00Z', 'P1Y')]", '2024-12-31T00:00:00Z'],
      ["[dateTimeAdd('2023-02-01 00:00:00Z', 'P1M')]", '2023-03-03T00:00:00Z'],
      ["[dateTimeAdd('2024-02-01 00:00:00Z', 'P1M')]", '2024-03-02T00:00:00Z'],
      // the example with base time 2020-04-07 14:53:14Z (utcNow('u')): add3Years, subtract9Days, add1Hour
      ["[dateTimeAdd('2020-04-07 14:53:14Z', 'P3Y')]", '2023-04-07T14:53:14Z'],
      ["[dateTimeAdd('2020-04-07 14:53:14Z', '-P9D')]", '2020-03-29T14:53:14Z'],
      ["[dateTimeAdd('2020-04-07 14:53:14Z', 'PT1H')]", '2020-04-07T15:53:14Z'],
      // the bicepparam baseline
      ["[dateTimeAdd(dateTimeFromEpoch(1680224438), 'P1D')]", '2023-04-01T01:00:38Z'],
      // utcNow()'s default (basic) format as a base, a format for the result, weeks, fractions, offsets
      ["[dateTimeAdd('20190305T175318Z', 'P1W', 'yyyy-MM-dd')]", '2019-03-12'],
      ["[dateTimeAdd('2019-03-05T17:53:18.5Z', 'PT0.5S')]", '2019-03-05T17:53:19Z'],
      ["[dateTimeAdd('2019-03-05T17:53:18+02:00', 'PT0S')]", '2019-03-05T15:53:18Z'],
      ["[dateTimeAdd('2019-03-05', 'P1DT2H3M4S', 'u')]", '2019-03-06 02:03:04Z'],
    ]);
    await refuse([
      // the bicepparam baseline (Invalid_Expressions): Azure's message for a bad duration
      [
        "[dateTimeAdd(dateTimeFromEpoch(1680224438), 'PTASDIONS1D')]",
        "The template function 'dateTimeAdd' has an invalid parameter. The second parameter 'PTASDIONS1D' is not a valid ISO8601 Duration string. Please see https://aka.ms/arm-syntax-functions .",
      ],
      ["[dateTimeAdd('2019-03-05', 'P')]", /The second parameter 'P' is not a valid ISO8601 Duration string/],
      ["[dateTimeAdd('yesterday', 'P1D')]", /The first parameter 'yesterday' is not a valid ISO8601 DateTime string/],
      ["[dateTimeAdd('2019-02-30', 'P1D')]", /The first parameter '2019-02-30' is not a valid ISO8601 DateTime string/],
      ["[dateTimeAdd('2019-03-05', 'P1D', 'q')]", /'dateTimeAdd': the format 'q' is not valid/],
    ]);
  });

  it('dateTimeFromEpoch and dateTimeToEpoch', () =>
    // template-functions-date.md#datetimefromepoch: datetimeValue 2023-05-02T15:16:13Z, epochValue 1683040573
    expect([
      ['[dateTimeFromEpoch(1683040573)]', '2023-05-02T15:16:13Z'],
      ["[dateTimeToEpoch('2023-05-02T15:16:13Z')]", 1683040573],
      // the bicepparam baseline
      ['[dateTimeToEpoch(dateTimeFromEpoch(1680224438))]', 1680224438],
    ]));

  it('utcNow in its default and .NET formats', () =>
    // template-functions-date.md#utcnow: utcOutput 20190305T175318Z, utcShortOutput 03/05/2019, utcCustomOutput 3 5
    expect(
      [
        ['[utcNow()]', '20190305T175318Z'],
        ["[utcNow('d')]", '03/05/2019'],
        ["[utcNow('M d')]", '3 5'],
        ["[utcNow('u')]", '2019-03-05 17:53:18Z'],
        ["[utcNow('o')]", '2019-03-05T17:53:18.1230000Z'],
        ["[utcNow('R')]", 'Tue, 05 Mar 2019 17:53:18 GMT'],
        ["[utcNow('dddd, MMMM d, yyyy h:mm:ss tt')]", 'Tuesday, March 5, 2019 5:53:18 PM'],
        [
          "[utcNow('yy-MMM-dd HH:mm:ss.fff FFFF K zzz ''quoted'' \\y')]",
          '19-Mar-05 17:53:18.123 123 Z +00:00 quoted y',
        ],
      ],
      testScope({ allowNonDeterministic: true }),
    ));
});

describe('template functions: deployment', () => {
  it('parameters, variables, deployment and environment come from the scope', () =>
    // template-functions-deployment.md: the parameters and variables examples
    expect(
      [
        ["[parameters('stringParameter')]", 'option 1'],
        ["[parameters('intParameter')]", 1],
        ["[parameters('objectParameter')]", { one: 'a', two: 'b' }],
        ["[parameters('arrayParameter')]", [1, 2, 3]],
        ["[variables('var1')]", 'myVariable'],
        ["[ variables('var2') ]", [1, 2, 3, 4]],
        ["[variables('VAR4').property2]", 'value2'],
        ['[deployment().name]', 'myDeployment'],
        [
          "[uri(deployment().properties.templateLink.uri, 'nested/azuredeploy.json')]",
          'https://example.com/templates/nested/azuredeploy.json',
        ],
        ['[environment().name]', 'AzureCloud'],
      ],
      testScope({
        parameters: {
          stringParameter: 'option 1',
          intParameter: 1,
          objectParameter: { one: 'a', two: 'b' },
          arrayParameter: [1, 2, 3],
        },
        variables: { var1: 'myVariable', var2: [1, 2, 3, 4], var4: { property1: 'value1', property2: 'value2' } },
      }),
    ));

  it('deployer when the engine gives it', async () => {
    await expect(
      [['[deployer().objectId]', 'abc']],
      testScope({ deployer: () => ({ objectId: 'abc', tenantId: 't' }) }),
    );
    await refuse([['[deployer()]', "The template function 'deployer' is not available in this deployment."]]);
  });
});

describe('template functions: lambda', () => {
  const scope = testScope({ variables: { dogs } });

  it('filter', () =>
    // template-functions-lambda.md#filter: oldDogs, filteredLoop, isEven
    expect(
      [
        [
          "[filter(variables('dogs'), lambda('dog', greaterOrEquals(lambdaVariables('dog').age, 5)))]",
          [dogs[0], dogs[3]],
        ],
        ["[filter(range(0, 10), lambda('i', greater(lambdaVariables('i'), 5)))]", [6, 7, 8, 9]],
        ["[filter(range(0, 10), lambda('i', equals(0, mod(lambdaVariables('i'), 2))))]", [0, 2, 4, 6, 8]],
        // EvaluationTests.New_functions_are_evaluated_correctly: the index as a second parameter
        [
          "[filter(createArray('a', 'b', 'c', 'd'), lambda('item', 'i', equals(mod(lambdaVariables('i'), 2), 0)))]",
          ['a', 'c'],
        ],
      ],
      scope,
    ));

  it('map', () =>
    // template-functions-lambda.md#map: dogNames, sayHi, mapObject
    expect(
      [
        ["[map(variables('dogs'), lambda('dog', lambdaVariables('dog').name))]", ['Evie', 'Casper', 'Indy', 'Kira']],
        [
          "[map(variables('dogs'), lambda('dog', format('Hello {0}!', lambdaVariables('dog').name)))]",
          ['Hello Evie!', 'Hello Casper!', 'Hello Indy!', 'Hello Kira!'],
        ],
        [
          "[map(range(0, length(variables('dogs'))), lambda('i', createObject('i', lambdaVariables('i'), 'dog', variables('dogs')[lambdaVariables('i')].name, 'greeting', format('Ahoy, {0}!', variables('dogs')[lambdaVariables('i')].name))))]",
          [
            { i: 0, dog: 'Evie', greeting: 'Ahoy, Evie!' },
            { i: 1, dog: 'Casper', greeting: 'Ahoy, Casper!' },
            { i: 2, dog: 'Indy', greeting: 'Ahoy, Indy!' },
            { i: 3, dog: 'Kira', greeting: 'Ahoy, Kira!' },
          ],
        ],
        ["[map(createArray(), lambda('x', 1))]", []],
      ],
      scope,
    ));

  it('reduce', () =>
    // template-functions-lambda.md#reduce: totalAge, totalAgeAdd1, reduceObjectUnion
    expect(
      [
        [
          "[reduce(map(variables('dogs'), lambda('dog', lambdaVariables('dog').age)), 0, lambda('cur', 'next', add(lambdaVariables('cur'), lambdaVariables('next'))))]",
          18,
        ],
        [
          "[reduce(map(variables('dogs'), lambda('dog', lambdaVariables('dog').age)), 1, lambda('cur', 'next', add(lambdaVariables('cur'), lambdaVariables('next'))))]",
          19,
        ],
        [
          "[reduce(createArray(createObject('foo', 123), createObject('bar', 456), createObject('baz', 789)), createObject(), lambda('cur', 'next', union(lambdaVariables('cur'), lambdaVariables('next'))))]",
          { foo: 123, bar: 456, baz: 789 },
        ],
        // EvaluationTests.New_functions_are_evaluated_correctly: concatIfEven with the index
        [
          "[reduce(createArray('abc', 'def', 'ghi'), '', lambda('cur', 'next', 'i', if(equals(mod(lambdaVariables('i'), 2), 0), concat(lambdaVariables('cur'), lambdaVariables('next')), lambdaVariables('cur'))))]",
          'abcghi',
        ],
      ],
      scope,
    ));

  it('sort, stable', () =>
    // template-functions-lambda.md#sort: dogsByAge; EvaluationTests: sortNumeric, sortAlphaReverse
    expect(
      [
        [
          "[sort(variables('dogs'), lambda('a', 'b', less(lambdaVariables('a').age, lambdaVariables('b').age)))]",
          [dogs[2], dogs[1], dogs[0], dogs[3]],
        ],
        [
          "[sort(createArray(8, 3, 10, -13, 5), lambda('x', 'y', less(lambdaVariables('x'), lambdaVariables('y'))))]",
          [-13, 3, 5, 8, 10],
        ],
        [
          "[sort(createArray('ghi', 'abc', 'def'), lambda('x', 'y', greater(lambdaVariables('x'), lambdaVariables('y'))))]",
          ['ghi', 'def', 'abc'],
        ],
        [
          "[sort(createArray('b1', 'a1', 'b2', 'a2'), lambda('x', 'y', less(first(lambdaVariables('x')), first(lambdaVariables('y')))))]",
          ['a1', 'a2', 'b1', 'b2'],
        ],
      ],
      scope,
    ));

  it('toObject', () =>
    // template-functions-lambda.md#toobject; the bicepparam baseline's toObject
    expect(
      [
        [
          "[toObject(variables('dogs'), lambda('entry', lambdaVariables('entry').name))]",
          { Evie: dogs[0], Casper: dogs[1], Indy: dogs[2], Kira: dogs[3] },
        ],
        [
          "[toObject(variables('dogs'), lambda('entry', lambdaVariables('entry').name), lambda('entry', lambdaVariables('entry').age))]",
          { Evie: 5, Casper: 3, Indy: 2, Kira: 8 },
        ],
        [
          "[toObject(createArray('a', 'b', 'c'), lambda('x', lambdaVariables('x')), lambda('x', format('Hi {0}!', lambdaVariables('x'))))]",
          { a: 'Hi a!', b: 'Hi b!', c: 'Hi c!' },
        ],
        // EvaluationTests: objectMap (string of an integer division)
        [
          "[toObject(createArray(123, 456, 789), lambda('i', string(div(lambdaVariables('i'), 100))))]",
          { '1': 123, '4': 456, '7': 789 },
        ],
      ],
      scope,
    ));

  it('groupBy and mapValues', () =>
    // EvaluationTests.New_functions_are_evaluated_correctly: groupByTest, groupByWithValMapTest, mapValuesTest
    expect([
      [
        "[groupBy(createArray(createObject('type', 'a', 'value', 123), createObject('type', 'b', 'value', 456), createObject('type', 'a', 'value', 789)), lambda('arg', lambdaVariables('arg').type))]",
        {
          a: [
            { type: 'a', value: 123 },
            { type: 'a', value: 789 },
          ],
          b: [{ type: 'b', value: 456 }],
        },
      ],
      [
        "[groupBy(createArray(createObject('type', 'a', 'value', 123), createObject('type', 'b', 'value', 456), createObject('type', 'a', 'value', 789)), lambda('arg', lambdaVariables('arg').type), lambda('arg', lambdaVariables('arg').value))]",
        { a: [123, 789], b: [456] },
      ],
      [
        "[mapValues(createObject('a', 123, 'b', 456), lambda('val', mul(lambdaVariables('val'), 2)))]",
        { a: 246, b: 912 },
      ],
      [
        "[groupBy(createArray('foo', 'bar', 'baz'), lambda('x', substring(lambdaVariables('x'), 0, 1)))]",
        { f: ['foo'], b: ['bar', 'baz'] },
      ],
    ]));
});

describe('template functions: logical', () => {
  it('and, or, not, bool, true, false, if', async () => {
    // template-functions-logical.md: andExampleOutput, orExampleOutput, notExampleOutput, bool, if
    await expect([
      ["[and(bool('true'), bool('false'))]", false],
      ["[or(bool('true'), bool('false'))]", true],
      ["[not(bool('true'))]", false],
      ["[bool('true')]", true],
      ["[bool('false')]", false],
      ['[bool(1)]', true],
      ['[bool(0)]', false],
      ["[bool('TRUE')]", true],
      ['[and(true(), true(), false())]', false],
      ['[or(false(), false(), true())]', true],
      ['[true()]', true],
      ['[false()]', false],
      ["[if(equals('a', 'a'), 'yes', 'no')]", 'yes'],
      ["[if(equals('a', 'b'), 'yes', 'no')]", 'no'],
      ["[if(equals('a', 'a'), json('{\"test\": \"value1\"}'), json('null'))]", { test: 'value1' }],
    ]);
    await refuse([
      // the bicepparam baseline (Invalid_Expressions)
      [
        "[bool('sdf')]",
        "The template language function 'bool' was invoked with a parameter that is not valid. The value cannot be converted to the target type.",
      ],
      ["[not('true')]", /'not' expects its parameter to be of type 'Boolean'. The provided value is of type 'String'/],
      ["[and(true(), 'x')]", /'and' expects its second parameter to be of type 'Boolean'/],
    ]);
  });
});

describe('template functions: numeric', () => {
  it('add, sub, mul, div, mod', async () => {
    // template-functions-numeric.md: addResult 8, divResult 2, modResult 1, mulResult 45, subResult 4
    await expect([
      ['[add(5, 3)]', 8],
      ['[div(8, 3)]', 2],
      ['[mod(7, 3)]', 1],
      ['[mul(mul(5, 3), 3)]', 45],
      ['[sub(7, 3)]', 4],
      // C#'s integer division truncates toward zero; the remainder keeps the dividend's sign
      ['[div(-7, 2)]', -3],
      ['[mod(-7, 3)]', -1],
      // EvaluationTests.Basic_arithmetic_expressions_are_evaluated_successfully
      ['[sub(div(mod(mul(add(1, 3), 5), 7), 11), 13)]', -13],
    ]);
    await refuse([
      // the messages Bicep prints from Azure's engine for overflow
      [
        '[mul(2199023255552, 2199023255552)]',
        "The template language function 'mul' overflowed with the operants '2199023255552' and '2199023255552'. Please see https://aka.ms/arm-functions for usage details.",
      ],
      [
        '[mul(9223372036854775807, 9223372036854775807)]',
        "The template language function 'mul' overflowed with the operants '9223372036854775807' and '9223372036854775807'. Please see https://aka.ms/arm-functions for usage details.",
      ],
      ['[add(9223372036854775807, 1)]', /'add' overflowed/],
      ['[div(1, 0)]', "Unable to evaluate template language function 'div': attempted to divide by zero."],
      ['[mod(1, 0)]', "Unable to evaluate template language function 'mod': attempted to divide by zero."],
      [
        "[add(1, json('1.5'))]",
        /'add' expects its second parameter to be of type 'Integer'. The provided value is of type 'Float'/,
      ],
      [
        "[add('1', 2)]",
        /'add' expects its first parameter to be of type 'Integer'. The provided value is of type 'String'/,
      ],
    ]);
  });

  it('int and float', async () => {
    // template-functions-numeric.md#int: intResult 4; #float
    await expect([
      ["[int('4')]", 4],
      ['[int(123)]', 123],
      ["[int(' -12 ')]", -12],
      ["[int(json('2.5'))]", 2],
      ["[int(json('3.5'))]", 4],
      ["[float('3.0')]", 3],
      ['[float(3)]', 3],
      ["[float('-0.25')]", -0.25],
    ]);
    await refuse([
      // the bicepparam baseline (Invalid_Expressions)
      [
        "[int('asdf')]",
        "The template language function 'int' cannot convert provided value 'asdf' to integer value. Please see https://aka.ms/arm-function-int for usage details.",
      ],
      ["[int('1.5')]", /'int' cannot convert provided value '1.5'/],
      ["[float('x')]", /'float' cannot convert provided value 'x'/],
    ]);
  });

  it('copyIndex with and without a loop name and offset', async () => {
    const scope = testScope({ copyIndexes: { '': 2, storagecopy: 5 } });
    await expect(
      [
        ['[copyIndex()]', 2],
        ['[copyIndex(1)]', 3],
        ["[copyIndex('storagecopy')]", 5],
        ["[copyIndex('storagecopy', 10)]", 15],
      ],
      scope,
    );
    await refuse([["[copyIndex(1, 'x')]", /'copyIndex' expects its first parameter to be of type 'String'/]], scope);
  });
});

describe('template functions: object', () => {
  it('createObject', async () => {
    // template-functions-object.md#createobject: newObject
    await expect([
      [
        "[createObject('intProp', 1, 'stringProp', 'abc', 'boolProp', true(), 'arrayProp', createArray('a', 'b', 'c'), 'objectProp', createObject('key1', 'value1'))]",
        { intProp: 1, stringProp: 'abc', boolProp: true, arrayProp: ['a', 'b', 'c'], objectProp: { key1: 'value1' } },
      ],
      ['[createObject()]', {}],
    ]);
    await refuse([
      ["[createObject('a')]", /keys and values in pairs/],
      ["[createObject(1, 'a')]", /'createObject' expects its first parameter to be of type 'String'/],
      ["[createObject('a', 1, 'A', 2)]", /the key 'A' is given more than once/],
    ]);
  });

  it('items sorts by name without case, keeping the order of names equal without case', () =>
    expect([
      // template-functions-object.md#items: itemsResult
      [
        '[items(json(\'{"item002":{"enabled":false,"displayName":"Example item 2","number":200},"item001":{"enabled":true,"displayName":"Example item 1","number":300}}\'))]',
        [
          { key: 'item001', value: { enabled: true, displayName: 'Example item 1', number: 300 } },
          { key: 'item002', value: { enabled: false, displayName: 'Example item 2', number: 200 } },
        ],
      ],
      // EvaluationTests.Items_function_evaluation_works
      [
        '[map(items(json(\'{"ghiKey":1,"defKey":2,"abcKey":3,"123Key":4,"GHIKey":5,"DEFKey":6,"ABCKey":7,"456Key":8}\')), lambda(\'i\', lambdaVariables(\'i\').key))]',
        ['123Key', '456Key', 'abcKey', 'ABCKey', 'defKey', 'DEFKey', 'ghiKey', 'GHIKey'],
      ],
    ]));

  it('json, in the lenient form Azure parses', async () => {
    // template-functions-object.md#json: every output of the example
    await expect([
      ["[empty(json('null'))]", true],
      ['[json(\'{"a": "b"}\')]', { a: 'b' }],
      ['[json(\'"test"\')]', 'test'],
      ["[json('true')]", true],
      ["[json('3')]", 3],
      ["[json('[1,2,3 ]')]", [1, 2, 3]],
      ["[json(concat('{\"a\": \"', 'demo value', '\"}'))]", { a: 'demo value' }],
      // Newtonsoft's leniency: single quotes, bare names, comments
      ["[json('{''a'': [1, /* two */ 2], b: null}')]", { a: [1, 2], b: null }],
    ]);
    await refuse([
      [
        '[json(\'{"a": \')]',
        /Unable to evaluate template language function 'json': the provided value '\{"a": ' is not valid JSON/,
      ],
    ]);
  });

  it('null, objectKeys, shallowMerge', () =>
    // template-functions-object.md#null: emptyOutput; EvaluationTests: objectKeysTest, shallowMergeTest
    expect([
      ['[empty(null())]', true],
      ['[null()]', null],
      ["[objectKeys(createObject('a', 123, 'b', 456))]", ['a', 'b']],
      ["[shallowMerge(createArray(createObject('a', 123), createObject('b', 456)))]", { a: 123, b: 456 }],
      [
        "[shallowMerge(createArray(createObject('a', createObject('x', 1)), createObject('A', createObject('y', 2))))]",
        { a: { y: 2 } },
      ],
    ]));

  it('tryGet', () =>
    expect(
      [
        ["[tryGet(parameters('o'), 'a', 'b', 0)]", 'x'],
        ["[tryGet(parameters('o'), 'A', 'B', 1)]", null],
        ["[tryGet(parameters('o'), 'missing', 'b')]", null],
        ["[tryGet(parameters('o'), 'a', 'b', createObject('value', 1, 'fromEnd', true()))]", 'x'],
        ["[tryGet(createArray(1), 'a')]", null],
      ],
      testScope({ parameters: { o: { a: { b: ['x'] } } } }),
    ));
});

describe('template functions: resource', () => {
  it('resourceId in the current group, another group, another subscription, with child types', async () => {
    // template-functions-resource.md#resourceid: sameRGOutput, differentRGOutput, differentSubOutput, nestedResourceOutput
    await expect([
      [
        "[resourceId('Microsoft.Storage/storageAccounts','examplestorage')]",
        `${RESOURCE_GROUP_ID}/providers/Microsoft.Storage/storageAccounts/examplestorage`,
      ],
      [
        "[resourceId('otherResourceGroup', 'Microsoft.Storage/storageAccounts','examplestorage')]",
        `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/otherResourceGroup/providers/Microsoft.Storage/storageAccounts/examplestorage`,
      ],
      [
        "[resourceId('11111111-1111-1111-1111-111111111111', 'otherResourceGroup', 'Microsoft.Storage/storageAccounts','examplestorage')]",
        '/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/otherResourceGroup/providers/Microsoft.Storage/storageAccounts/examplestorage',
      ],
      [
        "[resourceId('Microsoft.SQL/servers/databases', 'serverName', 'databaseName')]",
        `${RESOURCE_GROUP_ID}/providers/Microsoft.SQL/servers/serverName/databases/databaseName`,
      ],
      [
        "[resourceId('Microsoft.ServiceBus/namespaces/queues/authorizationRules', 'namespace1', 'queue1', 'auth1')]",
        `${RESOURCE_GROUP_ID}/providers/Microsoft.ServiceBus/namespaces/namespace1/queues/queue1/authorizationRules/auth1`,
      ],
    ]);
    await refuse([
      [
        "[resourceId('Microsoft.Network/virtualNetworks/subnets', 'vnet')]",
        "Unable to evaluate template language function 'resourceId': the type 'Microsoft.Network/virtualNetworks/subnets' requires '2' resource name argument(s).",
      ],
      [
        "[resourceId('Microsoft.Storage/storageAccounts', 'a', 'b')]",
        /the type 'Microsoft.Storage\/storageAccounts' requires '1' resource name argument\(s\)/,
      ],
      [
        "[resourceId('a', 'b', 'c', 'Microsoft.Storage/storageAccounts', 'x')]",
        /must be the first, second or third parameter/,
      ],
      ["[resourceId('storageAccounts', 'x')]", /must be the first, second or third parameter/],
      ["[resourceId('Microsoft.Storage/', 'x')]", /the type 'Microsoft.Storage\/' is not a valid resource type/],
      [
        "[resourceId('Microsoft.Storage/storageAccounts', 1)]",
        /'resourceId' expects its second parameter to be of type 'String'/,
      ],
    ]);
  });

  it('resourceId at subscription, management group and tenant scope', async () => {
    // template-functions-resource.md#return-value: the id's form at each deployment scope
    await expect(
      [
        [
          "[resourceId('Microsoft.Authorization/roleDefinitions', 'r')]",
          `/subscriptions/${SUBSCRIPTION_ID}/providers/Microsoft.Authorization/roleDefinitions/r`,
        ],
        [
          "[resourceId('rg', 'Microsoft.Storage/storageAccounts', 's')]",
          `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/s`,
        ],
      ],
      testScope({ deploymentScope: 'subscription' }),
    );
    await expect(
      [
        [
          "[resourceId('Microsoft.Authorization/policyDefinitions', 'p')]",
          '/providers/Microsoft.Authorization/policyDefinitions/p',
        ],
      ],
      testScope({ deploymentScope: 'tenant' }),
    );
    await refuse(
      [
        [
          "[resourceId('rg', 'Microsoft.Storage/storageAccounts', 's')]",
          /a resource group name can only be given with a subscription id in a deployment to a management group/,
        ],
      ],
      testScope({ deploymentScope: 'managementGroup' }),
    );
  });

  it('subscriptionResourceId, managementGroupResourceId, tenantResourceId, extensionResourceId', async () => {
    await expect([
      // template-functions-resource.md#subscriptionresourceid: the built-in role example
      [
        "[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '8e3af657-a8ff-443c-a75c-2fe8c4bcb635')]",
        `/subscriptions/${SUBSCRIPTION_ID}/providers/Microsoft.Authorization/roleDefinitions/8e3af657-a8ff-443c-a75c-2fe8c4bcb635`,
      ],
      [
        "[subscriptionResourceId('22222222-2222-2222-2222-222222222222', 'Microsoft.Resources/resourceGroups', 'rg')]",
        '/subscriptions/22222222-2222-2222-2222-222222222222/providers/Microsoft.Resources/resourceGroups/rg',
      ],
      // #tenantresourceid: the built-in policy example
      [
        "[tenantResourceId('Microsoft.Authorization/policyDefinitions', '0a914e76-4921-4c19-b460-a2d36003525a')]",
        '/providers/Microsoft.Authorization/policyDefinitions/0a914e76-4921-4c19-b460-a2d36003525a',
      ],
      // #managementgroupresourceid with the group named
      [
        "[managementGroupResourceId('mg1', 'Microsoft.Authorization/policyDefinitions', 'LocationRestriction')]",
        '/providers/Microsoft.Management/managementGroups/mg1/providers/Microsoft.Authorization/policyDefinitions/LocationRestriction',
      ],
      // #extensionresourceid: the lock on a resource group (resourceGroup().Id, any case)
      [
        "[extensionResourceId(resourceGroup().Id , 'Microsoft.Authorization/locks', 'myLock')]",
        `${RESOURCE_GROUP_ID}/providers/Microsoft.Authorization/locks/myLock`,
      ],
    ]);
    await expect(
      [
        [
          "[managementGroupResourceId('Microsoft.Authorization/policyDefinitions', 'p')]",
          '/providers/Microsoft.Management/managementGroups/mg-current/providers/Microsoft.Authorization/policyDefinitions/p',
        ],
      ],
      testScope({ deploymentScope: 'managementGroup', managementGroup: () => ({ name: 'mg-current' }) }),
    );
    await refuse([
      [
        "[managementGroupResourceId('Microsoft.Authorization/policyDefinitions', 'p')]",
        /a management group id must be given outside a deployment to a management group/,
      ],
      [
        "[tenantResourceId('Microsoft.Authorization/policyDefinitions')]",
        /'tenantResourceId' expects at least 2 parameter\(s\)/,
      ],
    ]);
  });

  it('reference and list* pass what the call says to the engine', async () => {
    const calls: ScopeCalls = { reference: [], list: [], variables: [] };
    const scope = testScope({ calls });
    await expect(
      [
        ["[reference('myStorage').state]", 'ready'],
        [
          "[reference(resourceId('Microsoft.Compute/virtualMachines', 'vm'), '2019-12-01', 'Full').id]",
          `${RESOURCE_GROUP_ID}/providers/Microsoft.Compute/virtualMachines/vm`,
        ],
        ["[reference('x', '2022-09-01', 'full').properties.state]", 'ready'],
        ["[listKeys(resourceId('Microsoft.Storage/storageAccounts', 's'), '2022-09-01').keys[0].value]", 'secret'],
        ["[listAccountSas('s', '2022-09-01', createObject('signedExpiry', '2030-01-01')).keys[0].keyName]", 'key1'],
        ["[LISTSECRETS('s', '2022-09-01') .keys[0].keyName]", 'key1'],
      ],
      scope,
    );
    assert.deepEqual(calls.reference, [
      ['myStorage', undefined, false],
      [`${RESOURCE_GROUP_ID}/providers/Microsoft.Compute/virtualMachines/vm`, '2019-12-01', true],
      ['x', '2022-09-01', true],
    ]);
    assert.deepEqual(calls.list, [
      ['listKeys', `${RESOURCE_GROUP_ID}/providers/Microsoft.Storage/storageAccounts/s`, '2022-09-01', undefined],
      ['listAccountSas', 's', '2022-09-01', { signedExpiry: '2030-01-01' }],
      ['LISTSECRETS', 's', '2022-09-01', undefined],
    ]);
    await refuse([
      [
        "[reference('x', '2022-09-01', 'Everything')]",
        /the last parameter must be 'Full' or 'Properties'; it is 'Everything'/,
      ],
      ["[listKeys('x')]", /'listKeys' expects between 2 and 3 parameter\(s\)/],
    ]);
  });

  it('references, providers and pickZones through the engine, when it has them', async () => {
    const scope = testScope({
      references: async (name, full) => [{ name, full }],
      providers: async (namespace, type) => ({ namespace, resourceTypes: [{ resourceType: type }] }),
    });
    await expect(
      [
        ["[references('workers', 'Full')]", [{ name: 'workers', full: true }]],
        ["[references('workers')]", [{ name: 'workers', full: false }]],
        ["[providers('Microsoft.Compute', 'virtualMachines').namespace]", 'Microsoft.Compute'],
        // Kiln has no availability zones unless the engine says otherwise: pickZones finds none
        ["[pickZones('Microsoft.Compute', 'virtualMachines', 'westus2')]", []],
      ],
      scope,
    );
    await expect(
      [["[pickZones('Microsoft.Compute', 'virtualMachines', 'westus2', 2)]", ['1', '2']]],
      testScope({ pickZones: (_n, _t, _l, count) => ['1', '2', '3'].slice(0, count) }),
    );
    await refuse([
      ["[providers('Microsoft.Compute')]", "The template function 'providers' is not available in this deployment."],
    ]);
  });
});

describe('template functions: scope', () => {
  it('resourceGroup, subscription, tenant, managementGroup', async () => {
    await expect([
      ['[resourceGroup().id]', RESOURCE_GROUP_ID],
      ['[resourceGroup().properties.provisioningState]', 'Succeeded'],
      ['[subscription().subscriptionId]', SUBSCRIPTION_ID],
      ['[subscription().id]', `/subscriptions/${SUBSCRIPTION_ID}`],
      ['[tenant().tenantId]', '11111111-1111-1111-1111-111111111111'],
    ]);
    await expect(
      [['[managementGroup().name]', 'mg']],
      testScope({ deploymentScope: 'managementGroup', managementGroup: () => ({ name: 'mg' }) }),
    );
    await refuse([['[managementGroup()]', /it can only be used in a deployment to a management group/]]);
  });
});

describe('template functions: CIDR', () => {
  it('parseCidr, cidrSubnet, cidrHost for IPv4 and IPv6', async () => {
    // template-functions-cidr.md: every example
    await expect([
      [
        "[parseCidr('10.144.0.0/20')]",
        {
          network: '10.144.0.0',
          netmask: '255.255.240.0',
          broadcast: '10.144.15.255',
          firstUsable: '10.144.0.1',
          lastUsable: '10.144.15.254',
          cidr: 20,
        },
      ],
      [
        "[parseCidr('fdad:3236:5555::/48')]",
        {
          network: 'fdad:3236:5555::',
          netmask: 'ffff:ffff:ffff::',
          firstUsable: 'fdad:3236:5555::',
          lastUsable: 'fdad:3236:5555:ffff:ffff:ffff:ffff:ffff',
          cidr: 48,
        },
      ],
      [
        "[map(range(0, 5), lambda('i', cidrSubnet('10.144.0.0/20', 24, lambdaVariables('i'))))]",
        ['10.144.0.0/24', '10.144.1.0/24', '10.144.2.0/24', '10.144.3.0/24', '10.144.4.0/24'],
      ],
      [
        "[map(range(0, 5), lambda('i', cidrSubnet('fdad:3236:5555::/48', 52, lambdaVariables('i'))))]",
        [
          'fdad:3236:5555::/52',
          'fdad:3236:5555:1000::/52',
          'fdad:3236:5555:2000::/52',
          'fdad:3236:5555:3000::/52',
          'fdad:3236:5555:4000::/52',
        ],
      ],
      [
        "[map(range(0, 5), lambda('i', cidrHost('10.144.3.0/24', lambdaVariables('i'))))]",
        ['10.144.3.1', '10.144.3.2', '10.144.3.3', '10.144.3.4', '10.144.3.5'],
      ],
      [
        "[map(range(0, 5), lambda('i', cidrHost('fdad:3236:5555:3000::/52', lambdaVariables('i'))))]",
        [
          'fdad:3236:5555:3000::1',
          'fdad:3236:5555:3000::2',
          'fdad:3236:5555:3000::3',
          'fdad:3236:5555:3000::4',
          'fdad:3236:5555:3000::5',
        ],
      ],
      ["[parseCidr('192.168.1.77/24').network]", '192.168.1.0'],
    ]);
    await refuse([
      [
        "[parseCidr('10.0.0.0/33')]",
        "Unable to evaluate template language function 'parseCidr': the value '10.0.0.0/33' is not a valid IP address range in CIDR notation.",
      ],
      ["[cidrSubnet('10.0.0.0/24', 16, 0)]", /the new CIDR '16' must be between 24 and 32/],
      ["[cidrSubnet('10.0.0.0/24', 26, 4)]", /the subnet index '4' is out of range: the range has 4 subnets of \/26/],
      ["[cidrHost('10.0.0.0/30', 2)]", /the host index '2' is out of range: the range has 2 usable addresses/],
    ]);
  });
});
