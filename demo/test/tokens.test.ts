/**
 * `npm start -- --read-token X`: the pages the demo serves connect with the
 * token it was given, the static ones and those a framework renders, in real
 * Chromium against the demo's real server (the built pages, demo/dist).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import puppeteer, { type Browser } from 'puppeteer-core';
import { chromiumArgs, chromiumPath } from '../../scripts/chromium.mjs';
import { type Demo, startDemo } from '../demo-app.js';
import { root } from '../root.js';

describe('the demo with read tokens', () => {
  let demo: Demo;
  let browser: Browser;

  before(async () => {
    demo = await startDemo({
      config: { port: 0, logLevel: 'silent', readTokens: ['s3cret"&<token>'] },
      simulate: 2,
      pagesDir: join(root, 'demo/dist'),
    });
    browser = await puppeteer.launch({ executablePath: chromiumPath, headless: true, args: chromiumArgs });
  });
  after(async () => {
    await browser?.close();
    await demo?.close();
  });

  it('refuses a connection without the token', async () => {
    assert.equal((await fetch(`${demo.url}/events`)).status, 401);
  });

  for (const path of ['/', '/drop-in', '/react', '/vue', '/scale']) {
    it(`gives ${path} the token: its connections open`, async () => {
      const page = await browser.newPage();
      try {
        await page.goto(`${demo.url}${path}`, { waitUntil: 'load' });
        const states = await page.waitForFunction(
          () => {
            const connections = [...document.querySelectorAll('sse-connection')] as (Element & {
              client: { state: string };
            })[];
            const states = connections.map((c) => c.client?.state);
            return states.length > 0 && states.every((s) => s === 'open') && states;
          },
          { timeout: 10_000, polling: 100 },
        );
        assert.ok(((await states.jsonValue()) as string[]).length > 0);
        const token = await page.$eval('sse-connection', (c) => c.getAttribute('token'));
        assert.equal(token, 's3cret"&<token>');
      } finally {
        await page.close();
      }
    });
  }
});
