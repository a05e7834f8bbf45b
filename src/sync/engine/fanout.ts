import { randomUUID } from 'node:crypto';
import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import pg from 'pg';
import { PrismaService } from '../../database/prisma.service';
import { sql, type Sql } from '../../database/sql';
import { SyncEffects, SyncEffectsBus } from './sync-effects';

/** The PostgreSQL channel every instance listens on for what another one committed. */
export const FANOUT_CHANNEL = 'billing_sync';

/** Past this many accounts a notification says "everything" (NOTIFY payloads stay small). */
const MAX_ACCOUNTS_PER_NOTIFICATION = 100;
const RECONNECT_MIN_MS = 250;
const RECONNECT_MAX_MS = 5_000;

/** This process, as its notifications name it (so it skips its own: it already knows). */
export const INSTANCE_ID = randomUUID();

interface Notice {
  /** The instance that committed. */
  i: string;
  /** Accounts whose billing state changed. */
  a?: string[];
  /** The catalog changed, or too many accounts to list: every cache entry is stale. */
  c?: true;
}

/**
 * `SELECT pg_notify(…)` telling every instance what a transaction changed, or null when it
 * changed nothing a cache holds. Sent inside the applying transaction: PostgreSQL delivers it
 * at commit, and never when the transaction rolls back.
 */
export function notifyStatement(effects: SyncEffects): Sql | null {
  if (effects.accounts.size === 0 && !effects.catalogChanged) return null;
  const notice: Notice = { i: INSTANCE_ID };
  if (effects.catalogChanged || effects.accounts.size > MAX_ACCOUNTS_PER_NOTIFICATION)
    notice.c = true;
  else notice.a = [...effects.accounts];
  return sql`SELECT pg_notify(${FANOUT_CHANNEL}, ${JSON.stringify(notice)})`;
}

function parseNotice(payload: string | undefined): Notice | null {
  if (payload === undefined) return null;
  try {
    const value = JSON.parse(payload) as unknown;
    if (typeof value !== 'object' || value === null) return null;
    const notice = value as Record<string, unknown>;
    if (typeof notice.i !== 'string') return null;
    const accounts = Array.isArray(notice.a)
      ? notice.a.filter((a): a is string => typeof a === 'string')
      : undefined;
    return { i: notice.i, a: accounts, c: notice.c === true ? true : undefined };
  } catch {
    return null;
  }
}

/**
 * Cache invalidation across instances: one dedicated connection (outside the pool) listens on
 * FANOUT_CHANNEL and hands what other instances committed to this process's caches, as if it
 * had committed it here. The connection is re-opened when lost (with backoff); notifications
 * sent meanwhile are lost, so every cache is cleared once it is back.
 */
@Injectable()
export class SyncFanout implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(SyncFanout.name);
  private client: pg.Client | null = null;
  private stopped = false;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private delayMs = RECONNECT_MIN_MS;
  /** Notifications from other instances this process has applied (tests, metrics). */
  received = 0;

  constructor(
    private readonly prisma: PrismaService,
    private readonly bus: SyncEffectsBus,
  ) {}

  /** Resolves once listening; a first failure is retried in the background. */
  async onApplicationBootstrap(): Promise<void> {
    await this.connect(false);
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    if (this.reconnectTimer !== null) clearTimeout(this.reconnectTimer);
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }

  /** Whether the listening connection is up (readiness can report it). */
  get listening(): boolean {
    return this.client !== null;
  }

  private async connect(reconnected: boolean): Promise<void> {
    if (this.stopped) return;
    const { connectionString } = this.prisma.pool.options;
    const client = new pg.Client({ connectionString, application_name: 'billing-fanout' });
    let lost = false;
    const onLost = (error?: Error): void => {
      if (lost) return;
      lost = true;
      if (this.client === client) this.client = null;
      client.removeAllListeners('notification');
      void client.end().catch(() => undefined);
      if (this.stopped) return;
      this.logger.warn(
        { error: error?.message ?? 'connection ended' },
        'cache fan-out connection lost; reconnecting',
      );
      this.schedule();
    };
    client.on('error', onLost);
    client.on('end', () => onLost());
    client.on('notification', (message) => {
      if (message.channel === FANOUT_CHANNEL) this.deliver(message.payload);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${FANOUT_CHANNEL}`);
    } catch (error) {
      onLost(error as Error);
      return;
    }
    if (this.stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.delayMs = RECONNECT_MIN_MS;
    if (reconnected) {
      // Whatever other instances committed while this one was deaf is unknown: forget it all.
      const everything = new SyncEffects();
      everything.catalogChanged = true;
      this.bus.publish(everything);
      this.logger.log('cache fan-out connection restored; caches cleared');
    }
  }

  private schedule(): void {
    if (this.reconnectTimer !== null || this.stopped) return;
    const delay = this.delayMs;
    this.delayMs = Math.min(this.delayMs * 2, RECONNECT_MAX_MS);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      void this.connect(true);
    }, delay);
    this.reconnectTimer.unref();
  }

  private deliver(payload: string | undefined): void {
    const notice = parseNotice(payload);
    if (notice === null || notice.i === INSTANCE_ID) return;
    this.received += 1;
    const effects = new SyncEffects();
    if (notice.c === true) effects.catalogChanged = true;
    for (const account of notice.a ?? []) effects.accounts.add(account);
    this.bus.publish(effects);
  }
}
