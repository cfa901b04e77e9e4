import { chromium, type Browser } from 'playwright-core';

/**
 * Debian's headless Chromium, launched the way this machine needs: as root (no sandbox), with
 * no GPU, and with the background networking off (the closed network refuses it otherwise).
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
