// String functions against Azure's documented examples (template-functions-string.md, August 2025, and
// the Azure/azure-docs-json-samples templates it shows), against values Azure's engine computed (Bicep
// folds constant calls with Azure.Deployments.Expression; Azure/bicep FunctionResolverTests.cs
// GetLiteralTransformations and baselines_bicepparam/Expressions/parameters.json), format() as .NET's
// composite formatting, and uniqueString()/guid() byte for byte against values Azure printed.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  RESOURCE_GROUP_ID,
  expectValues as expect,
  expectRefusals as refuse,
  evaluate,
} from '../support/template-expressions.ts';

describe('template functions: string', () => {
  it('base64, base64ToString, base64ToJson', async () => {
    // #base64: base64Output, toStringOutput, toJsonOutput (the sample's JSON is single-quoted: {'one': 'a', 'two': 'b'})
    await expect([
      ["[base64('one, two, three')]", 'b25lLCB0d28sIHRocmVl'],
      ["[base64ToString('b25lLCB0d28sIHRocmVl')]", 'one, two, three'],
      ["[base64ToJson(base64('{''one'': ''a'', ''two'': ''b''}'))]", { one: 'a', two: 'b' }],
      // FunctionResolverTests; the bicepparam baseline
      ["[base64(' Fizz ')]", 'IEZpenog'],
      ["[base64ToString('IEZpenog')]", ' Fizz '],
      ['[base64ToJson(base64(\'{"hi": "there"}\')).hi]', 'there'],
      ["[base64ToString(base64('héllo ✓'))]", 'héllo ✓'],
    ]);
    await refuse([
      // the bicepparam baseline (Invalid_Expressions)
      [
        "[base64ToString(concat(base64('abc'), '@'))]",
        "The template language function 'base64ToString' was invoked with a parameter that is not valid. The value cannot be decoded from base64 representation.",
      ],
      [
        '[base64ToJson(base64(\'{"hi": "there"\'))]',
        /'base64ToJson': the provided value '\{"hi": "there"' is not valid JSON/,
      ],
    ]);
  });

  it('dataUri and dataUriToString', async () => {
    await expect([
      // Azure's engine writes charset=utf-8 (FunctionResolverTests); the docs' table shows an older "utf8"
      ["[dataUri(' Fizz ')]", 'data:text/plain;charset=utf-8;base64,IEZpenog'],
      ["[dataUri('Hello')]", 'data:text/plain;charset=utf-8;base64,SGVsbG8='],
      ["[dataUriToString('data:text/plain;charset=utf-8;base64,IEZpenog')]", ' Fizz '],
      // #datauritostring: toStringOutput
      ["[dataUriToString('data:;base64,SGVsbG8sIFdvcmxkIQ==')]", 'Hello, World!'],
      ["[dataUriToString('data:text/plain;charset=utf8;base64,SGVsbG8=')]", 'Hello'],
      ["[dataUriToString('data:,a%20b')]", 'a b'],
      ["[dataUriToString(dataUri('abc'))]", 'abc'],
    ]);
    await refuse([
      // the bicepparam baseline (Invalid_Expressions), both of Azure's messages
      [
        "[dataUriToString(concat(dataUri('abc'), '@'))]",
        "The template language function 'dataUriToString' was invoked with a parameter that is not valid. The value cannot be converted to the target type.",
      ],
      [
        "[dataUriToString('Hi 0!')]",
        "The template language function 'dataUriToString' expects its parameter to be formatted as a valid data URI. The provided value 'Hi 0!' was not formatted correctly. Please see https://aka.ms/arm-functions#dataUriToString for usage details.",
      ],
    ]);
  });

  it('startsWith and endsWith ignore case', async () => {
    // #startswith: startsTrue, startsCapTrue, startsFalse, endsTrue, endsCapTrue, endsFalse
    await expect([
      ["[startsWith('abcdef', 'ab')]", true],
      ["[startsWith('abcdef', 'A')]", true],
      ["[startsWith('abcdef', 'e')]", false],
      ["[endsWith('abcdef', 'ef')]", true],
      ["[endsWith('abcdef', 'F')]", true],
      ["[endsWith('abcdef', 'e')]", false],
    ]);
    await refuse([
      [
        "[endsWith('foo', createArray())]",
        /'endsWith' expects its second parameter to be of type 'String'. The provided value is of type 'Array'/,
      ],
    ]);
  });

  it('join', async () => {
    // #join: firstOutput, secondOutput; FunctionResolverTests (integers and booleans)
    await expect([
      ["[join(createArray('one', 'two', 'three'), ',')]", 'one,two,three'],
      ["[join(createArray('one', 'two', 'three'), ';')]", 'one;two;three'],
      ["[join(createArray('abc', 123, true()), '/')]", 'abc/123/True'],
    ]);
    await refuse([
      [
        "[join(createArray(createObject()), ',')]",
        "The template language function 'join' expects an array of strings, integers or booleans. The item at index 0 is of type 'Object'.",
      ],
    ]);
  });

  it('padLeft', async () => {
    // #padleft: stringOutput; FunctionResolverTests; the bicepparam baseline (an integer, the default space)
    await expect([
      ["[padLeft('123', 10, '0')]", '0000000123'],
      ["[padLeft('00', 5, ' ')]", '   00'],
      ['[padLeft(13, 5)]', '   13'],
      ["[padLeft('longer', 2)]", 'longer'],
    ]);
    await refuse([
      ["[padLeft('1', 3, 'ab')]", /the padding character must be a single character; 'ab' is not/],
      ["[padLeft(13, 'foo')]", /'padLeft' expects its second parameter to be of type 'Integer'/],
    ]);
  });

  it('replace', async () => {
    // #replace: firstOutput, secondOutput; FunctionResolverTests
    await expect([
      ["[replace('123-123-1234', '-', '')]", '1231231234'],
      ["[replace('123-123-1234', '1234', 'xxxx')]", '123-123-xxxx'],
      ["[replace('foot', 't', 'd')]", 'food'],
      ["[replace('aAa', 'a', 'b')]", 'bAb'],
    ]);
    await refuse([
      [
        "[replace('a', '', 'b')]",
        "Unable to evaluate template language function 'replace': the string to replace must not be empty.",
      ],
    ]);
  });

  it('split on a delimiter or any of several', async () => {
    // #split: firstOutput, secondOutput
    await expect([
      ["[split('one,two,three', ',')]", ['one', 'two', 'three']],
      ["[split('one;two,three', createArray(',', ';'))]", ['one', 'two', 'three']],
      ["[split('a,,b,', ',')]", ['a', '', 'b', '']],
      ["[split('a--b-c', createArray('-', '--'))]", ['a', '', 'b', 'c']],
      ["[split('abc', '')]", ['abc']],
    ]);
    await refuse([["[split('a/b/c', 3)]", /'split' expects its second parameter to be of type 'Array'/]]);
  });

  it('string of every type, objects and arrays as compact JSON', () =>
    // #string: objectOutput, arrayOutput, intOutput
    expect([
      ["[string(createObject('valueA', 10, 'valueB', 'Example Text'))]", '{"valueA":10,"valueB":"Example Text"}'],
      ["[string(createArray('a', 'b', 'c'))]", '["a","b","c"]'],
      ['[string(5)]', '5'],
      ["[string('asdf')]", 'asdf'],
      // Azure/PSRule.Rules.Azure issue 793: ARM's string(true()) is True, string(false()) False
      ['[string(true())]', 'True'],
      ['[string(false())]', 'False'],
      ['[string(null())]', ''],
      ['[string(json(\'{"a": [1, {"b": null}], "c": "q\\"uote"}\'))]', '{"a":[1,{"b":null}],"c":"q\\"uote"}'],
    ]));

  it('substring, with the message Azure documents for a range past the end', async () => {
    // #substring: substringOutput, and the remarks' error; FunctionResolverTests; the bicepparam baseline
    await expect([
      ["[substring('one two three', 4, 3)]", 'two'],
      ["[substring('foot', 0, 3)]", 'foo'],
      ["[substring('asdfasf', 3)]", 'fasf'],
      ["[substring('abc', 3)]", ''],
      ["[substring('abc', 1, 0)]", ''],
    ]);
    await refuse([
      [
        "[substring('1234567890', 0, 11)]",
        "Unable to evaluate template language function 'substring': The index and length parameters must refer to a location within the string. The index parameter: '0', the length parameter: '11', the length of the string parameter: '10'.",
      ],
      ["[substring('abc', -1, 1)]", /The index parameter: '-1', the length parameter: '1'/],
      ["[substring('abc', 1, -1)]", /the length parameter: '-1'/],
      [
        "[substring('abc', 4)]",
        "Unable to evaluate template language function 'substring': The index parameter must refer to a location within the string. The index parameter: '4', the length of the string parameter: '3'.",
      ],
      ["[substring('asdfasf', '3')]", /'substring' expects its second parameter to be of type 'Integer'/],
    ]);
  });

  it('toLower, toUpper, trim', async () => {
    // #tolower, #toupper: toLowerOutput, toUpperOutput; #trim: return; FunctionResolverTests
    await expect([
      ["[toLower('One Two Three')]", 'one two three'],
      ["[toUpper('One Two Three')]", 'ONE TWO THREE'],
      ["[trim('    one two three   ')]", 'one two three'],
      ["[toLower('AiKInIniIN')]", 'aikininiin'],
      ["[trim(' Fizz ')]", 'Fizz'],
    ]);
    await refuse([
      [
        '[toLower(123)]',
        "The template language function 'toLower' expects its parameter to be of type 'String'. The provided value is of type 'Integer'. Please see https://aka.ms/arm-functions for usage details.",
      ],
    ]);
  });

  it('uri resolves as RFC 3986 section 5 says', async () => {
    // #uri: the documented examples and uriOutput; FunctionResolverTests; the bicepparam baseline
    await expect([
      ["[uri('http://contoso.org/firstpath', 'myscript.sh')]", 'http://contoso.org/myscript.sh'],
      ["[uri('http://contoso.org/firstpath/', 'myscript.sh')]", 'http://contoso.org/firstpath/myscript.sh'],
      // The docs say this gives http://contoso.org/firstpath/myscript.sh, but Azure's engine resolves a path starting
      // with '/' from the root, as RFC 3986 does: FunctionResolverTests has uri('https://github.com/another/repo',
      // '/Azure/bicep') give 'https://github.com/Azure/bicep' (below). The engine wins.
      ["[uri('http://contoso.org/firstpath/', '/myscript.sh')]", 'http://contoso.org/myscript.sh'],
      [
        "[uri('http://contoso.org/firstpath/azuredeploy.json', 'myscript.sh')]",
        'http://contoso.org/firstpath/myscript.sh',
      ],
      [
        "[uri('http://contoso.org/firstpath/azuredeploy.json/', 'myscript.sh')]",
        'http://contoso.org/firstpath/azuredeploy.json/myscript.sh',
      ],
      [
        "[uri('http://contoso.com/resources/', 'nested/azuredeploy.json')]",
        'http://contoso.com/resources/nested/azuredeploy.json',
      ],
      ["[uri('https://github.com/another/repo', '/Azure/bicep')]", 'https://github.com/Azure/bicep'],
      ["[uri('https://github.com', 'Azure/bicep')]", 'https://github.com/Azure/bicep'],
    ]);
    await refuse([
      // the bicepparam baseline (Invalid_Expressions)
      [
        "[uri('github.com', 'Azure/bicep')]",
        "The template language function 'uri' expects its first argument to be a uri string. The provided value is 'github.com'. Please see https://aka.ms/arm-function-datauri for usage details.",
      ],
    ]);
  });

  it('uriComponent and uriComponentToString', () =>
    // #uricomponent: componentOutput, toStringOutput; FunctionResolverTests; the bicepparam baseline
    expect([
      [
        "[uriComponent('http://contoso.com/resources/nested/azuredeploy.json')]",
        'http%3A%2F%2Fcontoso.com%2Fresources%2Fnested%2Fazuredeploy.json',
      ],
      [
        "[uriComponentToString('http%3A%2F%2Fcontoso.com%2Fresources%2Fnested%2Fazuredeploy.json')]",
        'http://contoso.com/resources/nested/azuredeploy.json',
      ],
      ["[uriComponent(' Fizz ')]", '%20Fizz%20'],
      ["[uriComponent('UB*8h 0+=_)9h9n')]", 'UB%2A8h%200%2B%3D_%299h9n'],
      ["[uriComponentToString('%20%25%20')]", ' % '],
      ["[uriComponentToString('100%')]", '100%'],
      ["[uriComponentToString('%E2%9C%93 %zz')]", '✓ %zz'],
    ]));
});

