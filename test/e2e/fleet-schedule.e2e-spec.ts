import { startFleet, type Fleet } from '../support/fleet';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * WEBHOOK_MODE=queued, three instances, a resync due every minute: the job engine's schedule
 * runs it once per minute for the whole fleet (one instance takes each job), never once per
 * instance as an in-process cron would.
 */
describe('the scheduled resync with three instances up', () => {
  let fleet: Fleet;

  beforeAll(async () => {
    fleet = await startFleet(3, {
      WEBHOOK_MODE: 'queued',
      SYNC_CRON: '* * * * *',
      LOG_LEVEL: 'info',
    });
  }, 180_000);
  afterAll(async () => {
    await fleet?.stop();
  });

  it('runs once per schedule slot, by one instance', async () => {
    const completed = async (): Promise<{ jobs: number; slots: number }> => {
      const { rows } = await fleet.db.query<{ jobs: string; slots: string }>(
        `SELECT count(*) AS jobs, count(DISTINCT date_trunc('minute', created_on)) AS slots
         FROM pgboss.job WHERE name = 'billing-sync' AND state = 'completed'`,
      );
      return { jobs: Number(rows[0].jobs), slots: Number(rows[0].slots) };
    };
    for (let tries = 0; (await completed()).jobs === 0; tries++) {
      expect(tries).toBeLessThan(1500);
      await sleep(100);
    }
    // Time for any other instance to run it too, if the schedule were per process.
    await sleep(8_000);
    const runs = fleet.instances.map(
      (instance) =>
        instance.output.filter((line) => line.includes('scheduled resync finished')).length,
    );
    const { jobs, slots } = await completed();
    expect(jobs).toBe(slots);
    expect(runs.reduce((sum, n) => sum + n, 0)).toBe(jobs);
    expect(runs.filter((n) => n > 0).length).toBeLessThanOrEqual(jobs);
  }, 180_000);
});
