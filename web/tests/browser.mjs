// The browser the tests drive: Debian's chromium, headless, with what keeps it off the network and inside a
// container's limits. Playwright gives it a fresh --user-data-dir of its own.
import { chromium } from 'playwright-core'

/** launch starts it, with extra arguments a test needs besides. */
export function launch(extra = []) {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
      '--disable-dev-shm-usage', // containers give /dev/shm 64 MB
      ...extra,
    ],
  })
}
