// The what-if report of `kiln deployment group what-if` against the text az 2.45 prints for the same
// changes: the expected strings were made by azure-cli's own formatter (resource module
// `_formatters.format_what_if_operation_result`) from these changes, colors included.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { whatIfReport, type WhatIfChange } from '../../src/cli/commands/deployment-what-if-report.ts';

const SUB = '/subscriptions/00000000-0000-0000-0000-0000000000ab';

/** Every change type, property changes of every kind (nested arrays and objects), two scopes. */
const changes: WhatIfChange[] = [
  {
    resourceId:
      '/subscriptions/00000000-0000-0000-0000-0000000000AB/resourceGroups/rg1/providers/Microsoft.Compute/galleries/gal1',
    changeType: 'Create',
    after: {
      id: '/subscriptions/x/resourceGroups/rg1/providers/Microsoft.Compute/galleries/gal1',
      name: 'gal1',
      type: 'Microsoft.Compute/galleries',
      apiVersion: '2022-03-03',
      location: 'westus',
      tags: {
        owner: 'me',
      },
      properties: {
        description: 'A gallery',
        identifier: {},
      },
      zones: ['1', '2'],
      list: [
        {
          a: 1,
          b: 'two',
        },
        3,
      ],
      flag: true,
      none: null,
      empty: [],
    },
  },
  {
    resourceId: SUB + '/resourceGroups/rg1/providers/Microsoft.Compute/galleries/gal0',
    changeType: 'Modify',
    before: {
      apiVersion: '2022-03-03',
      name: 'gal0',
    },
    after: {
      apiVersion: '2022-03-03',
    },
    delta: [
      {
        path: 'properties.description',
        propertyChangeType: 'Modify',
        before: 'old',
        after: 'new',
      },
      {
        path: 'tags.env',
        propertyChangeType: 'Create',
        after: 'test',
      },
      {
        path: 'tags.gone',
        propertyChangeType: 'Delete',
        before: {
          x: 1,
          y: [1, 2],
        },
      },
      {
        path: 'properties.arr',
        propertyChangeType: 'Array',
        children: [
          {
            path: '1',
            propertyChangeType: 'Delete',
            before: {
              k: 'v',
            },
          },
          {
            path: '0',
            propertyChangeType: 'Modify',
            before: 1,
            after: 2,
          },
          {
            path: '2',
            propertyChangeType: 'Array',
            children: [
              {
                path: '0',
                propertyChangeType: 'Create',
                after: 'z',
              },
            ],
          },
        ],
      },
      {
        path: 'properties.obj',
        propertyChangeType: 'Modify',
        before: {
          a: 1,
        },
        after: 'flat',
      },
      {
        path: 'properties.nest',
        propertyChangeType: 'Modify',
        children: [
          {
            path: 'inner',
            propertyChangeType: 'Modify',
            before: true,
            after: false,
          },
        ],
      },
      {
        path: 'properties.noeff',
        propertyChangeType: 'NoEffect',
        after: 'same',
      },
      {
        path: 'properties.emptyarr',
        propertyChangeType: 'Array',
        children: [],
      },
    ],
  },
  {
    resourceId: SUB + '/resourceGroups/rg1/providers/Microsoft.Compute/galleries/gal1/images/def1',
    changeType: 'NoChange',
    before: {
      apiVersion: '2022-03-03',
    },
  },
  {
    resourceId: SUB + '/resourceGroups/rg1/providers/Microsoft.Compute/galleries/gal1/images/def0',
    changeType: 'NoChange',
  },
  {
    resourceId: SUB + '/resourceGroups/rg1/providers/Microsoft.Compute/disks/old',
    changeType: 'Delete',
    before: {
      apiVersion: '2023-01-02',
      name: 'old',
      sku: {
        name: 'Standard_LRS',
      },
    },
  },
  {
    resourceId: SUB + '/resourceGroups/rg2',
    changeType: 'Create',
    after: {
      location: 'westus',
    },
  },
  {
    resourceId: SUB + '/resourceGroups/rg1/providers/Microsoft.Foo/bars/x',
    changeType: 'Ignore',
  },
  {
    resourceId: SUB + '/resourceGroups/rg1/providers/Microsoft.Foo/bars/y',
    changeType: 'Deploy',
    after: {
      apiVersion: '1',
    },
  },
  {
    resourceId: SUB + '/resourceGroups/rg1/providers/Microsoft.Foo/bars/z',
    changeType: 'Unsupported',
  },
];

