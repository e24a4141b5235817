// Builds the portal into web/dist, which `kiln serve` serves under /portal/ (src/app/portal-files.ts).
import { defineConfig } from 'vite';

export default defineConfig({
  root: import.meta.dirname,
  base: '/portal/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Every asset is a file of its own: the Content-Security-Policy allows no data: scripts or styles.
    assetsInlineLimit: 0,
    // One origin, no CDN: the whole portal is these files.
    modulePreload: { polyfill: false },
  },
});
