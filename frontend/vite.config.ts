/// <reference types="vitest/config" />
import react from '@vitejs/plugin-react'
import { defineConfig } from 'vite'

// The API server (make dev runs it on :8000); the built page is served by it directly.
const apiTarget = process.env.LAYERLAB_API ?? 'http://127.0.0.1:8000'

export default defineConfig({
  plugins: [react()],
  server: {
    proxy: {
      '/api': { target: apiTarget, ws: true, changeOrigin: true },
    },
  },
  build: { chunkSizeWarningLimit: 6000 },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.ts', 'src/**/*.test.tsx'],
  },
})
