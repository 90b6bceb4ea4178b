// Bundles the browser code (inject/) with esbuild into dist/inject/, one IIFE per entry.
import { build } from 'esbuild';
import { existsSync, mkdirSync, copyFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const out = 'dist/inject';
mkdirSync(out, { recursive: true });

const entries = [
  ['hooks', 'inject/hooks/index.ts'],
  ['shell', 'inject/shell/index.ts'],
  ['console', 'inject/console/index.ts'],
].filter(([, file]) => existsSync(file));

await Promise.all(
  entries.map(([name, file]) =>
    build({
      entryPoints: [file],
      outfile: join(out, `${name}.js`),
      bundle: true,
      format: 'iife',
      target: ['chrome100', 'firefox100', 'safari15'],
      minify: true,
      legalComments: 'none',
      logLevel: 'warning',
    }),
  ),
);

// Stylesheets sit beside their entry (inject/shell/shell.css → dist/inject/shell.css).
for (const dir of ['shell', 'console', 'hooks']) {
  if (!existsSync(join('inject', dir))) continue;
  for (const f of readdirSync(join('inject', dir))) if (f.endsWith('.css')) copyFileSync(join('inject', dir, f), join(out, f));
}
