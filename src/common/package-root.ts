import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The folder holding package.json. Code runs both from TypeScript sources (tests) and from
 * dist/, so files shipped beside the code (migrations, the sandbox catalog) are found from here.
 */
export function packageRoot(from: string = __dirname): string {
  let current = from;
  for (;;) {
    if (existsSync(join(current, 'package.json')) && existsSync(join(current, 'prisma'))) {
      return current;
    }
    const parent = dirname(current);
    if (parent === current) throw new Error('package root not found above ' + from);
    current = parent;
  }
}
