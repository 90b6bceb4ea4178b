import t from 'tap';
import { existsSync, readdirSync, readFileSync } from 'node:fs';

// dist/test/unit/docs/ → the repository root.
const root = new URL('../../../../', import.meta.url);
const pages = [
  'README.md',
  'CHANGELOG.md',
  ...readdirSync(new URL('docs/', root))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to dashes. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[`*_]/g, '')
    .replace(/[^\p{L}\p{N}\s-]/gu, '')
    .replace(/\s/g, '-');
}

function anchors(markdown: string): Set<string> {
  const out = new Set<string>();
  const seen = new Map<string, number>();
  for (const m of markdown.replace(/^```[\s\S]*?^```/gm, '').matchAll(/^#{1,6}\s+(.+)$/gm)) {
    const base = slug(m[1]);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

/** Relative links `[text](target)` outside code blocks and code spans. */
function links(markdown: string): string[] {
  const text = markdown.replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, '');
  return [...text.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]).filter((href) => !/^[a-z]+:/i.test(href));
}

for (const page of pages) {
  if (!existsSync(new URL(page, root))) continue;
  t.test(`docs links: every relative link in ${page} points at a file and a heading that exist`, async (t) => {
    const markdown = readFileSync(new URL(page, root), 'utf8');
    const found = links(markdown);
    for (const href of found) {
      const [path, hash] = href.split('#');
      const target = path ? new URL(path, new URL(page, root)) : new URL(page, root);
      t.ok(existsSync(target), `${href}: ${path || page} exists`);
      if (hash && existsSync(target) && target.pathname.endsWith('.md')) {
        t.ok(anchors(readFileSync(target, 'utf8')).has(hash), `${href}: #${hash} is a heading`);
      }
    }
    if (found.length === 0) t.pass('no relative links');
  });
}
