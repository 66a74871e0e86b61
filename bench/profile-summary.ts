/**
 * `tsx bench/profile-summary.ts <file.cpuprofile> [--top 25]` — summarises a V8 CPU profile (as written
 * by `node --cpu-prof`, e.g. `npm run bench -- --mirrors ours --cpu-prof`): self and total time per
 * function and self time per module, so the hot spots of our engine can be read without a browser.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** One row of the summary: time in ms and share of all sampled time. */
export interface ProfileRow {
  name: string;
  selfMs: number;
  totalMs: number;
  selfShare: number;
}

/** Self/total ms per function (keyed by name + file:line) and self ms per module, sorted by self time. */
export function summariseProfile(profile: CpuProfile): { totalMs: number; functions: ProfileRow[]; modules: ProfileRow[] } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const totalUs = [...selfUs.values()].reduce((a, b) => a + b, 0);

  const fnSelf = new Map<string, number>();
  const fnTotal = new Map<string, number>();
  const modSelf = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const node = byId.get(id)!;
    const key = frameName(node);
    fnSelf.set(key, (fnSelf.get(key) ?? 0) + us);
    const mod = moduleName(node.callFrame.url, node.callFrame.functionName);
    modSelf.set(mod, (modSelf.get(mod) ?? 0) + us);
    // Total time: credit every distinct function on the stack once.
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const k = frameName(byId.get(cur)!);
      if (seen.has(k)) continue;
      seen.add(k);
      fnTotal.set(k, (fnTotal.get(k) ?? 0) + us);
    }
  }
  const rows = (self: Map<string, number>, total?: Map<string, number>): ProfileRow[] =>
    [...self.entries()]
      .map(([name, us]) => ({ name, selfMs: us / 1000, totalMs: (total?.get(name) ?? us) / 1000, selfShare: us / Math.max(1, totalUs) }))
      .sort((a, b) => b.selfMs - a.selfMs);
  return { totalMs: totalUs / 1000, functions: rows(fnSelf, fnTotal), modules: rows(modSelf) };
}

function frameName(n: ProfileNode): string {
  const f = n.callFrame;
  const where = f.url ? `${shortUrl(f.url)}:${f.lineNumber + 1}` : '';
  return `${f.functionName || '(anonymous)'}${where ? ` ${where}` : ''}`;
}

function moduleName(url: string, fn: string): string {
  if (!url) return fn.startsWith('(') ? fn : '(native/builtin)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1]!;
  if (url.startsWith('node:')) return url;
  return shortUrl(url);
}

function shortUrl(url: string): string {
  return url.replace(/^file:\/\//, '').replace(/^.*\/work\/main\//, '').replace(/^.*node_modules\//, '');
}

function main(argv: string[]): number {
  const file = argv.find((a) => !a.startsWith('--'));
  const topIndex = argv.indexOf('--top');
  const top = topIndex >= 0 ? Number(argv[topIndex + 1]) : 25;
  if (!file) {
    process.stderr.write('usage: tsx bench/profile-summary.ts <file.cpuprofile> [--top 25]\n');
    return 2;
  }
  const s = summariseProfile(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile);
  const pct = (x: number) => `${(x * 100).toFixed(1).padStart(5)} %`;
  const out: string[] = [`sampled ${(s.totalMs / 1000).toFixed(2)} s`, '', 'self time by module:'];
  for (const m of s.modules.slice(0, 15)) out.push(`  ${pct(m.selfShare)}  ${m.selfMs.toFixed(0).padStart(7)} ms  ${m.name}`);
  out.push('', `top ${top} functions by self time (self / total ms):`);
  for (const f of s.functions.slice(0, top)) out.push(`  ${pct(f.selfShare)}  ${f.selfMs.toFixed(0).padStart(7)} / ${f.totalMs.toFixed(0).padStart(7)}  ${f.name}`);
  process.stdout.write(`${out.join('\n')}\n`);
  return 0;
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/^.*\//, ''))) process.exit(main(process.argv.slice(2)));
