/// <reference lib="dom" />
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  chromium,
  type Browser,
  type ConsoleMessage,
  type Locator,
  type Page,
} from 'playwright-core';

const ROOT = join(__dirname, '..', '..', '..');

/** Where screenshots of every page go, for a person to look at (git-ignored, kept by CI). */
export const SCREENSHOT_DIR = join(ROOT, 'test-results', 'screenshots');

/**
 * Debian's Chromium (`apt-get install chromium`); CI installs it and sets REQUIRE_BROWSER=true so
 * these tests can never be skipped there. A machine without it skips them with a notice.
 */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const browserAvailable = existsSync(CHROMIUM);
if (!browserAvailable && process.env.REQUIRE_BROWSER === 'true') {
  throw new Error(`REQUIRE_BROWSER is set but there is no Chromium at ${CHROMIUM}`);
}

/** The flags known to work here: no GPU, no background traffic to hosts that cannot be reached. */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function launchChromium(): Promise<Browser> {
  // Playwright gives each launch a fresh, empty --user-data-dir of its own.
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/** Builds the demo (web/) from its sources into a folder of its own, as `npm run build:web` does. */
export async function buildDemo(): Promise<string> {
  const outDir = await mkdtemp(join(tmpdir(), 'web-demo-'));
  await promisify(execFile)(
    process.execPath,
    [
      join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'),
      'build',
      '--outDir',
      outDir,
      '--emptyOutDir',
      '--logLevel',
      'warn',
    ],
    { cwd: join(ROOT, 'web'), maxBuffer: 16 * 1024 * 1024 },
  );
  return outDir;
}

/**
 * Every console error and uncaught exception of a page, wherever it navigates. Failed requests
 * that a step provokes on purpose (a refused promotion code) are declared with `expectFailure`.
 */
export class ConsoleWatch {
  private readonly errors: string[] = [];
  private expected = 0;

  constructor(page: Page) {
    page.on('console', (message: ConsoleMessage) => {
      if (message.type() !== 'error') return;
      if (this.expected > 0 && message.text().startsWith('Failed to load resource')) {
        this.expected -= 1;
        return;
      }
      this.errors.push(`${page.url()}: ${message.text()}`);
    });
    page.on('pageerror', (error) => this.errors.push(`${page.url()}: ${error.message}`));
  }

  /** The next failed-response console line is the one the step asked for. */
  expectFailure(): void {
    this.expected += 1;
  }

  get all(): string[] {
    return [...this.errors];
  }
}

export interface AxeViolation {
  id: string;
  help: string;
  nodes: { target: string[] }[];
}

/**
 * Runs axe-core (WCAG 2 A and AA) on the page as it is; answers the violations. Form controls
 * without an accessible name are among them (`label`, `select-name`, `button-name`, …).
 */
export async function accessibilityViolations(page: Page): Promise<string[]> {
  // Evaluated through the browser's debugging protocol: the page's CSP stays in force.
  await page.evaluate(await readFile(require.resolve('axe-core/axe.min.js'), 'utf8'));
  const violations = await page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: { run(context: Document, options: unknown): Promise<{ violations: AxeViolation[] }> };
      }
    ).axe;
    const result = await axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    });
    return result.violations.map((v) => ({
      id: v.id,
      help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target })),
    }));
  });
  return violations.map(
    (violation) =>
      `${violation.id} (${violation.help}): ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`,
  );
}

/** Every form control on the page (frames included) with no accessible name. */
export async function unnamedControls(page: Page): Promise<string[]> {
  const unnamed: string[] = [];
  for (const frame of page.frames()) {
    const controls = frame.locator('input:not([type=hidden]), select, textarea, button');
    const count = await controls.count();
    for (let index = 0; index < count; index += 1) {
      const control = controls.nth(index);
      if (!(await control.isVisible())) continue;
      const name = await control.evaluate((element) => {
        const labelled = element.getAttribute('aria-labelledby');
        if (labelled) {
          return labelled
            .split(/\s+/)
            .map((id) => document.getElementById(id)?.textContent ?? '')
            .join(' ')
            .trim();
        }
        const aria = element.getAttribute('aria-label')?.trim();
        if (aria) return aria;
        const labels = (element as HTMLInputElement).labels;
        if (labels && labels.length > 0) {
          return [...labels]
            .map((label) => label.textContent ?? '')
            .join(' ')
            .trim();
        }
        if (element.tagName === 'BUTTON') return (element.textContent ?? '').trim();
        return (element.getAttribute('title') ?? '').trim();
      });
      if (name === '')
        unnamed.push(`${frame.url()}: ${await control.evaluate((e) => e.outerHTML.slice(0, 120))}`);
    }
  }
  return unnamed;
}

let shot = 0;

/** A full-page screenshot named by order and page, in SCREENSHOT_DIR. */
export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  shot += 1;
  await page.screenshot({
    path: join(SCREENSHOT_DIR, `${String(shot).padStart(2, '0')}-${name}.png`),
    fullPage: true,
  });
}

/** Retries an assertion until it holds (pages update after their requests), or throws its last failure. */
export async function eventually(
  assertion: () => Promise<void>,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await assertion();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** Waits until the element is visible (the first match, when several are). */
export async function visible(locator: Locator): Promise<void> {
  await locator.first().waitFor({ state: 'visible', timeout: 15_000 });
}

/** The accessible description: the text of the elements named by aria-describedby. */
export function accessibleDescription(locator: Locator): Promise<string> {
  return locator.evaluate((element) =>
    (element.getAttribute('aria-describedby') ?? '')
      .split(/\s+/)
      .filter(Boolean)
      .map((id) => document.getElementById(id)?.textContent?.trim() ?? '')
      .join(' '),
  );
}
