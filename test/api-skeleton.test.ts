/**
 * The seed API against a real process: health, trace lookup and the service
 * list over spans that went in through the OTLP receiver, and the
 * application/problem+json error shape (RFC 9457) for every refusal.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiGet, postOtlp, type HttpReply } from './helpers/http.ts';
import { startTestPpo, type TestPpo } from './helpers/start-ppo.ts';

let ppo: TestPpo;

beforeAll(async () => {
  ppo = await startTestPpo();
});

afterAll(async () => {
  await ppo?.stop();
});

interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: { path: string; message: string }[];
}

function expectProblem(reply: HttpReply, status: number): Problem {
  expect(reply.status, reply.body.toString()).toBe(status);
  expect(reply.headers.get('content-type') ?? '').toMatch(/^application\/problem\+json/);
  const p = reply.json as Problem;
  expect(typeof p.type).toBe('string');
  expect(p.type.length).toBeGreaterThan(0);
  expect(typeof p.title).toBe('string');
  expect(p.title.length).toBeGreaterThan(0);
  expect(p.status).toBe(status);
  expect(typeof p.detail).toBe('string');
  expect(p.detail.length).toBeGreaterThan(0);
  return p;
}

describe('GET /api/ppo/health', () => {
  it('is ok with clickhouse, receivers and ingest checks', async () => {
    const reply = await apiGet(ppo.apiBase, '/health');
    expect(reply.status).toBe(200);
    const body = reply.json as { status: string; checks: Record<string, { status: string; detail?: string }> };
    expect(body.status).toBe('ok');
    for (const name of ['clickhouse', 'receivers', 'ingest']) {
      expect(body.checks[name]?.status, name).toBe('ok');
    }
    for (const check of Object.values(body.checks)) expect(check.status).toBe('ok');
  });
});

describe('GET /api/ppo/traces/{traceId}', () => {
  it('unknown trace → 404 problem', async () => {
    const p = expectProblem(await apiGet(ppo.apiBase, '/traces/0123456789abcdef0123456789abcdef'), 404);
    expect(p.detail).toMatch(/0123456789abcdef0123456789abcdef/);
  });

  it('malformed trace id → 400 problem with errors[]', async () => {
    const p = expectProblem(await apiGet(ppo.apiBase, '/traces/xyz'), 400);
    expect(p.errors?.length ?? 0).toBeGreaterThan(0);
    expect(p.errors?.[0]?.path).toBe('traceId');
    expect(p.errors?.[0]?.message.length ?? 0).toBeGreaterThan(0);
  });

  it('unknown API route → 404 problem', async () => {
    expectProblem(await apiGet(ppo.apiBase, '/no-such-route'), 404);
  });
});

describe('GET /api/ppo/services', () => {
  const nowMs = Date.now();
  /** A span start `secondsAgo` before now, with sub-millisecond digits the API must drop. */
  const startNs = (secondsAgo: number) => BigInt(nowMs - secondsAgo * 1000) * 1_000_000n + 123_456n;
  const iso = (ns: bigint) => new Date(Number(ns / 1_000_000n)).toISOString();
  const spansA = [
    { ago: 120, error: false },
    { ago: 90, error: true },
    { ago: 60, error: false },
  ];
  const spansB = [{ ago: 100 }, { ago: 80 }];

  function resource(name: string, spans: { ago: number; error?: boolean }[], traceByte: string) {
    return {
      resource: { attributes: [{ key: 'service.name', value: { stringValue: name } }] },
      scopeSpans: [
        {
          scope: { name: 'api-skeleton' },
          spans: spans.map((s, i) => ({
            traceId: traceByte.repeat(16),
            spanId: `${traceByte}${String(i).padStart(2, '0')}`.padEnd(16, '0'),
            name: `op-${i}`,
            kind: 2,
            startTimeUnixNano: startNs(s.ago).toString(),
            endTimeUnixNano: (startNs(s.ago) + 1_000_000n).toString(),
            status: s.error ? { code: 2, message: 'failed' } : { code: 1 },
          })),
        },
      ],
    };
  }

  beforeAll(async () => {
    const reply = await postOtlp(ppo.otlpHttpUrl, 'traces', {
      resourceSpans: [resource('api-svc-a', spansA, 'a1'), resource('api-svc-b', spansB, 'b2')],
    });
    expect(reply.status, reply.body.toString()).toBe(200);
  });

  const expected = [
    { name: 'api-svc-a', spans: 3, errors: 1, firstSeen: iso(startNs(120)), lastSeen: iso(startNs(60)) },
    { name: 'api-svc-b', spans: 2, errors: 0, firstSeen: iso(startNs(100)), lastSeen: iso(startNs(80)) },
  ];

  it('lists services with span and error counts and first/last seen (RFC 3339 window)', async () => {
    const from = new Date(nowMs - 10 * 60_000).toISOString();
    const to = new Date(nowMs + 60_000).toISOString();
    const reply = await apiGet(ppo.apiBase, `/services?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`);
    expect(reply.status, reply.body.toString()).toBe(200);
    const body = reply.json as { services: unknown[] };
    expect(body.services).toEqual(expected);
  });

  it('accepts unix-nanosecond times', async () => {
    const from = (BigInt(nowMs - 10 * 60_000) * 1_000_000n).toString();
    const to = (BigInt(nowMs + 60_000) * 1_000_000n).toString();
    const reply = await apiGet(ppo.apiBase, `/services?from=${from}&to=${to}`);
    expect(reply.status).toBe(200);
    expect((reply.json as { services: unknown[] }).services).toEqual(expected);
  });

  it('a window that ends before the spans lists nothing', async () => {
    const from = new Date(nowMs - 60 * 60_000).toISOString();
    const to = new Date(nowMs - 30 * 60_000).toISOString();
    const reply = await apiGet(ppo.apiBase, `/services?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`);
    expect(reply.status).toBe(200);
    expect((reply.json as { services: unknown[] }).services).toEqual([]);
  });

  it('the default window (last hour) includes them', async () => {
    const reply = await apiGet(ppo.apiBase, '/services');
    expect(reply.status).toBe(200);
    expect((reply.json as { services: unknown[] }).services).toEqual(expected);
  });

  it('bad `from` → 400 problem naming the field', async () => {
    const p = expectProblem(await apiGet(ppo.apiBase, '/services?from=yesterday&to=2030-01-01T00:00:00Z'), 400);
    expect(p.errors?.map((e) => e.path)).toContain('from');
  });

  it('`from` after `to` → 400 problem', async () => {
    expectProblem(await apiGet(ppo.apiBase, '/services?from=2030-01-02T00:00:00Z&to=2030-01-01T00:00:00Z'), 400);
  });
});
