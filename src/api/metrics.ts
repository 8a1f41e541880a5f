// Prometheus metrics, one registry per app so apps built side by side (tests, CLI) do not collide.
import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics, type Metric } from 'prom-client';
import type { SnapshotRegistry } from '../advisor/registry.ts';

/** `storeMetrics`: kept by the store, which outlives an app (AppContext.storeMetrics), and served here too. */
export function installMetrics(app: FastifyInstance, snapshots: SnapshotRegistry, storeMetrics: readonly Metric[] = []): Registry {
  const register = new Registry();
  collectDefaultMetrics({ register, prefix: 'nova_advisor_' });
  for (const metric of storeMetrics) register.registerMetric(metric);

  const labelNames = ['method', 'route', 'status'] as const;
  const requests = new Counter({ name: 'nova_advisor_http_requests_total', help: 'HTTP requests answered', labelNames, registers: [register] });
  const duration = new Histogram({
    name: 'nova_advisor_http_request_duration_seconds',
    help: 'Time to answer an HTTP request',
    labelNames,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [register],
  });
  new Gauge({
    name: 'nova_advisor_snapshot_age_seconds',
    help: 'Age of the snapshot each cloud is answered from',
    labelNames: ['cloud'],
    registers: [register],
    collect() {
      this.reset();
      for (const cloud of snapshots.clouds()) {
        const snapshot = snapshots.current(cloud);
        if (snapshot) this.set({ cloud }, (Date.now() - Date.parse(snapshot.takenAt)) / 1000);
      }
    },
  });

  app.addHook('onResponse', async (request, reply) => {
    // The route pattern, not the URL, keeps label cardinality bounded (ids are in the URL).
    const labels = { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) };
    requests.inc(labels);
    duration.observe(labels, reply.elapsedTime / 1000);
  });
  return register;
}
