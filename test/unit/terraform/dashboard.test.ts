/**
 * The Cloud Monitoring dashboard (terraform/dashboard.tf): it charts, per target, replicas desired
 * against replicas after the decision, outstanding images, decisions per minute and decision
 * latency, and the rejected events and reconcile failures, each from a log-based metric the
 * module defines; the decision-value metrics read the fields the functions log. The template is
 * rendered by terraform itself when it is on PATH.
 */
import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTerraform, onPath, resources, terraformEnv, text } from '../../support/terraform.js';

const TEMPLATE = 'terraform/dashboard.json.tftpl';
const hcl = await loadTerraform('terraform');

interface DataSet {
  readonly timeSeriesQuery: {
    readonly timeSeriesFilter: {
      readonly filter: string;
      readonly aggregation: { readonly groupByFields?: readonly string[] };
    };
  };
}
interface Tile {
  readonly widget: { readonly title: string; readonly xyChart: { readonly dataSets: readonly DataSet[] } };
}

const dashboard = resources(hcl, 'google_monitoring_dashboard')[0];
const expression = text(dashboard?.body, 'dashboard_json') ?? '';
/** The template's `metric` map: chart key -> google_logging_metric resource it names. */
const metricMap = new Map(
  [...expression.matchAll(/(\w+)\s*=\s*google_logging_metric\.(\w+)(?:\["(\w+)"\])?\.name/g)].map((m) => [
    m[1] ?? '',
    m[3] ?? m[2] ?? '',
  ]),
);
const vars = {
  title: 'prescaler (prescaler)',
  metric: Object.fromEntries([...metricMap.keys()].map((key) => [key, `prescaler/${key}`])),
};

/** The template rendered as templatefile() does, for these variables. */
function render(): { displayName: string; mosaicLayout: { tiles: Tile[] } } {
  const source = readFileSync(TEMPLATE, 'utf8')
    .replace(/(?<!\$)\$\{(\w+)(?:\.(\w+))?\}/g, (_, name: string, key?: string) =>
      String(key ? (vars.metric[key] ?? `<unknown ${key}>`) : vars[name as 'title']),
    )
    .replaceAll('$${', '${');
  return JSON.parse(source) as ReturnType<typeof render>;
}

const tile = (title: string) => render().mosaicLayout.tiles.find((t) => t.widget.title === title);
const metricsOf = (t: Tile | undefined) =>
  (t?.widget.xyChart.dataSets ?? []).map(
    (d) =>
      /logging\.googleapis\.com\/user\/prescaler\/(\w+)/.exec(d.timeSeriesQuery.timeSeriesFilter.filter)?.[1],
  );

describe('the monitoring dashboard', () => {
  it('is a google_monitoring_dashboard rendered from the template', () => {
    expect(dashboard).toBeDefined();
    expect(expression).toContain('templatefile("${path.module}/dashboard.json.tftpl"');
  });

  it('names only log-based metrics the module defines', () => {
    const defined = new Set([
      ...resources(hcl, 'google_logging_metric').map((r) => r.name),
      ...Object.keys(hcl.locals.decision_values as object),
    ]);
    expect(metricMap.size).toBe(7);
    for (const resource of metricMap.values()) expect(defined).toContain(resource);
    const used = render().mosaicLayout.tiles.flatMap(metricsOf);
    expect(used.filter((key) => key === undefined || !metricMap.has(key))).toEqual([]);
  });

  it.each([
    ['Replicas desired vs written, per target', ['replicas_desired', 'replicas_written'], true],
    ['Outstanding images, per target', ['outstanding_images'], true],
    ['Decisions per minute, per target', ['scaling_decisions'], true],
    ['Decision latency p99, per target', ['decision_latency'], true],
    ['Rejected events per minute', ['rejected_events'], false],
    ['Reconcile failures per minute', ['reconcile_failures'], false],
  ])('charts "%s" from %j', (title, metrics, perTarget) => {
    const found = tile(title);
    expect(metricsOf(found)).toEqual(metrics);
    for (const dataSet of found?.widget.xyChart.dataSets ?? []) {
      const groupBy = dataSet.timeSeriesQuery.timeSeriesFilter.aggregation.groupByFields ?? [];
      expect(groupBy.includes('metric.label.target')).toBe(perTarget);
    }
  });

  it('reads desired, written, outstanding and latency from the fields the decision lines carry', () => {
    const values = hcl.locals.decision_values as Record<string, { field: string }>;
    expect(Object.fromEntries(Object.entries(values).map(([k, v]) => [k, v.field]))).toEqual({
      replicas_desired: 'desired',
      replicas_written: 'to',
      outstanding_images: 'outstanding',
      decision_latency: 'latencyMs',
    });
    for (const file of ['functions/prescale.ts', 'functions/reconcile-report.ts']) {
      const source = readFileSync(file, 'utf8');
      for (const field of ['desired', 'to', 'outstanding', 'latencyMs'])
        expect(source).toMatch(new RegExp(`\\b${field}:`));
    }
  });

  const terraform = onPath('terraform');
  if (!terraform) {
    it('reports that terraform is absent, so templatefile() was not evaluated', () => {
      console.warn('terraform is not on PATH: the dashboard template was rendered by the test only');
      expect(terraform).toBeUndefined();
    });
    return;
  }
  it('renders the same JSON with terraform templatefile()', () => {
    const scratch = mkdtempSync(join(tmpdir(), 'prescaler-dashboard-'));
    copyFileSync(TEMPLATE, join(scratch, 'dashboard.json.tftpl'));
    const metric = Object.entries(vars.metric)
      .map(([key, value]) => `${key} = "${value}"`)
      .join(', ');
    const result = spawnSync('terraform', ['console'], {
      cwd: scratch,
      input: `jsonencode(jsondecode(templatefile("dashboard.json.tftpl", { title = "${vars.title}", metric = { ${metric} } })))\n`,
      encoding: 'utf8',
      env: terraformEnv(),
    });
    rmSync(scratch, { recursive: true, force: true });
    expect(result.stderr).toBe('');
    expect(JSON.parse(JSON.parse(result.stdout.trim()) as string)).toEqual(render());
  });
});