describe('template functions: format', () => {
  it("formats as .NET's String.Format does", () =>
    expect([
      // #format: formatTest
      [
        "[format('{0}, {1}. Formatted number: {2:N0}', 'Hello', 'User', 8175133)]",
        'Hello, User. Formatted number: 8,175,133',
      ],
      // FunctionResolverTests; the bicepparam baseline
      ["[format('{0}/{1}/{2}/{3}', 1, 2, 3, true())]", '1/2/3/True'],
      ["[format('->{0}<-', 123)]", '->123<-'],
      // EvaluationTests.String_expressions_are_evaluated_successfully: objects and arrays in single-quoted JSON
      [
        "[format('>{0}<>{1}<>{2}<>{3}<>{4}<', false(), 12948, 'hello!', createObject('a', 'b', '!c', 2), createArray(true(), 2893, 'abc'))]",
        ">False<>12948<>hello!<>{'a':'b','!c':2}<>[true,2893,'abc']<",
      ],
      // escapes, alignment, repeated and unused arguments, null
      ["[format('{{{0}}} {{0}}', 'x')]", '{x} {0}'],
      ["[format('[{0,5}][{0,-5}][{1}]', 'ab', null())]", '[   ab][ab   ][]'],
      ["[format('{1}{0}{1}', 'a', 'b', 'unused')]", 'bab'],
    ]));

  it('applies .NET numeric format strings in the invariant culture', () =>
    expect([
      ["[format('{0:N2}', 1234567)]", '1,234,567.00'],
      ["[format('{0:N0}', -8175133)]", '-8,175,133'],
      ["[format('{0:D6}', 42)]", '000042'],
      ["[format('{0:D}', -42)]", '-42'],
      ["[format('{0:X}', 255)]", 'FF'],
      ["[format('{0:x4}', 255)]", '00ff'],
      ["[format('{0:F3}', 5)]", '5.000'],
      ["[format('{0:E2}', 1234)]", '1.23E+003'],
      ["[format('{0:P1}', json('0.256'))]", '25.6 %'],
      ["[format('{0:C}', 1234)]", '¤1,234.00'],
      ["[format('{0:G}', 42)]", '42'],
      ["[format('{0:0000}', 42)]", '0042'],
      ["[format('{0:#,##0.0}', 1234567)]", '1,234,567.0'],
      ["[format('{0:00.##}', json('3.14159'))]", '03.14'],
      ["[format('{0:0%}', json('0.5'))]", '50%'],
      ["[format('{0:#;(#);zero}', -5)]", '(5)'],
      ["[format('{0:#;(#);zero}', 0)]", 'zero'],
      ["[format('{0:''#''0}', 7)]", '#7'],
      ["[format('{0:R}', json('1.5'))]", '1.5'],
    ]));

  it("refuses a bad format in Azure's words", () =>
    refuse([
      // the bicepparam baseline (Invalid_Expressions)
      [
        "[format('->{123}<-', 123)]",
        "Unable to evaluate language function 'format': the format is invalid: 'Index (zero based) must be greater than or equal to zero and less than the size of the argument list.'. Please see https://aka.ms/arm-function-format for usage details.",
      ],
      ["[format('{0', 1)]", /the format is invalid: 'Input string was not in a correct format.'/],
      ["[format('a } b')]", /the format is invalid: 'Input string was not in a correct format.'/],
      ["[format('{x}', 1)]", /the format is invalid: 'Input string was not in a correct format.'/],
      ["[format('{0:D}', json('1.5'))]", /the format is invalid: 'Format specifier was invalid.'/],
      ["[format('{0:Q}', 1)]", /the format is invalid: 'Format specifier was invalid.'/],
    ]));
});

