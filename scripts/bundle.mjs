// Bundles the browser code (inject/) with esbuild into dist/inject/, one IIFE per entry.
// TANDEM_NO_MINIFY=1 keeps names readable, for a profile of the shell or the hooks.
import { build } from 'esbuild';
import { existsSync, mkdirSync, copyFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, constants as zlibConstants, gzipSync } from 'node:zlib';

const out = 'dist/inject';
mkdirSync(out, { recursive: true });

const entries = [
  ['hooks', 'inject/hooks/index.ts'],
  ['shell', 'inject/shell/index.ts'],
  ['console', 'inject/console/index.ts'],
].filter(([, file]) => existsSync(file));

/**
 * rrweb 2.x ships one ESM file with PostCSS inlined twice (once per copy of rrweb-snapshot).
 * Only the replayer calls it (`adaptCssForReplay`), yet both copies were kept in every bundle,
 * the recorder's included: each module runs at load (`(__commonJSMin(...))()`, a call esbuild
 * must assume has effects) and bare reads such as `import_postcss.default.parse;` follow it.
 * Here those loads are marked pure and the bare reads dropped, and the one binding the replayer
 * uses is read when called, so esbuild keeps PostCSS only where it is called. Measured: hooks
 * 75 → 38 KB gzipped, shell 99 → 79 KB. If rrweb's output changes shape nothing matches, and
 * the bundles are only larger: the build says so.
 */
const rrwebPurePostcss = {
  name: 'rrweb-pure-postcss',
  setup(b) {
    b.onLoad({ filter: /[\\/]rrweb[\\/]dist[\\/]rrweb\.js$/ }, (args) => {
      let n = 0;
      const count =
        (f) =>
        (...m) => (n++, f(...m));
      const contents = readFileSync(args.path, 'utf8')
        .replace(
          /^import_postcss(\$1)?\.default(\.\w+)?;$/gm,
          count(() => ''),
        )
        .replace(
          /^var (postcss_default\w*) = (import_postcss\$?1?)\.default;$/gm,
          count((_, name, mod) => `var ${name} = (...a) => ${mod}.default(...a);`),
        )
        .replace(
          /^(var import_postcss\$?1? = \/\* @__PURE__ \*\/ __toESM\$?1?\()\(/gm,
          count((_, head) => `${head}/* @__PURE__ */ (`),
        );
      if (n < 3) console.warn(`bundle: rrweb's PostCSS not recognised (${n} matches); the bundles keep it`);
      return { contents, loader: 'js' };
    });
  },
};

await Promise.all(
  entries.map(([name, file]) =>
    build({
      entryPoints: [file],
      outfile: join(out, `${name}.js`),
      bundle: true,
      format: 'iife',
      target: ['chrome100', 'firefox100', 'safari15'],
      minify: process.env.TANDEM_NO_MINIFY ? false : true,
      legalComments: 'none',
      logLevel: 'warning',
      plugins: [rrwebPurePostcss],
    }),
  ),
);

// Stylesheets sit beside their entry (inject/shell/shell.css → dist/inject/shell.css).
for (const dir of ['shell', 'console', 'hooks']) {
  if (!existsSync(join('inject', dir))) continue;
  for (const f of readdirSync(join('inject', dir))) if (f.endsWith('.css')) copyFileSync(join('inject', dir, f), join(out, f));
}

// Compressed here, at the best ratios, once: brotli 11 on the shell takes the better part of a
// second, which the gateway would otherwise spend on its event loop at the first request.
for (const f of readdirSync(out)) {
  if (!/\.(js|css)$/.test(f)) continue;
  const body = readFileSync(join(out, f));
  writeFileSync(join(out, `${f}.gz`), gzipSync(body, { level: 9 }));
  writeFileSync(join(out, `${f}.br`), brotliCompressSync(body, { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 11 } }));
}
