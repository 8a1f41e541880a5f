// /metrics with WORKERS > 1 (src/server-workers.ts): any worker may get the scrape, and it answers with the counters
// of every worker that answers requests, summed by the primary with prom-client's AggregatorRegistry.aggregate (each
// metric by its `aggregator`: counters and histograms summed, a gauge every worker reads alike, such as a snapshot's
// age, taken once). Only ready workers are asked: one still starting has no metrics yet, and prom-client's own
// clusterMetrics, which asks every worker, waited 5 s for it and failed. The capacity families are the snapshot's,
// the same in every worker: the worker that got the scrape adds its own.
import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry, type MetricObjectWithValues, type MetricValue, type Registry } from 'prom-client';

const SCRAPE = 'nova-advisor:metrics';
const SCRAPE_REPLY = 'nova-advisor:metrics-reply';
const COLLECT = 'nova-advisor:collect';
const COLLECT_REPLY = 'nova-advisor:collect-reply';
const TIMEOUT_MS = 5_000;

type Metrics = MetricObjectWithValues<MetricValue<string>>[];

interface Request {
  type: typeof SCRAPE | typeof COLLECT;
  id: number;
}
interface ScrapeReply {
  type: typeof SCRAPE_REPLY;
  id: number;
  text?: string;
  error?: string;
}
interface CollectReply {
  type: typeof COLLECT_REPLY;
  id: number;
  metrics?: Metrics;
  error?: string;
}

/** An IPC message of `type` (messages come as any JSON). */
export const isMessage = <T extends { type: string }>(message: unknown, type: T['type']): message is T =>
  typeof message === 'object' && message !== null && (message as { type?: unknown }).type === type;

const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** True in a worker forked by the primary (src/server-workers.ts). */
export const inWorker = (): boolean => cluster.isWorker;

/** In a worker: hands `register`'s metrics to the primary when it collects them. */
export function shareWithPrimary(register: Registry): void {
  process.on('message', (message: unknown) => {
    if (!isMessage<Request>(message, COLLECT)) return;
    const reply = (body: Pick<CollectReply, 'metrics' | 'error'>): void => {
      process.send?.({ type: COLLECT_REPLY, id: message.id, ...body } satisfies CollectReply);
    };
    register.getMetricsAsJSON().then((metrics) => reply({ metrics: metrics as Metrics }), (err: unknown) => reply({ error: errorText(err) }));
  });
}

let nextId = 0;

/** Sends `request` and resolves with the reply of type `replyType` to it, from `from` (the primary or a worker). */
function ask<T extends { type: string; id: number }>(from: NodeJS.EventEmitter, send: (message: Request) => void, type: Request['type'], replyType: T['type']): Promise<T> {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      from.off('message', onReply);
      reject(new Error(`no ${type} reply within ${TIMEOUT_MS / 1000} s`));
    }, TIMEOUT_MS);
    function onReply(message: unknown): void {
      if (!isMessage<T>(message, replyType) || message.id !== id) return;
      clearTimeout(timer);
      from.off('message', onReply);
      resolve(message);
    }
    from.on('message', onReply);
    send({ type, id });
  });
}

/** In the primary: answers a worker's scrape with the metrics of the `ready` workers, aggregated. */
export function answerMetricsRequests(ready: () => Worker[]): void {
  cluster.on('message', (worker: Worker, message: unknown) => {
    if (!isMessage<Request>(message, SCRAPE)) return;
    const reply = (body: Pick<ScrapeReply, 'text' | 'error'>): void => {
      if (worker.isConnected()) worker.send({ type: SCRAPE_REPLY, id: message.id, ...body } satisfies ScrapeReply);
    };
    Promise.all(ready().map((w) => ask<CollectReply>(w, (m) => w.send(m), COLLECT, COLLECT_REPLY)))
      .then((replies) => {
        const failed = replies.find((r) => r.metrics === undefined);
        if (failed) throw new Error(failed.error ?? 'a worker sent no metrics');
        return AggregatorRegistry.aggregate(replies.map((r) => r.metrics!)).metrics();
      })
      .then((text) => reply({ text }), (err: unknown) => reply({ error: errorText(err) }));
  });
}

/** In a worker: the metrics of every ready worker, summed by the primary. */
export async function workersMetrics(): Promise<string> {
  const reply = await ask<ScrapeReply>(process, (m) => process.send?.(m), SCRAPE, SCRAPE_REPLY);
  if (reply.text === undefined) throw new Error(reply.error ?? 'no metrics');
  return reply.text;
}
