import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { repoRoot } from '../rig/image.js';

/**
 * The shipped alerting and recording rules, checked by Prometheus's own promtool (Debian's
 * `prometheus` package, unpacked by scripts/ensure-promtool.sh): the rules parse, and each alert
 * fires on its condition and resolves after it (contrib/prometheus/hsts-cluster.rules.test.yml).
 */
describe('contrib/prometheus rules', () => {
  const dir = join(repoRoot(), 'contrib', 'prometheus');
  let promtool = '';
  beforeAll(() => {
    promtool = execFileSync(join(repoRoot(), 'scripts', 'ensure-promtool.sh'), { encoding: 'utf8', timeout: 300_000 }).trim();
  });
  const run = (args: string[]) => spawnSync(promtool, args, { cwd: dir, encoding: 'utf8', timeout: 120_000 });

  it('pass promtool check rules', () => {
    const r = run(['check', 'rules', 'hsts-cluster.rules.yml']);
    expect(r.status, r.stdout + r.stderr).toBe(0);
  });

  it('pass promtool test rules: every alert fires and resolves', () => {
    const r = run(['test', 'rules', 'hsts-cluster.rules.test.yml']);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const rules = YAML.parse(readFileSync(join(dir, 'hsts-cluster.rules.yml'), 'utf8')) as { groups: { rules: { alert?: string }[] }[] };
    const alerts = rules.groups.flatMap((g) => g.rules.flatMap((rule) => (rule.alert ? [rule.alert] : [])));
    const tests = YAML.parse(readFileSync(join(dir, 'hsts-cluster.rules.test.yml'), 'utf8')) as {
      tests: { alert_rule_test?: { alertname: string; exp_alerts: unknown[] }[] }[];
    };
    const cases = tests.tests.flatMap((t) => t.alert_rule_test ?? []);
    for (const alert of alerts) {
      const mine = cases.filter((c) => c.alertname === alert);
      expect(mine.some((c) => c.exp_alerts.length > 0), `${alert} is never shown firing`).toBe(true);
      expect(mine.some((c) => c.exp_alerts.length === 0), `${alert} is never shown resolved`).toBe(true);
    }
  });

  it('name only metrics that status --format prometheus writes', () => {
    const written = new Set([...readFileSync(join(repoRoot(), 'src', 'commands', 'status', 'prometheus.ts'), 'utf8').matchAll(/name: '(hsts_cluster_[a-z_]+)'/g)].map((m) => m[1]));
    const rulesText = readFileSync(join(dir, 'hsts-cluster.rules.yml'), 'utf8');
    const used = new Set([...rulesText.replace(/^\s*#.*$/gm, '').matchAll(/\b(hsts_cluster_[a-z_]+)\b/g)].map((m) => m[1]));
    expect(used.size).toBeGreaterThan(5);
    for (const metric of used) expect(written, `${metric} is not written by status`).toContain(metric);
  });
});

describe('contrib/systemd units', () => {
  it('pass systemd-analyze verify', () => {
    const dir = join(repoRoot(), 'contrib', 'systemd');
    const r = spawnSync('systemd-analyze', ['verify', join(dir, 'hsts-cluster-status.service'), join(dir, 'hsts-cluster-status.timer')], {
      encoding: 'utf8', timeout: 60_000,
    });
    expect(r.error, 'systemd-analyze (Debian package systemd) is needed').toBeUndefined();
    expect(r.status, r.stdout + r.stderr).toBe(0);
  });
});
