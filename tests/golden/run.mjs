// Golden fixtures: each folder holds a tiny hand-written CUR (bucket/) and
// expect.txt, whose figures were worked out by hand (derivations in its
// comments), never by running reckon. For every "report ARGS" block the
// runner calls `reckon report cost ARGS --format csv` and compares the rows;
// for every "commitments SUB ARGS" block, `reckon commitments SUB ARGS --format csv`.
//
//   # comment            (ignored)
//   ingest-ok            (the ingest must succeed; default)
//   ingest-fails TEXT    (the ingest must exit 1 and print TEXT)
//   deliver DIR          (copy the fixture's DIR over the working bucket and ingest
//                         it, at this point of the file; without any, bucket/ is
//                         ingested once before the blocks)
//   report ARGS...       (then expected CSV rows, without the header)
//   end
//   commitments SUB ARGS...  (the same for `reckon commitments SUB`; a line
//   header: COLS              "header: …" in the block checks the CSV header too)
//   end
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
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
  const delivers = lines.some(l => l.startsWith('deliver '));
  const src = delivers ? mkdtempSync(join(tmpdir(), 'rk-golden-src-')) : join(dir, 'bucket');
  const ingest = label => {
    const ing = run(['--data', ws, '--quiet', 'ingest', src]);
    checks++;
    if (expectFail) {
      if (ing.code !== 1 || !(ing.out + ing.err).includes(expectFail)) {
        failures++;
        console.log(`FAIL ${name}: ingest should fail with "${expectFail}" (exit ${ing.code})\n${ing.out}${ing.err}`);
      }
    } else if (ing.code !== 0) {
      failures++;
      console.log(`FAIL ${name}: ingest${label} exited ${ing.code}\n${ing.out}${ing.err}`);
    }
  };
  if (!delivers) ingest('');
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].startsWith('deliver ')) {
      const what = lines[i].slice(8).trim();
      cpSync(join(dir, what), src, { recursive: true });
      ingest(` of ${what}`);
      continue;
    }
    const isReport = lines[i].startsWith('report ');
    const isCommit = lines[i].startsWith('commitments ');
    if (!isReport && !isCommit) continue;
    const args = words(lines[i].slice(isReport ? 7 : 12));
    const want = [];
    let header = null;
    for (i++; i < lines.length && lines[i].trim() !== 'end'; i++) {
      if (lines[i].startsWith('#')) continue;
      if (lines[i].startsWith('header: ')) header = lines[i].slice(8).trim();
      else want.push(lines[i].trim());
    }
    const cmd = isReport ? ['report', 'cost'] : ['commitments'];
    const r = run(['--data', ws, ...cmd, ...args, '--format', 'csv']);
    const all = (r.out ?? '').split('\n');
    const got = all.slice(1).filter(x => x.length);
    checks++;
    const what = `${cmd.join(' ')} ${args.join(' ')}`;
    if (r.code !== 0 || JSON.stringify(got) !== JSON.stringify(want.filter(x => x.length))) {
      failures++;
      console.log(`FAIL ${name}: ${what}\n  want: ${JSON.stringify(want.filter(x => x.length))}\n  got:  ${JSON.stringify(got)} (exit ${r.code}) ${r.err}`);
    } else if (header !== null && all[0] !== header) {
      failures++;
      console.log(`FAIL ${name}: ${what}: header\n  want: ${header}\n  got:  ${all[0]}`);
    }
  }
  if (delivers) rmSync(src, { recursive: true, force: true });
  rmSync(ws, { recursive: true, force: true });
}
console.log(`golden: ${checks} checks, ${failures} failed`);
process.exit(failures ? 1 : 0);
