import { loadConfig } from '../../src/config/app-config';
import { ConfigError } from '../../src/config/env-reader';

/** The message of the ConfigError that `env` is refused with (fails the test if it is accepted). */
export function configRefusal(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
  throw new Error('expected the configuration to be refused');
}
