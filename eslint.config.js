// Lint: typescript-eslint's recommended rules plus the layering rule of ARCHITECTURE.md,
// which keeps imports pointing inward (core <- ports <- domain <- jobs/build <- adapters/http <- app <- cli).
import tseslint from 'typescript-eslint';

const forbid = (folder, layers, why) => ({
  files: [`src/${folder}/**/*.ts`],
  rules: {
    'no-restricted-imports': ['error', { patterns: layers.map((layer) => ({ group: [`**/${layer}/*`, `**/${layer}/**`], message: `${folder} must not import ${layer}: ${why}` })) }],
  },
});

export default tseslint.config(
  { ignores: ['node_modules/**', 'web/dist/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  forbid('core', ['ports', 'domain', 'jobs', 'build', 'adapters', 'http', 'app', 'cli'], 'core is pure helpers'),
  forbid('ports', ['domain', 'jobs', 'build', 'adapters', 'http', 'app', 'cli'], 'ports are interfaces only'),
  forbid('domain', ['jobs', 'build', 'adapters', 'http', 'app', 'cli'], 'the domain never knows how it is stored or served'),
  forbid('jobs', ['adapters', 'http', 'app', 'cli'], 'jobs run domain work through ports'),
  forbid('adapters', ['domain', 'jobs', 'build', 'http', 'app', 'cli'], 'adapters implement ports only'),
  forbid('http', ['adapters', 'jobs', 'app', 'cli'], 'http talks to the domain only'),
  forbid('app', ['cli'], 'the composition root is used by the CLI, not the reverse'),
  forbid('cli', ['adapters', 'domain', 'jobs', 'http'], 'the CLI goes through src/app'),
);
