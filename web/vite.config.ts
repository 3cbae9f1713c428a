import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'

// The app is served by the tuoguan binary at /; `npm run dev` proxies the API to a server on :8080.
export default defineConfig({
  plugins: [vue()],
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
