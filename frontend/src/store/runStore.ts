/**
 * Run state of the page (zustand): the run list, the selected run, each opened run's reduced
 * event stream, the training form and the run controls.
 *
 * Events reach a run's view only through `applyEvents`, which calls the pure `reduceEvents`;
 * the websocket lives in `useRunEvents`, the HTTP calls in `runsApi`.
 */

import { create } from 'zustand'
import type { TrainingEvent } from '../api/events'
import type { ConnectionInfo, ConnectionState } from '../api/reconnect'
import { ApiError } from '../api/http'
import { runsApi, type RunControl, type RunRequest, type RunSummary } from '../api/runsApi'
import type { DatasetRef, GraphSpec, TrainConfig } from '../api/types'
import { initialRunView, reduceEvents, type RunView } from '../training/reduceEvents'
import { schemaDefaults } from '../training/trainForm'
import { dropViewStates, feedViews } from '../views/registry'

/** The training form's first fields (the rest of TrainConfig lives in `trainingExtra`). */
export interface TrainingForm {
  epochs: number
  batch_size: number
  optimizer: NonNullable<TrainConfig['optimizer']>
  learning_rate: number
  loss: NonNullable<TrainConfig['loss']>
  l1: number
  l2: number
  seed: number | null
}

/** Their defaults, as TrainConfig's published schema says (training/trainForm.ts). */
export const DEFAULT_TRAINING = schemaDefaults(['epochs', 'batch_size', 'optimizer', 'learning_rate', 'loss', 'l1', 'l2', 'seed']) as unknown as TrainingForm

/** A request the server refused, in plain words. */
export interface SubmitError {
  message: string
  issues: string[]
}

export interface Connection {
  state: ConnectionState
  info: ConnectionInfo
}

/** The time scrubber: the recorded step every view with history shows (null in the store = follow live). */
export interface Scrub {
  runId: string
  step: number
}

/** A confusion-matrix cell the user clicked (class indices into the matrix's labels). */
export interface ConfusionCell {
  runId: string
  split: 'val' | 'test'
  true: number
  predicted: number
}

/** A point of a 2-D data set's plane the user clicked (data coordinates). */
export interface PlanePoint {
  runId: string
  x: number
  y: number
}

export interface RunStore {
  runs: RunSummary[]
  runsLoaded: boolean
  runsError: string | null
  selectedRunId: string | null
  views: Record<string, RunView>
  connections: Record<string, Connection>
  /** Up to two runs whose curves are overlaid. */
  compareIds: string[]
  training: TrainingForm
  /** The rest of a template's training object (kept and sent unchanged). */
  trainingExtra: TrainConfig
  submitting: boolean
  submitError: SubmitError | null
  controlBusy: RunControl | 'learning_rate' | null
  controlError: string | null
  /** The selected run's scrub position; null follows the run live. */
  scrub: Scrub | null
  confusionCell: ConfusionCell | null
  planePoint: PlanePoint | null

  refreshRuns(): Promise<void>
  selectRun(id: string | null): void
  applyEvents(id: string, events: readonly TrainingEvent[]): void
  setConnection(id: string, state: ConnectionState, info: ConnectionInfo): void
  toggleCompare(id: string): void
  clearCompare(): void
  setTraining(patch: Partial<TrainingForm>): void
  applyTrainingDefaults(defaults: TrainConfig | null | undefined): void
  /** The training settings on the page: the form over the template's other keys (what Train sends, what a design saves). */
  trainingConfig(): TrainConfig
  startRun(graph: GraphSpec, dataset: DatasetRef, name?: string | null): Promise<string | null>
  control(id: string, action: RunControl): Promise<void>
  setLearningRate(id: string, learningRate: number): Promise<void>
  removeRun(id: string): Promise<void>
  /** Show the selected run at a recorded step (null: follow it live). */
  setScrub(step: number | null): void
  setConfusionCell(cell: ConfusionCell | null): void
  setPlanePoint(point: PlanePoint | null): void
}

/** The form fields taken from a template's `training`, the other keys kept aside. */
export function splitTrainingDefaults(defaults: TrainConfig | null | undefined): { form: TrainingForm; extra: TrainConfig } {
  const form: TrainingForm = { ...DEFAULT_TRAINING }
  const extra: TrainConfig = {}
  for (const [key, value] of Object.entries(defaults ?? {})) {
    if (key in form) (form as unknown as Record<string, unknown>)[key] = value
    else (extra as Record<string, unknown>)[key] = value
  }
  return { form, extra }
}

/** A 4xx body in plain sentences: the detail, then each issue with where it points. */
export function describeError(error: unknown): SubmitError {
  if (error instanceof ApiError) {
    const issues = error.errors.map((issue) => {
      const where = [issue.node_id ? `node "${issue.node_id}"` : null, issue.field ? `field "${issue.field}"` : null]
        .filter(Boolean)
        .join(', ')
      const text = where ? `${issue.message} (${where})` : issue.message
      return issue.hint ? `${text} ${issue.hint}` : text
    })
    const message = repeatsOnlyIssue(error.message, issues) ? 'The server could not start this run.' : error.message
    return { message, issues }
  }
  return { message: error instanceof Error ? error.message : 'Something went wrong.', issues: [] }
}

function repeatsOnlyIssue(message: string, issues: string[]): boolean {
  return issues.length === 1 && issues[0].startsWith(message)
}

function upsertRun(runs: RunSummary[], run: RunSummary): RunSummary[] {
  const at = runs.findIndex((r) => r.id === run.id)
  if (at === -1) return [run, ...runs]
  const copy = runs.slice()
  copy[at] = { ...runs[at], ...run }
  return copy
}

