// /metrics with WORKERS > 1 (src/server-workers.ts): any worker may get the scrape, and it answers with the counters
// of every worker, summed by the primary with prom-client's AggregatorRegistry (each metric by its `aggregator`:
// counters and histograms summed, a gauge every worker reads alike, such as a snapshot's age, taken once). The
// capacity families are the snapshot's, the same in every worker: the worker that got the scrape adds its own.
import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry, type Registry } from 'prom-client';

const REQUEST = 'nova-advisor:metrics';
const REPLY = 'nova-advisor:metrics-reply';
const TIMEOUT_MS = 5_000;

interface Request {
  type: typeof REQUEST;
  id: number;
}
interface Reply {
  type: typeof REPLY;
  id: number;
  text?: string;
  error?: string;
}

/** An IPC message of `type` (messages come as any JSON). */
export const isMessage = <T extends { type: string }>(message: unknown, type: T['type']): message is T =>
  typeof message === 'object' && message !== null && (message as { type?: unknown }).type === type;

/** True in a worker forked by the primary (src/server-workers.ts). */
export const inWorker = (): boolean => cluster.isWorker;

/** In a worker: `register` is what the primary sums (prom-client answers its requests once an aggregator exists). */
export function shareWithPrimary(register: Registry): void {
  AggregatorRegistry.setRegistries([register]);
  new AggregatorRegistry();
}

/** In the primary: answers the workers' requests for everyone's metrics. */
export function answerMetricsRequests(): void {
  const aggregator = new AggregatorRegistry();
  cluster.on('message', (worker: Worker, message: unknown) => {
    if (!isMessage<Request>(message, REQUEST)) return;
    const reply = (body: Pick<Reply, 'text' | 'error'>): void => {
      if (worker.isConnected()) worker.send({ type: REPLY, id: message.id, ...body } satisfies Reply);
    };
    aggregator.clusterMetrics().then((text) => reply({ text }), (err: unknown) => reply({ error: err instanceof Error ? err.message : String(err) }));
  });
}

let nextId = 0;

/** In a worker: the metrics of every worker, summed by the primary. */
export function workersMetrics(): Promise<string> {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      process.off('message', onReply);
      reject(new Error(`the workers' metrics did not come within ${TIMEOUT_MS / 1000} s`));
    }, TIMEOUT_MS);
    function onReply(message: unknown): void {
      if (!isMessage<Reply>(message, REPLY) || message.id !== id) return;
      clearTimeout(timer);
      process.off('message', onReply);
      if (message.text !== undefined) resolve(message.text);
      else reject(new Error(message.error ?? 'no metrics'));
    }
    process.on('message', onReply);
    process.send?.({ type: REQUEST, id } satisfies Request);
  });
}
