import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { defineConfig, type Plugin } from 'vite'
import vue from '@vitejs/plugin-vue'

/**
 * serviceWorker writes sw.js from src/sw/worker.js with the files the provider's field app needs offline: the
 * entry, the provider's screens, the login and everything they import (scripts and styles), the manifest and the
 * icon. The bureau's charts are not among them; they are kept when first used. The version is a hash of that list, so a
 * new build replaces the old copy.
 */
function serviceWorker(): Plugin {
  return {
    name: 'tuoguan-service-worker',
    apply: 'build',
    generateBundle(_, bundle) {
      const files = new Set<string>(['/manifest.json', '/icon.svg'])
      const seen = new Set<string>()
      const visit = (name: string) => {
        const c = bundle[name]
        if (!c || c.type !== 'chunk' || seen.has(name)) return
        seen.add(name)
        files.add('/' + c.fileName)
        for (const css of c.viteMetadata?.importedCss ?? []) files.add('/' + css)
        c.imports.forEach(visit)
      }
      for (const [name, c] of Object.entries(bundle)) {
        const id = c.type === 'chunk' ? (c.facadeModuleId ?? '') : ''
        if (c.type === 'chunk' && (c.isEntry || id.includes('/src/views/provider/') || id.endsWith('/src/views/Login.vue'))) visit(name)
      }
      const list = [...files].sort()
      const version = createHash('sha256').update(list.join('\n')).digest('hex').slice(0, 12)
      const source = readFileSync(new URL('./src/sw/worker.js', import.meta.url), 'utf8')
        .replace('__VERSION__', version)
        .replace('__FILES__', JSON.stringify(list))
      this.emitFile({ type: 'asset', fileName: 'sw.js', source })
    },
  }
}

// The app is served by the tuoguan binary at /; `npm run dev` proxies the API to a server on :8080.
export default defineConfig({
  plugins: [vue(), serviceWorker()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // No inline scripts or styles: the page's Content-Security-Policy allows its own origin only.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 900,
  },
  server: {
    proxy: { '/api': 'http://localhost:8080' },
  },
})
