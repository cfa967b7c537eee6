import { afterEach, describe, expect, it, vi } from 'vitest'
import { ApiError } from './http'
import { runsApi } from './runsApi'

function answer(status: number, body: unknown) {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } })
}

describe('runsApi: predict, predictions, probe', () => {
  afterEach(() => vi.unstubAllGlobals())

  it('posts the inputs with saliency and target to /predict', async () => {
    const fetchMock = vi.fn(async () => answer(200, { predictions: [3] }))
    vi.stubGlobal('fetch', fetchMock)
    await runsApi.predict('r 1', [[0, 1]], { saliency: true, target: 3 })
    const [url, init] = fetchMock.mock.calls[0] as unknown as [string, RequestInit]
    expect(url).toBe('/api/runs/r%201/predict')
    expect(init.method).toBe('POST')
    expect(JSON.parse(String(init.body))).toEqual({ inputs: [[0, 1]], saliency: true, target: 3 })
  })

  it('asks the gallery for one confusion-matrix cell', async () => {
    const fetchMock = vi.fn(async () => answer(200, { items: [] }))
    vi.stubGlobal('fetch', fetchMock)
    await runsApi.predictions('r1', { trueClass: 2, predicted: 0, limit: 12 })
    const [url] = fetchMock.mock.calls[0] as unknown as [string]
    expect(url).toBe('/api/runs/r1/predictions?split=test&true=2&predicted=0&limit=12')
  })

  it('turns a 409 no_weights into an ApiError with the reason', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => answer(409, { detail: 'Run r1 is still queued.', code: 'no_weights', errors: [] })))
    const error = await runsApi.setProbe('r1', 4).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ApiError)
    expect((error as ApiError).status).toBe(409)
    expect((error as ApiError).message).toContain('queued')
  })
})
