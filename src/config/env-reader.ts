/**
 * Reads environment variables into typed values. Every failure names the variable, so a bad
 * deployment stops at boot with one line instead of failing later on a request.
 */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`Invalid configuration: ${variable} ${problem}`);
    this.name = 'ConfigError';
  }
}

export type Env = Readonly<Record<string, string | undefined>>;

export class EnvReader {
  constructor(private readonly env: Env) {}

  /** A set value, trimmed; empty strings count as unset. */
  raw(name: string): string | undefined {
    const value = this.env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  }

  string(name: string, fallback: string): string {
    return this.raw(name) ?? fallback;
  }

  optionalString(name: string): string | undefined {
    return this.raw(name);
  }

  requiredString(name: string, why: string): string {
    const value = this.raw(name);
    if (value === undefined) throw new ConfigError(name, `is required ${why}`);
    return value;
  }

  int(name: string, fallback: number, bounds: { min?: number; max?: number } = {}): number {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    if (!/^-?\d+$/.test(value))
      throw new ConfigError(name, `must be a whole number, got "${value}"`);
    const parsed = Number(value);
    if (bounds.min !== undefined && parsed < bounds.min) {
      throw new ConfigError(name, `must be at least ${bounds.min}, got ${parsed}`);
    }
    if (bounds.max !== undefined && parsed > bounds.max) {
      throw new ConfigError(name, `must be at most ${bounds.max}, got ${parsed}`);
    }
    return parsed;
  }

  optionalInt(name: string, bounds: { min?: number; max?: number } = {}): number | undefined {
    return this.raw(name) === undefined ? undefined : this.int(name, 0, bounds);
  }

  bool(name: string, fallback: boolean): boolean {
    const value = this.raw(name)?.toLowerCase();
    if (value === undefined) return fallback;
    if (['true', '1', 'yes', 'on'].includes(value)) return true;
    if (['false', '0', 'no', 'off'].includes(value)) return false;
    throw new ConfigError(name, `must be true or false, got "${value}"`);
  }

  url(name: string, fallback?: string): string {
    const value = this.raw(name) ?? fallback;
    if (value === undefined) throw new ConfigError(name, 'is required');
    return this.checkUrl(name, value);
  }

  optionalUrl(name: string, protocols: string[] = ['http:', 'https:']): string | undefined {
    const value = this.raw(name);
    return value === undefined ? undefined : this.checkUrl(name, value, protocols);
  }

  list(name: string, fallback: string[]): string[] {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    return value
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item.length > 0);
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const value = this.raw(name) ?? fallback;
    if (!(allowed as readonly string[]).includes(value)) {
      throw new ConfigError(name, `must be one of ${allowed.join(', ')}, got "${value}"`);
    }
    return value as T;
  }

  /** Sizes like `100kb`, `1mb` or a plain byte count, as body-parser accepts them. */
  byteSize(name: string, fallback: string): number {
    const value = (this.raw(name) ?? fallback).toLowerCase();
    const match = /^(\d+)\s*(b|kb|mb)?$/.exec(value);
    if (!match) throw new ConfigError(name, `must be a size like 100kb or 1mb, got "${value}"`);
    const units: Record<string, number> = { b: 1, kb: 1024, mb: 1024 * 1024 };
    return Number(match[1]) * units[match[2] ?? 'b'];
  }

  private checkUrl(name: string, value: string, protocols = ['http:', 'https:']): string {
    let parsed: URL;
    try {
      parsed = new URL(value);
    } catch {
      throw new ConfigError(name, `must be a URL, got "${value}"`);
    }
    if (!protocols.includes(parsed.protocol)) {
      throw new ConfigError(name, `must use ${protocols.join(' or ')}`);
    }
    return value;
  }
}
