/** The part of autocannon's programmatic API the benchmarks use (the package ships no types). */
declare module 'autocannon' {
  function autocannon(
    options: autocannon.Options,
    callback: (error: Error | null, result: autocannon.AutocannonResult) => void,
  ): autocannon.Instance;

  namespace autocannon {
    interface Options {
      url: string;
      connections?: number;
      pipelining?: number;
      /** Seconds. */
      duration?: number;
      amount?: number;
      /** Requests per second over all connections (open loop); unlimited when absent. */
      overallRate?: number;
      /** Seconds. */
      timeout?: number;
      method?: 'GET' | 'POST';
      headers?: Record<string, string>;
      body?: string;
    }

    interface Histogram {
      average: number;
      mean: number;
      stddev: number;
      min: number;
      max: number;
      total: number;
      p50: number;
      p90: number;
      p99: number;
    }

    interface AutocannonResult {
      /** Seconds. */
      duration: number;
      requests: Histogram;
      latency: Histogram;
      errors: number;
      timeouts: number;
      non2xx: number;
    }

    interface Instance {
      stop(): void;
    }
  }

  export = autocannon;
}
