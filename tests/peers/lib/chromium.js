'use strict';
// Launches Debian's headless Chromium through playwright-core with the flags
// WebRTC tests need on a loopback-only network namespace (test tool only).
const fs = require('fs');
const os = require('os');
const path = require('path');
const { chromium } = require('playwright-core');

async function launch({ wav } = {}) {
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rg-chr-'));
  const args = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
    '--autoplay-policy=no-user-gesture-required', '--allow-loopback-in-peer-connection'];
  if (wav) args.push(`--use-file-for-fake-audio-capture=${wav}`);
  const ctx = await chromium.launchPersistentContext(userDataDir, {
    executablePath: '/usr/bin/chromium', headless: true, args });
  const page = ctx.pages()[0] || await ctx.newPage();
  const close = async () => { await ctx.close(); fs.rmSync(userDataDir, { recursive: true, force: true }); };
  return { ctx, page, close };
}

module.exports = { launch };
