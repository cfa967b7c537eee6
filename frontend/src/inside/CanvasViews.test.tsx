import { act, cleanup, render, screen } from '@testing-library/react'
import { afterEach, describe, expect, it } from 'vitest'
import type { TrainingEvent } from '../api/events'
import { useRunStore } from '../store/runStore'
import { feedViews, resetViewStates } from '../views/registry'
import { CanvasViews } from './CanvasViews'
import { GradientPath } from './GradientPath'
import { NodePanel } from './NodePanel'

// jsdom draws nothing: the canvases get no context (the drawing is checked in the browser tests)
HTMLCanvasElement.prototype.getContext = (() => null) as unknown as HTMLCanvasElement['getContext']

const hist = { counts: [1, 4, 2], edges: [0, 1, 2, 3] }

function snapshot(seq: number, step: number, dead: number): TrainingEvent[] {
  const base = { run_id: 'r1', time: 0, epoch: 1, step }
  return [
    { ...base, seq, type: 'activations', nodes: { dense_1: { mean: 1, std: 1, min: 0, max: 3, dead_fraction: dead, histogram: hist } } },
    { ...base, seq: seq + 1, type: 'weights', nodes: { dense_1: { mean: 0, std: 1, norm: 2, histogram: hist, update_ratio: 1e-3 } } },
    {
      ...base,
      seq: seq + 2,
      type: 'gradients',
      nodes: { dense_1: { mean: 0, std: 1, norm: 0.1, histogram: hist, output_grad_rms: 1e-6 }, dense_2: { mean: 0, std: 1, output_grad_rms: 1e-2 } },
    },
  ] as unknown as TrainingEvent[]
}

async function feed(events: TrainingEvent[]) {
  await act(async () => {
    feedViews('r1', events)
    await new Promise((resolve) => setTimeout(resolve, 40))
  })
}

afterEach(() => {
  cleanup()
  resetViewStates()
  useRunStore.setState({ selectedRunId: null, scrub: null })
})

describe('the canvas views of a node', () => {
  it('show nothing until the selected run has telemetry, then the snapshot at the scrub step', async () => {
    useRunStore.setState({ selectedRunId: 'r1', scrub: null })
    render(<CanvasViews nodeId="dense_1" />)
    expect(screen.queryByTestId('inside-dense_1')).toBeNull()

    await feed(snapshot(1, 5, 0.1))
    await feed(snapshot(4, 12, 0.5))
    const card = screen.getByTestId('inside-dense_1')
    expect(card.dataset.step).toBe('12')
    expect(card.textContent).toContain('50 % dead')

    await act(async () => useRunStore.getState().setScrub(8))
    expect(screen.getByTestId('inside-dense_1').dataset.step).toBe('5')
    expect(screen.getByTestId('inside-dense_1').textContent).toContain('10 % dead')

    await act(async () => useRunStore.getState().setScrub(null))
    expect(screen.getByTestId('inside-dense_1').dataset.step).toBe('12')
  })

  it('leave other runs alone', async () => {
    useRunStore.setState({ selectedRunId: 'other', scrub: null })
    render(<CanvasViews nodeId="dense_1" />)
    await feed(snapshot(1, 5, 0.1))
    expect(screen.queryByTestId('inside-dense_1')).toBeNull()
  })
})

describe('an edge', () => {
  it('is drawn from its source node’s output gradient, relative to the largest', async () => {
    useRunStore.setState({ selectedRunId: 'r1', scrub: null })
    const { container } = render(
      <svg>
        <GradientPath id="e1" source="dense_1" path="M0 0 L10 10" className="shape-edge" />
        <GradientPath id="e2" source="dense_2" path="M0 0 L10 10" className="shape-edge" />
      </svg>,
    )
    expect(container.querySelectorAll('.has-gradient')).toHaveLength(0)
    await feed(snapshot(1, 5, 0))
    const paths = container.querySelectorAll<SVGPathElement>('.has-gradient')
    expect(paths).toHaveLength(2)
    // four decades below the largest of five: faint and thin
    expect(Number(paths[0].dataset.gradientLevel)).toBeCloseTo(0.2, 3)
    expect(Number(paths[1].dataset.gradientLevel)).toBe(1)
    expect(parseFloat(paths[0].style.strokeWidth)).toBeLessThan(parseFloat(paths[1].style.strokeWidth))
  })
})

describe('the node panel', () => {
  it('composes the node views that have something for the node, each with its sentence', async () => {
    useRunStore.setState({ selectedRunId: 'r1', scrub: null })
    render(<NodePanel nodeId="dense_1" />)
    await feed(snapshot(1, 5, 0.1))
    const panel = screen.getByRole('region', { name: 'Inside dense_1' })
    for (const title of ['Activation distribution over time', 'Weights over time', 'Gradients over time', 'Gradient norm and update ratio']) {
      const section = screen.getByRole('region', { name: title })
      expect(panel.contains(section)).toBe(true)
      expect(section.querySelector('.node-view-description')?.textContent?.length).toBeGreaterThan(40)
      expect(section.querySelector('.node-view-body')?.childElementCount).toBeGreaterThan(0)
    }
    // no probe payload for this node: that view renders nothing (its section is hidden by CSS)
    const probe = screen.getByRole('region', { name: 'What this node computes' })
    expect(probe.querySelector('.node-view-body')?.childElementCount).toBe(0)
    await act(async () => useRunStore.getState().setScrub(5))
    expect(panel.textContent).toContain('at step 5')
  })
})
