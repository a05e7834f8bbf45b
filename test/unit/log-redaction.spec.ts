import { Writable } from 'node:stream';
import pino from 'pino';
import { REDACTED_PATHS } from '../../src/logging/logging.module';

describe('structured logs', () => {
  it('never write credentials, admin keys, webhook signatures or secret-shaped fields', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const logger = pino({ redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }, sink);
    logger.info(
      {
        req: {
          headers: {
            authorization: 'Bearer eyJhbGciOiJIUzI1NiJ9.secret-token',
            'x-admin-key': 'admin-key-value-0123456789',
            'stripe-signature': 't=1,v1=abcdef',
            cookie: 'session=abc',
          },
        },
        stripe: { apiKey: 'sk_live_should_not_appear' },
        endpoint: { secret: 'whsec_should_not_appear' },
      },
      'request',
    );
    const output = lines.join('');
    for (const secret of [
      'secret-token',
      'admin-key-value',
      'v1=abcdef',
      'session=abc',
      'sk_live_',
      'whsec_',
    ]) {
      expect(output).not.toContain(secret);
    }
    expect(output).toContain('[redacted]');
  });
});
