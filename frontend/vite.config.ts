/// <reference types="vitest/config" />
import react from '@vitejs/plugin-react'
import { readdir, readFile, stat, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { brotliCompress, constants as zlibConstants, gzip } from 'node:zlib'
import { defineConfig, type Plugin } from 'vite'

// The API server (make dev runs it on :8000); the built page is served by it directly.
const apiTarget = process.env.LAYERLAB_API ?? 'http://127.0.0.1:8000'

/** Text files worth compressing (fonts and images are compressed already). */
const COMPRESSIBLE = /\.(?:js|mjs|css|html|svg|json|txt|map|wasm)$/
/** Smaller files gain less than one network packet. */
const MIN_COMPRESS_BYTES = 512
const gzipAsync = promisify(gzip)
const PLOTLY_MODULE = /[\\/]node_modules[\\/]plotly\.js[\\/]/
const brotliAsync = promisify(brotliCompress)

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true })
  const nested = await Promise.all(
    entries.map((entry) => (entry.isDirectory() ? listFiles(join(dir, entry.name)) : Promise.resolve([join(dir, entry.name)]))),
  )
  return nested.flat()
}

/**
 * Writes `<file>.br` (brotli, quality 11) and `<file>.gz` (gzip, level 9) beside every text
 * file of the built page, where it saves at least a tenth; the server sends the one the
 * browser accepts (backend `layerlab/api/static.py`). Node's zlib only: nothing to install.
 */
function precompress(): Plugin {
  let outDir = ''
  return {
    name: 'layerlab-precompress',
    apply: 'build',
    configResolved(config) {
      outDir = resolve(config.root, config.build.outDir)
    },
    async closeBundle() {
      const files = (await listFiles(outDir)).filter((file) => COMPRESSIBLE.test(file))
      await Promise.all(
        files.map(async (file) => {
          if ((await stat(file)).size < MIN_COMPRESS_BYTES) return
          const body = await readFile(file)
          const variants: [string, Buffer][] = [
            ['.gz', await gzipAsync(body, { level: 9 })],
            [
              '.br',
              await brotliAsync(body, {
                params: {
                  [zlibConstants.BROTLI_PARAM_QUALITY]: zlibConstants.BROTLI_MAX_QUALITY,
                  [zlibConstants.BROTLI_PARAM_MODE]: zlibConstants.BROTLI_MODE_TEXT,
                  [zlibConstants.BROTLI_PARAM_SIZE_HINT]: body.length,
                },
              }),
            ],
          ]
          for (const [suffix, packed] of variants) if (packed.length <= body.length * 0.9) await writeFile(file + suffix, packed)
        }),
      )
    },
  }
}

/**
 * plotly.js is built from its parts (`src/training/plotly.ts`), which needs two things its own
 * bundler config provides: `global` (has-hover reads `global.matchMedia`) and an empty stand-in
 * for the map traces' stylesheet, which the trace registry requires unconditionally (the page
 * draws no maps; the real one would add 83 kB of CSS to the first load).
 */
function plotlyParts(): Plugin {
  const EMPTY = '\0layerlab-empty-module'
  return {
    name: 'layerlab-plotly-parts',
    enforce: 'pre',
    resolveId(id) {
      return id === 'maplibre-gl/dist/maplibre-gl.css' ? EMPTY : null
    },
    load(id) {
      return id === EMPTY ? 'export {}' : null
    },
  }
}

export default defineConfig({
  plugins: [react(), plotlyParts(), precompress()],
  define: { global: 'globalThis' },
  server: {
    proxy: {
      '/api': { target: apiTarget, ws: true, changeOrigin: true },
    },
  },
  build: {
    // plotly's core (the comparison of runs, loaded when first used) is the biggest chunk, about 1.07 MB.
    chunkSizeWarningLimit: 1100,
    rolldownOptions: {
      output: {
        // plotly's chunk says so in its name (plotly-core).
        chunkFileNames: (chunk) =>
          chunk.moduleIds.some((id) => PLOTLY_MODULE.test(id)) ? 'assets/plotly-[name]-[hash].js' : 'assets/[name]-[hash].js',
      },
    },
  },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.ts', 'src/**/*.test.tsx'],
  },
})
