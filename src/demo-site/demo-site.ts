import { existsSync, readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { static as serveStatic, type NextFunction, type Request, type Response } from 'express';
import { packageRoot } from '../common/package-root';
import type { AppConfig } from '../config/app-config';

/** Where `npm run build` puts the demo frontend (web/). */
export const defaultDemoDir = (): string => join(packageRoot(), 'web', 'dist');

/** Paths that belong to the service, never to the demo. */
const SERVICE_PATHS = /^\/(api|docs|docs-json|metrics)(\/|$|\?)/;

/**
 * The demo's Content-Security-Policy: its own scripts, plus Stripe.js and the embedded checkout
 * frame from wherever Stripe.js is served (the emulator in sandbox mode).
 */
export function demoContentSecurityPolicy(stripeJsUrl: string): string {
  const stripe = new URL(stripeJsUrl).origin;
  return [
    "default-src 'self'",
    `script-src 'self' ${stripe}`,
    `frame-src ${stripe}`,
    "connect-src 'self'",
    "img-src 'self' data:",
    "style-src 'self' 'unsafe-inline'",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'self'",
  ].join('; ');
}

function wantsHtml(request: Request): boolean {
  return (request.headers.accept ?? '').includes('text/html');
}

/**
 * Sandbox mode serves the built demo frontend at `/`: its files as they are, and `index.html` for
 * any other page a browser asks for (the demo routes in the browser). Everything under `/api`,
 * `/docs` and `/metrics` stays the service's, and a request that is not a browser's page load
 * still gets the error envelope for an unknown route. Returns false when the demo is not built.
 */
export function serveDemoSite(
  app: NestExpressApplication,
  config: AppConfig,
  dir: string,
): boolean {
  const indexFile = join(dir, 'index.html');
  if (!existsSync(indexFile)) return false;
  const index = readFileSync(indexFile);
  const policy = demoContentSecurityPolicy(config.stripe.jsUrl);
  const files = serveStatic(dir, {
    index: false,
    fallthrough: true,
    setHeaders: (response: ServerResponse, path: string) => {
      response.setHeader('Content-Security-Policy', policy);
      // Vite names built assets by content hash: they never change.
      if (path.includes(`${join(dir, 'assets')}`)) {
        response.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
      }
    },
  });
  app.use((request: Request, response: Response, next: NextFunction) => {
    const url = request.url ?? '/';
    if ((request.method !== 'GET' && request.method !== 'HEAD') || SERVICE_PATHS.test(url)) {
      next();
      return;
    }
    files(request, response, () => {
      if (!wantsHtml(request)) {
        next();
        return;
      }
      response.statusCode = 200;
      response.setHeader('Content-Type', 'text/html; charset=utf-8');
      response.setHeader('Cache-Control', 'no-cache');
      response.setHeader('Content-Security-Policy', policy);
      response.end(request.method === 'HEAD' ? undefined : index);
    });
  });
  return true;
}
