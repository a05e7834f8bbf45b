import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The repository root: the nearest folder above this file with a package.json. Works from the
 * TypeScript sources (Jest) and from `dist/emulator/src` alike, since the build copies no assets.
 */
export function packageRootDirectory(start: string = __dirname): string {
  let directory = start;
  for (;;) {
    if (existsSync(join(directory, 'package.json'))) return directory;
    const parent = dirname(directory);
    if (parent === directory) return start;
    directory = parent;
  }
}

export function defaultCatalogFile(): string {
  return join(packageRootDirectory(), 'emulator', 'catalog', 'sandbox-catalog.json');
}
