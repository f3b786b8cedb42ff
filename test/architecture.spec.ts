import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * The dependency rules (.dependency-cruiser.cjs, docs/architecture.md) hold over src/: dependency-cruiser's own rules
 * (folder cycles, a pure domain), and no cycle between the top-level folders of src/ once every file is counted in
 * its top-level folder (src/articles/http and src/articles/domain are both src/articles).
 */

const ROOT = join(__dirname, '..');

interface Cruised {
  modules: { source: string; dependencies: { resolved: string }[] }[];
  summary: { violations: { rule: { name: string }; from: string; to: string }[] };
}

function cruise(dir: string): Cruised {
  const bin = join(ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');
  const out = execFileSync(process.execPath, [bin, dir, '--config', '.dependency-cruiser.cjs', '--output-type', 'json'], {
    cwd: ROOT,
    maxBuffer: 64 * 2 ** 20,
  });
  return JSON.parse(out.toString('utf8')) as Cruised;
}

/** The top-level folder under `src/` a file belongs to; null for the files at the root of src/ (main.ts, app.module.ts). */
function topLevel(dir: string, file: string): string | null {
  if (!file.startsWith(`${dir}/`)) return null;
  const parts = file.slice(dir.length + 1).split('/');
  return parts.length > 1 ? parts[0] : null;
}

/** Each cycle (a strongly connected set of two or more folders) in the folder graph, by Tarjan's algorithm. */
function cycles(edges: Map<string, Set<string>>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const found: string[][] = [];
  const visit = (v: string) => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    for (const w of edges.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (stack.includes(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        component.push(w);
      } while (w !== v);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const v of edges.keys()) if (!index.has(v)) visit(v);
  return found;
}

/** Rule violations and top-level folder cycles found under `dir` (a path from the repository root ending in src). */
function check(dir: string): { violations: string[]; folderCycles: string[][] } {
  const result = cruise(dir);
  const edges = new Map<string, Set<string>>();
  for (const m of result.modules) {
    const from = topLevel(dir, m.source);
    if (!from) continue;
    for (const d of m.dependencies) {
      const to = topLevel(dir, d.resolved);
      if (to && to !== from) edges.set(from, (edges.get(from) ?? new Set()).add(to));
    }
  }
  return {
    violations: result.summary.violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`),
    folderCycles: cycles(edges),
  };
}

describe('dependency rules', () => {
  it('src/ has no cycle between its top-level folders and no impure domain file', () => {
    expect(check('src')).toEqual({ violations: [], folderCycles: [] });
  });

  it('finds a cycle between top-level folders through a subfolder, and a domain file importing Nest (the check can fail)', () => {
    const { violations, folderCycles } = check('test/fixtures/layout/src');
    expect(folderCycles).toEqual([['a', 'b']]);
    expect(violations).toContain('domain-is-pure: test/fixtures/layout/src/c/domain/rule.ts → node_modules/@nestjs/common/index.js');
  });
});
