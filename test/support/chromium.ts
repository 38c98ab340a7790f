/**
 * Headless Chromium for the page tests: playwright-core driving the system browser
 * (/usr/bin/chromium, which scripts/setup-chromium.sh installs; CI runs it). Without it the tests
 * fail on purpose rather than skipping. `watch` collects console errors, page errors and every
 * request that leaves the page (anything but data: and file: URLs).
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

export function launch(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} not found: run scripts/setup-chromium.sh (as root) to install Chromium for the browser tests; CI runs it before the tests`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export function watch(page: Page): { errors: string[]; requests: string[] } {
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`console: ${msg.text()}`);
  });
  page.on('pageerror', (err) => errors.push(`page: ${err.message}`));
  page.on('request', (req) => {
    const url = req.url();
    if (!url.startsWith('data:') && !url.startsWith('file:')) requests.push(url);
  });
  return { errors, requests };
}