let refreshInFlight: Promise<void> | null = null

export const useRunStore = create<RunStore>()((set, get) => ({
  runs: [],
  runsLoaded: false,
  runsError: null,
  selectedRunId: null,
  views: {},
  connections: {},
  compareIds: [],
  training: { ...DEFAULT_TRAINING },
  trainingExtra: {},
  submitting: false,
  submitError: null,
  controlBusy: null,
  controlError: null,
  scrub: null,
  confusionCell: null,
  planePoint: null,

  refreshRuns() {
    refreshInFlight ??= runsApi
      .list()
      .then((runs) => set({ runs, runsLoaded: true, runsError: null }))
      .catch((error: unknown) => set({ runsError: describeError(error).message, runsLoaded: true }))
      .finally(() => {
        refreshInFlight = null
      })
    return refreshInFlight
  },

  selectRun(id) {
    const s = get()
    if (id === s.selectedRunId) set({ controlError: null })
    // What was scrubbed to or clicked belongs to the run that was shown.
    else set({ selectedRunId: id, controlError: null, scrub: null, confusionCell: null, planePoint: null })
  },

  applyEvents(id, events) {
    // The registered views fold the same events into their own states (views/registry.ts).
    feedViews(id, events)
    const views = get().views
    const before = views[id] ?? initialRunView(id)
    const after = reduceEvents(before, events)
    if (after === before && views[id]) return
    const patch: Partial<RunStore> = { views: { ...views, [id]: after } }
    // Keep the run list's badge in step with the stream.
    if (after.status && after.status !== before.status) {
      const known = get().runs.find((r) => r.id === id)
      if (known) patch.runs = upsertRun(get().runs, { ...known, status: after.status, position: after.position })
    }
    set(patch)
  },

  setConnection(id, state, info) {
    set((s) => ({ connections: { ...s.connections, [id]: { state, info } } }))
  },

  toggleCompare(id) {
    set((s) => {
      if (s.compareIds.includes(id)) return { compareIds: s.compareIds.filter((x) => x !== id) }
      // Keep the newest two choices.
      return { compareIds: [...s.compareIds, id].slice(-2) }
    })
  },

  clearCompare() {
    set({ compareIds: [] })
  },

  setTraining(patch) {
    set((s) => ({ training: { ...s.training, ...patch } }))
  },

  applyTrainingDefaults(defaults) {
    const { form, extra } = splitTrainingDefaults(defaults)
    set({ training: form, trainingExtra: extra })
  },

  trainingConfig() {
    const { training, trainingExtra } = get()
    const config: Record<string, unknown> = { ...trainingExtra }
    // a field being typed may be empty or NaN for a moment: leave it out rather than save null
    for (const [key, value] of Object.entries(training)) {
      if (value !== undefined && !(typeof value === 'number' && Number.isNaN(value))) config[key] = value
    }
    return config as TrainConfig
  },

  async startRun(graph, dataset, name) {
    const { training } = get()
    const body: RunRequest = { graph, dataset, training: get().trainingConfig() }
    if (name) body.name = name
    set({ submitting: true, submitError: null })
    try {
      const created = await runsApi.create(body)
      const summary: RunSummary = {
        id: created.id,
        name: name ?? null,
        status: created.status,
        dataset: dataset.name,
        created_at: Date.now() / 1000,
        started_at: null,
        finished_at: null,
        position: null,
        epochs: training.epochs,
        latest: null,
        final: null,
        error: null,
      }
      set((s) => ({ submitting: false, runs: upsertRun(s.runs, summary), selectedRunId: created.id }))
      void get().refreshRuns()
      return created.id
    } catch (error) {
      set({ submitting: false, submitError: describeError(error) })
      return null
    }
  },

  async control(id, action) {
    set({ controlBusy: action, controlError: null })
    try {
      const result = await runsApi[action](id)
      set((s) => {
        const known = s.runs.find((r) => r.id === id)
        return {
          controlBusy: null,
          runs: known ? upsertRun(s.runs, { ...known, status: result.status }) : s.runs,
        }
      })
    } catch (error) {
      set({ controlBusy: null, controlError: describeError(error).message })
    }
  },

  async setLearningRate(id, learningRate) {
    set({ controlBusy: 'learning_rate', controlError: null })
    try {
      await runsApi.setLearningRate(id, learningRate)
      set({ controlBusy: null })
    } catch (error) {
      set({ controlBusy: null, controlError: describeError(error).message })
    }
  },

  async removeRun(id) {
    try {
      await runsApi.remove(id)
      dropViewStates(id)
      set((s) => {
        const views = { ...s.views }
        delete views[id]
        return {
          runs: s.runs.filter((r) => r.id !== id),
          views,
          selectedRunId: s.selectedRunId === id ? null : s.selectedRunId,
          compareIds: s.compareIds.filter((x) => x !== id),
          scrub: s.scrub?.runId === id ? null : s.scrub,
          confusionCell: s.confusionCell?.runId === id ? null : s.confusionCell,
          planePoint: s.planePoint?.runId === id ? null : s.planePoint,
        }
      })
    } catch (error) {
      set({ controlError: describeError(error).message })
    }
  },

  setScrub(step) {
    const runId = get().selectedRunId
    set({ scrub: step === null || !runId ? null : { runId, step } })
  },

  setConfusionCell(cell) {
    set({ confusionCell: cell })
  },

  setPlanePoint(point) {
    set({ planePoint: point })
  },
}))
