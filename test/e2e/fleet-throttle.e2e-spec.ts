import { startFleet, type Fleet } from '../support/fleet';
import { bearer, newUser, signToken } from '../support/tokens';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

async function status(url: string, token: string): Promise<number> {
  const response = await fetch(`${url}/api/entitlements`, { headers: bearer(token) });
  await response.arrayBuffer();
  return response.status;
}

/** With REDIS_URL every instance counts in one place: a client has one budget, not N. */
describe('throttling across instances with Redis', () => {
  let fleet: Fleet;

  beforeAll(async () => {
    fleet = await startFleet(2, { REDIS_URL, THROTTLE_LIMIT: '6', THROTTLE_TTL_SECONDS: '600' });
  }, 180_000);
  afterAll(async () => {
    await fleet?.stop();
  });

  it('a client spread over two instances is refused past the one limit', async () => {
    const [first, second] = fleet.instances;
    const token = signToken(newUser());
    const answers: number[] = [];
    for (let i = 0; i < 3; i++) {
      answers.push(await status(first.url, token));
      answers.push(await status(second.url, token));
    }
    expect(answers).toEqual([200, 200, 200, 200, 200, 200]);
    // Each instance saw only three requests; together they were six: both refuse the seventh.
    expect(await status(first.url, token)).toBe(429);
    expect(await status(second.url, token)).toBe(429);
    // Another client keeps its own budget.
    expect(await status(second.url, signToken(newUser()))).toBe(200);
  });
});
