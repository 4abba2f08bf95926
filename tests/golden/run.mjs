// Golden fixtures: each folder holds a tiny hand-written CUR (bucket/) and
// expect.txt, whose figures were worked out by hand (derivations in its
// comments), never by running reckon. For every "report ARGS" block the
// runner calls `reckon report cost ARGS --format csv` and compares the rows.
//
//   # comment            (ignored)
//   ingest-ok            (the ingest must succeed; default)
//   ingest-fails TEXT    (the ingest must exit 1 and print TEXT)
//   report ARGS...       (then expected CSV rows, without the header)
//   end
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const reckon = process.argv[2];
const only = process.argv[3];
const here = dirname(fileURLToPath(import.meta.url));
let failures = 0, checks = 0;

function run(args) {
  const r = spawnSync(reckon, args, { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

// Splits "a b 'c d'" respecting single quotes.
function words(s) {
  const out = []; let cur = '', q = false, any = false;
  for (const ch of s) {
    if (ch === "'") { q = !q; any = true; continue; }
    if (ch === ' ' && !q) { if (any) out.push(cur); cur = ''; any = false; continue; }
    cur += ch; any = true;
  }
  if (any) out.push(cur);
  return out;
}

for (const name of readdirSync(here).sort()) {
  const dir = join(here, name);
  if (!statSync(dir).isDirectory() || (only && name !== only)) continue;
  const lines = readFileSync(join(dir, 'expect.txt'), 'utf8').split('\n');
  const ws = mkdtempSync(join(tmpdir(), 'rk-golden-'));
  let expectFail = null;
  for (const l of lines) if (l.startsWith('ingest-fails ')) expectFail = l.slice(13).trim();
  const ing = run(['--data', ws, '--quiet', 'ingest', join(dir, 'bucket')]);
  checks++;
  if (expectFail) {
    if (ing.code !== 1 || !(ing.out + ing.err).includes(expectFail)) {
      failures++;
      console.log(`FAIL ${name}: ingest should fail with "${expectFail}" (exit ${ing.code})\n${ing.out}${ing.err}`);
    }
  } else if (ing.code !== 0) {
    failures++;
    console.log(`FAIL ${name}: ingest exited ${ing.code}\n${ing.out}${ing.err}`);
  }
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i].startsWith('report ')) continue;
    const args = words(lines[i].slice(7));
    const want = [];
    for (i++; i < lines.length && lines[i].trim() !== 'end'; i++)
      if (!lines[i].startsWith('#')) want.push(lines[i].trim());
    const r = run(['--data', ws, 'report', 'cost', ...args, '--format', 'csv']);
    const got = r.out.split('\n').slice(1).filter(x => x.length);
    checks++;
    if (r.code !== 0 || JSON.stringify(got) !== JSON.stringify(want.filter(x => x.length))) {
      failures++;
      console.log(`FAIL ${name}: report ${args.join(' ')}\n  want: ${JSON.stringify(want)}\n  got:  ${JSON.stringify(got)} (exit ${r.code}) ${r.err}`);
    }
  }
  rmSync(ws, { recursive: true, force: true });
}
console.log(`golden: ${checks} checks, ${failures} failed`);
process.exit(failures ? 1 : 0);
