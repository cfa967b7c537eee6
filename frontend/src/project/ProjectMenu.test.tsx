import { act, cleanup, fireEvent, render, screen } from '@testing-library/react'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { Project, ProjectSummary } from '../api/types'
import { useEditorStore } from '../store/editorStore'
import { ProjectMenu } from './ProjectMenu'

const summary = (i: number): ProjectSummary => ({
  id: `p${i}`,
  name: `Project ${i}`,
  dataset: { name: 'circle', params: {} },
  node_count: 3,
  created_at: 1000 + i,
  updated_at: 1000 + i,
})

const project: Project = {
  id: 'p1',
  name: 'Project 1',
  graph: { version: 1, nodes: [{ id: 'in', type: 'Input' }], edges: [] },
  dataset: { name: 'circle', params: {} },
  training: null,
  created_at: 1001,
  updated_at: 1001,
}

function answer(body: unknown): Response {
  return new Response(JSON.stringify(body), { status: 200, headers: { 'Content-Type': 'application/json' } })
}

describe('ProjectMenu › Open', () => {
  const requests: string[] = []

  beforeEach(() => {
    requests.length = 0
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string) => {
        requests.push(url)
        const offset = Number(new URL(url, 'http://page').searchParams.get('offset') ?? 0)
        if (url.startsWith('/api/projects?')) {
          const all = Array.from({ length: 53 }, (_, i) => summary(i))
          return answer(all.slice(offset, offset + 50))
        }
        if (url === '/api/projects/p1') return answer(project)
        return new Response('{}', { status: 404 })
      }),
    )
  })

  afterEach(() => {
    cleanup()
    vi.unstubAllGlobals()
  })

  it('lists a page of summaries, shows more on demand, and fetches the whole project to open it', async () => {
    const loadDesign = vi.spyOn(useEditorStore.getState(), 'loadDesign')
    render(<ProjectMenu />)
    await act(async () => fireEvent.click(screen.getByRole('button', { name: /Open/ })))
    expect(requests[0]).toBe('/api/projects?offset=0&limit=50')
    expect(screen.getAllByText(/3 nodes · circle/)).toHaveLength(50)

    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Show more' })))
    expect(requests[1]).toBe('/api/projects?offset=50&limit=50')
    expect(screen.getAllByText(/3 nodes · circle/)).toHaveLength(53)
    expect(screen.queryByRole('button', { name: 'Show more' })).toBeNull()

    await act(async () => fireEvent.click(screen.getByText('Project 1')))
    expect(requests[2]).toBe('/api/projects/p1')
    expect(loadDesign).toHaveBeenCalledWith(
      { graph: project.graph, dataset: project.dataset, training: null, name: 'Project 1' },
      { projectId: 'p1' },
    )
  })
})
