// A deployment's links as template-link.ts reads them: where each is fetched from (queryString
// appended as ARM appends it) and a nested deployment's relativePath resolved against its parent's link.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ArmError } from '../../src/core/arm-error.ts';
import { linkUrl, resolveRelativePath, shownUrl } from '../../src/domain/deployments/template-link.ts';

const TARGET = 'properties.template.resources[0].properties.templateLink.relativePath';
const refused = (pattern: RegExp) => (error: unknown) =>
  error instanceof ArmError &&
  error.code === 'InvalidContentLink' &&
  error.target === TARGET &&
  pattern.test(error.message);

describe('deployment template links', () => {
  it('appends the queryString to the uri, without a second question mark', () => {
    assert.equal(linkUrl({ uri: 'https://h/t/main.json' }), 'https://h/t/main.json');
    assert.equal(
      linkUrl({ uri: 'https://h/t/main.json', queryString: 'sv=1&sig=x' }),
      'https://h/t/main.json?sv=1&sig=x',
    );
    assert.equal(linkUrl({ uri: 'https://h/t/main.json', queryString: '?sig=x' }), 'https://h/t/main.json?sig=x');
    assert.equal(
      linkUrl({ uri: 'https://h/t/main.json?a=1', queryString: 'sig=x' }),
      'https://h/t/main.json?a=1&sig=x',
    );
  });

  it('shows URLs without their query', () => {
    assert.equal(shownUrl('https://user:pw@h/t/main.json?sig=secret'), 'https://h/t/main.json');
    assert.equal(shownUrl('not a url?sig=secret'), 'not a url');
  });

  it("resolves a relativePath against the parent's uri, carrying the parent's queryString unless it has its own", () => {
    const parent = { uri: 'https://h/templates/main.json', queryString: 'sig=parent' };
    assert.deepEqual(resolveRelativePath(parent, { relativePath: 'children/a.json' }, TARGET), {
      relativePath: 'children/a.json',
      uri: 'https://h/templates/children/a.json',
      queryString: 'sig=parent',
    });
    assert.deepEqual(
      resolveRelativePath(parent, { relativePath: '../shared/b.json', queryString: 'sig=own' }, TARGET),
      {
        relativePath: '../shared/b.json',
        uri: 'https://h/shared/b.json',
        queryString: 'sig=own',
      },
    );
    assert.deepEqual(
      resolveRelativePath(
        { uri: 'https://h/t/main.json' },
        { relativePath: 'c.json', contentVersion: '1.0.0.0' },
        TARGET,
      ),
      { relativePath: 'c.json', contentVersion: '1.0.0.0', uri: 'https://h/t/c.json' },
    );
    const withUri = { uri: 'https://other/x.json', relativePath: 'ignored.json' };
    assert.equal(resolveRelativePath(parent, withUri, TARGET), withUri, 'a link with a uri is left as it is');
  });

  it('refuses a relativePath without a parent link, or one that names another host', () => {
    assert.throws(
      () => resolveRelativePath(undefined, { relativePath: 'a.json' }, TARGET),
      refused(/not linked by URI/),
    );
    const parent = { uri: 'https://h/templates/main.json' };
    for (const relativePath of ['https://evil/x.json', '//evil/x.json', 'file:///etc/passwd', 3])
      assert.throws(() => resolveRelativePath(parent, { relativePath }, TARGET), refused(/must be a path relative/));
  });
});
