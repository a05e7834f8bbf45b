import { loadConfig } from '../../src/config/app-config';
import { configRefusal } from '../support/config-refusal';

describe('fleet settings', () => {
  it('defaults to one instance: inline webhooks, in-process rate limits', () => {
    const { fleet } = loadConfig({});
    expect(fleet.webhookMode).toBe('inline');
    expect(fleet.redisUrl).toBeUndefined();
    expect(fleet.queue).toEqual({
      workers: 2,
      batchSize: 8,
      pollMs: 500,
      jobTimeoutSeconds: 60,
      retryLimit: 10,
      retryDelaySeconds: 2,
      maintenanceSeconds: 30,
      poolSize: 3,
    });
  });

  it('reads queued mode, the queue settings and a Redis URL', () => {
    const { fleet } = loadConfig({
      WEBHOOK_MODE: 'queued',
      QUEUE_WORKERS: '0',
      QUEUE_BATCH_SIZE: '50',
      QUEUE_RETRY_LIMIT: '0',
      QUEUE_RETRY_DELAY_SECONDS: '0',
      REDIS_URL: 'rediss://cache.internal:6380/2',
    });
    expect(fleet.webhookMode).toBe('queued');
    expect(fleet.queue).toMatchObject({
      workers: 0,
      batchSize: 50,
      retryLimit: 0,
      retryDelaySeconds: 0,
    });
    expect(fleet.redisUrl).toBe('rediss://cache.internal:6380/2');
  });

  it.each([
    [{ WEBHOOK_MODE: 'async' }, 'WEBHOOK_MODE'],
    [{ QUEUE_WORKERS: '-1' }, 'QUEUE_WORKERS'],
    [{ QUEUE_WORKERS: 'two' }, 'QUEUE_WORKERS'],
    [{ QUEUE_BATCH_SIZE: '0' }, 'QUEUE_BATCH_SIZE'],
    [{ QUEUE_POLL_MS: '10' }, 'QUEUE_POLL_MS'],
    [{ QUEUE_JOB_TIMEOUT_SECONDS: '0' }, 'QUEUE_JOB_TIMEOUT_SECONDS'],
    [{ QUEUE_POOL_SIZE: '1' }, 'QUEUE_POOL_SIZE'],
    [{ REDIS_URL: 'http://cache.internal:6379' }, 'REDIS_URL'],
    [{ REDIS_URL: 'not a url' }, 'REDIS_URL'],
  ])('refuses %j, naming the setting', (env, name) => {
    expect(configRefusal(env)).toContain(name);
  });

  it('never repeats a Redis password in its refusal', () => {
    expect(
      configRefusal({ REDIS_URL: 'http://user:s3cret-pass@cache.internal:6379' }),
    ).not.toContain('s3cret-pass');
  });
});
