import { describe, expect, it } from 'vitest'
import type { TrainingEvent } from '../api/events'
import { viewsFor } from './index'
import { reduceWarnings } from './warnings'

const diagnostic = (kind: string, message: string, node_id?: string) =>
  ({ type: 'diagnostic', seq: 1, run_id: 'r', time: 0, kind, message, node_id }) as unknown as TrainingEvent

describe('warnings view', () => {
  it('keeps one warning per kind and node, the newest', () => {
    let state = { list: [] as never[] } as Parameters<typeof reduceWarnings>[0]
    for (const e of [diagnostic('dead_units', 'old', 'h'), diagnostic('overfitting', 'val rises'), diagnostic('dead_units', 'new', 'h')]) {
      state = reduceWarnings(state, e)
    }
    expect(state.list.map((d) => d.message)).toEqual(['new', 'val rises'])
  })

  it('is composed into the run column from the registry', () => {
    expect(viewsFor('run').map((v) => v.id)).toEqual(['warnings'])
    expect(viewsFor('dashboard').map((v) => v.id)).not.toContain('warnings')
  })
})