describe('template functions: uniqueString and guid, byte-exact with Azure', () => {
  it('uniqueString', () =>
    expect([
      // Azure/bicep src/Bicep.Cli.IntegrationTests/SnapshotCommandTests.cs: storage account 'store' + uniqueString(resourceGroup().id)
      // for subscription 00000000-0000-0000-0000-000000000000 and group myRg is storejs26ofeqkqeve
      ['[uniqueString(resourceGroup().id)]', 'js26ofeqkqeve'],
      [`[uniqueString('${RESOURCE_GROUP_ID}')]`, 'js26ofeqkqeve'],
      // Azure/terraform-provider-azapi internal/services/functions/unique_string_function_test.go
      ["[uniqueString('/subscriptions/00000000-0000-0000-0000-000000000000', 'resource-id')]", 'cwvxuqg24sifi'],
      // Azure/bicep FunctionResolverTests.cs (computed by Azure.Deployments.Expression)
      ["[uniqueString('snap', 'crackle', 'pop')]", 'byghxckddilkc'],
      // Azure/bicep baselines_bicepparam/Expressions/parameters.json
      ["[uniqueString('asd', 'asdf', 'asdf')]", 'iizpqit7ih3cc'],
      // arguments are joined with '-' before hashing
      ["[uniqueString('snap-crackle-pop')]", 'byghxckddilkc'],
    ]));

  it('uniqueString covers every tail length of the hash and takes strings only', async () => {
    const values = new Set<unknown>();
    for (let length = 0; length <= 17; length++) values.add(await evaluate(`[uniqueString('${'x'.repeat(length)}')]`));
    assert.equal(values.size, 18);
    for (const value of values) assert.match(String(value), /^[a-z2-7]{13}$/);
    await refuse([
      [
        '[uniqueString(1)]',
        /'uniqueString' expects its parameter to be of type 'String'. The provided value is of type 'Integer'/,
      ],
      [
        `[uniqueString('${'x'.repeat(70000)}', '${'y'.repeat(70000)}')]`,
        /the combined length of the parameters, 140001, exceeds the limit of 131072/,
      ],
    ]);
  });

  it('guid', async () => {
    await expect([
      // Azure/bicep baselines_bicepparam/Expressions/parameters.json: guid('asdf')
      ["[guid('asdf')]", '228d27cc-6fdb-5934-b7ac-1efccebade04'],
      // Azure/bicep FunctionResolverTests.cs: guid('foo', 'bar', 'baz')
      ["[guid('foo', 'bar', 'baz')]", '2ed86837-7c7c-5eaa-9864-dd077fd19b0d'],
      ["[guid('foo-bar-baz')]", '2ed86837-7c7c-5eaa-9864-dd077fd19b0d'],
    ]);
    await refuse([
      [
        '[guid(createObject())]',
        /'guid' expects its parameter to be of type 'String'. The provided value is of type 'Object'/,
      ],
    ]);
  });
});