describe("az's what-if report", () => {
  it('lists the legend, the changes by scope sorted by type and id, their bodies and property changes, and the counts', () => {
    assert.deepEqual(whatIfReport(changes, false).split('\n'), [
      'Note: The result may contain false positive predictions (noise).',
      'You can help us improve the accuracy of the result by opening an issue here: https://aka.ms/WhatIfIssues',
      '',
      'Resource and property changes are indicated with these symbols:',
      '  - Delete',
      '  + Create',
      '  ! Deploy',
      '  ~ Modify',
      '  = Nochange',
      '  x Unsupported',
      '  * Ignore',
      '  x Noeffect',
      '',
      'The deployment will update the following scopes',
      '',
      'Scope: /subscriptions/00000000-0000-0000-0000-0000000000ab',
      '',
      '  + resourceGroups/rg2',
      '',
      '      location: "westus"',
      '',
      'Scope: /subscriptions/00000000-0000-0000-0000-0000000000ab/resourceGroups/rg1',
      '',
      '  - Microsoft.Compute/disks/old [2023-01-02]',
      '',
      '      apiVersion: "2023-01-02"',
      '      name:       "old"',
      '      sku.name:   "Standard_LRS"',
      '',
      '  + Microsoft.Compute/galleries/gal1 [2022-03-03]',
      '',
      '      id:                     "/subscriptions/x/resourceGroups/rg1/providers/Microsoft.Compute/galleries/gal1"',
      '      name:                   "gal1"',
      '      type:                   "Microsoft.Compute/galleries"',
      '      apiVersion:             "2022-03-03"',
      '      location:               "westus"',
      '      tags.owner:             "me"',
      '      properties.description: "A gallery"',
      '      properties.identifier:  {}',
      '      zones: [',
      '        0: "1"',
      '        1: "2"',
      '      ]',
      '      list: [',
      '        0:',
      '',
      '          a: 1',
      '          b: "two"',
      '',
      '        1: 3',
      '      ]',
      '      flag:                   true',
      '      none:                   null',
      '      empty:                  []',
      '',
      '  ! Microsoft.Foo/bars/y [1]',
      '  ~ Microsoft.Compute/galleries/gal0 [2022-03-03]',
      '    - tags.gone:',
      '',
      '        x: 1',
      '        y: [',
      '          0: 1',
      '          1: 2',
      '        ]',
      '',
      '    + tags.env:               "test"',
      '    ~ properties.arr: [',
      '      ~ 0: 1 => 2',
      '      - 1:',
      '',
      '          k: "v"',
      '',
      '      ~ 2: [',
      '        + 0: "z"',
      '        ]',
      '      ]',
      '    ~ properties.description: "old" => "new"',
      '    ~ properties.emptyarr:    []',
      '',
      '    ~ properties.nest:',
      '',
      '      ~ inner: true => false',
      '',
      '    ~ properties.obj:',
      '',
      '        a: 1',
      '',
      '      => "flat"',
      '',
      '    x properties.noeff:       "same"',
      '',
      '  = Microsoft.Compute/galleries/gal1/images/def0',
      '  = Microsoft.Compute/galleries/gal1/images/def1 [2022-03-03]',
      '  x Microsoft.Foo/bars/z',
      '  * Microsoft.Foo/bars/x',
      '',
      'Resource changes: 1 to delete, 2 to create, 1 to deploy, 1 to modify, 2 no change, 1 unsupported, 1 to ignore.',
      '',
    ]);
  });

  it('colors as az does on a terminal, one color scope per run of a change type', () => {
    const modify: WhatIfChange[] = [
      {
        resourceId: SUB + '/resourceGroups/rg1/providers/Microsoft.Compute/galleries/gal0',
        changeType: 'Modify',
        before: {
          apiVersion: '2022-03-03',
        },
        delta: [
          {
            path: 'properties.description',
            propertyChangeType: 'Modify',
            before: 'old',
            after: 'new',
          },
        ],
      },
      {
        resourceId: SUB + '/resourceGroups/rg1/providers/Microsoft.Compute/galleries/gal0/images/def1',
        changeType: 'NoChange',
      },
    ];
    assert.equal(
      whatIfReport(modify, true),
      'Note: The result may contain false positive predictions (noise).\nYou can help us improve the accuracy of the result by opening an issue here: https://aka.ms/WhatIfIssues\n\nResource and property changes are indicated with these symbols:\n  \u001b[38;5;141m~\u001b[0m Modify\n  \u001b[0m=\u001b[0m Nochange\n\nThe deployment will update the following scope:\n\nScope: /subscriptions/00000000-0000-0000-0000-0000000000ab/resourceGroups/rg1\n\u001b[38;5;141m\n  ~ Microsoft.Compute/galleries/gal0\u001b[0m [2022-03-03]\u001b[38;5;141m\u001b[0m\n    \u001b[38;5;141m~\u001b[0m properties.description\u001b[0m:\u001b[0m \u001b[38;5;208m"old"\u001b[0m => \u001b[38;5;77m"new"\u001b[0m\n\u001b[38;5;141m\u001b[0m\u001b[0m\n  = Microsoft.Compute/galleries/gal0/images/def1\n\u001b[0m\nResource changes: 1 to modify, 1 no change.\n',
    );
  });

  it('says there is no change when there is none', () => {
    assert.equal(
      whatIfReport([], false),
      'Note: The result may contain false positive predictions (noise).\nYou can help us improve the accuracy of the result by opening an issue here: https://aka.ms/WhatIfIssues\n\n\nResource changes: no change.\n',
    );
  });
});
