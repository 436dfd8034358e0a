/**
 * With PPO_API_KEYS set, every API route wants `Authorization: Bearer <key>`
 * (any of the configured keys) and refuses with a 401 problem otherwise;
 * health stays open so probes need no secret.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiGet, type HttpReply } from './helpers/http.ts';
import { startTestPpo, type TestPpo } from './helpers/start-ppo.ts';

let ppo: TestPpo;

beforeAll(async () => {
  ppo = await startTestPpo({ PPO_API_KEYS: 'first-key, second-key' });
});

afterAll(async () => {
  await ppo?.stop();
});

function expectUnauthorized(reply: HttpReply): void {
  expect(reply.status, reply.body.toString()).toBe(401);
  expect(reply.headers.get('content-type') ?? '').toMatch(/^application\/problem\+json/);
  const p = reply.json as { type?: unknown; title?: unknown; status?: unknown; detail?: unknown };
  expect(p.status).toBe(401);
  expect(typeof p.type).toBe('string');
  expect(typeof p.title).toBe('string');
  expect(typeof p.detail).toBe('string');
  expect(reply.headers.get('www-authenticate') ?? '').toMatch(/^Bearer/);
}

describe('API keys', () => {
  it('health is open without a key', async () => {
    const reply = await apiGet(ppo.apiBase, '/health');
    expect(reply.status).toBe(200);
    expect((reply.json as { status: string }).status).toBe('ok');
  });

  it('no Authorization header → 401 problem', async () => {
    expectUnauthorized(await apiGet(ppo.apiBase, '/services'));
    expectUnauthorized(await apiGet(ppo.apiBase, '/traces/0123456789abcdef0123456789abcdef'));
  });

  it('a wrong Bearer key → 401 problem', async () => {
    expectUnauthorized(await apiGet(ppo.apiBase, '/services', { Authorization: 'Bearer not-a-key' }));
  });

  // Credentials in another scheme are not `Bearer <key>`: the request is
  // unauthenticated (401 + WWW-Authenticate, RFC 7235 §3.1), not malformed.
  it('another scheme (Basic) → 401 problem', async () => {
    expectUnauthorized(await apiGet(ppo.apiBase, '/services', { Authorization: 'Basic Zmlyc3Qta2V5Og==' }));
  });

  it('a bare key without the Bearer scheme → 401 problem', async () => {
    expectUnauthorized(await apiGet(ppo.apiBase, '/services', { Authorization: 'first-key' }));
  });

  it('either configured key is accepted', async () => {
    for (const key of ['first-key', 'second-key']) {
      const reply = await apiGet(ppo.apiBase, '/services', { Authorization: `Bearer ${key}` });
      expect(reply.status, key).toBe(200);
      expect((reply.json as { services: unknown[] }).services).toEqual([]);
    }
    const missing = await apiGet(ppo.apiBase, '/traces/0123456789abcdef0123456789abcdef', { Authorization: 'Bearer second-key' });
    expect(missing.status).toBe(404);
  });
});
