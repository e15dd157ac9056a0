// Debian's Chromium as every browser test, benchmark and screenshot here launches it
// (../shared/TOOLCHAIN.md): the web-test-runner config, puppeteer in bench/ and demo/test/,
// and scripts/screenshots.ts.

/** The browser binary: Debian's package, or CHROME_PATH. */
export const chromiumPath = process.env.CHROME_PATH ?? '/usr/bin/chromium';

/** Headless in a VM as root: no sandbox, no GPU, no /dev/shm, and no background traffic to time. */
export const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
