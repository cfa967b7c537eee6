/**
 * The editor's state: the canvas (nodes, edges), the data set, the live validation, the
 * catalogues from the server, undo/redo and the clipboard.
 *
 * Names other parts of the page rely on (the training dashboard reads these):
 * - `graphSpec()`            the graph JSON of the canvas (docs/contract.md §1), for `POST /api/runs`;
 * - `datasetRef`             the chosen data set (`{name, params}`), or null;
 * - `validation`             the last `POST /api/graphs/validate` response, or null;
 * - `trainDisabledReason`    why training cannot start, in words, or null when it can;
 * - `trainingDefaults`       the training settings of the last loaded template/project/link
 *                            (null until one is loaded), with `trainingDefaultsVersion`
 *                            bumped on every load so a form can pick them up again;
 * - `presenter`              the big-screen mode (also the `presenter` class on <body>).
 */
import { applyEdgeChanges, applyNodeChanges, type EdgeChange, type NodeChange, type XYPosition } from '@xyflow/react'
import { create } from 'zustand'
import type {
  DatasetInfo,
  DatasetRef,
  GraphSpec,
  LayerInfo,
  ParamValue,
  Template,
  TrainConfig,
  ValidateResponse,
} from '../api/types'
import { emptyHistory, record, redo, undo, type History } from '../graph/history'
import { newNodeId } from '../graph/ids'
import { indexIssues, trainDisabledReasonOf, type IssueIndex } from '../graph/issues'
import { layoutGraph } from '../graph/layout'
import { fromGraphSpec, makeEdge, toGraphSpec } from '../graph/toGraphSpec'
import type { GraphSnapshot, LayerNode, ShapeEdge } from '../graph/types'

/** A whole design: what templates, projects, files and share links carry. */
export interface Design {
  graph: GraphSpec
  dataset?: DatasetRef | null
  training?: TrainConfig | null
  name?: string | null
}

export interface EditorState {
  // --- catalogues from the server ---------------------------------------------------
  layers: LayerInfo[]
  layersByType: Record<string, LayerInfo>
  datasets: DatasetInfo[]
  templates: Template[]
  /** Why the catalogues could not be loaded (the server is down …), or null. */
  catalogueError: string | null

  // --- the design -----------------------------------------------------------------
  nodes: LayerNode[]
  edges: ShapeEdge[]
  datasetRef: DatasetRef | null
  trainingDefaults: TrainConfig | null
  trainingDefaultsVersion: number
  /** Name of the loaded project/template (shown in the header and used when saving). */
  designName: string | null
  /** The server id of the open project, when the design was saved or loaded from /api/projects. */
  projectId: string | null

  // --- validation -----------------------------------------------------------------
  /** Bumped by every change validation depends on (not by moving nodes). */
  revision: number
  validation: ValidateResponse | null
  /** The revision `validation` belongs to. */
  validatedRevision: number
  /** Why the last validation request failed (server down …), or null. */
  validationError: string | null
  /** The validation errors sorted by node/field/general (follows `validation`). */
  issues: IssueIndex
  trainDisabledReason: string | null

  // --- UI ---------------------------------------------------------------------------
  presenter: boolean
  /** A short message for the user (saved, link copied, import failed …), or null. */
  notice: Notice | null
  /** Bumped when the view should fit the graph (after a load or an auto-layout). */
  fitRequest: number
  /** The canvas' size in px (auto-layout folds a deep graph into columns to fit it), or null before it is measured. */
  canvasSize: { width: number; height: number } | null
  history: History<GraphSnapshot>
  clipboard: GraphSnapshot | null

  // --- selectors --------------------------------------------------------------------
  /** The graph JSON of the canvas (docs/contract.md §1). */
  graphSpec: () => GraphSpec
  selectedNodes: () => LayerNode[]

  // --- actions ----------------------------------------------------------------------
  setCatalogues: (c: { layers?: LayerInfo[]; datasets?: DatasetInfo[]; templates?: Template[] }) => void
  setCatalogueError: (message: string | null) => void
  onNodesChange: (changes: NodeChange<LayerNode>[]) => void
  onEdgesChange: (changes: EdgeChange<ShapeEdge>[]) => void
  /** Record an undo step for the current canvas (before an edit React Flow performs itself). */
  checkpoint: (key?: string | null) => void
  /** Add a node (selected); with `connectFrom`, also wire that node to it, as one undo step. */
  addNode: (layerType: string, position?: XYPosition, connectFrom?: string | null) => string
  connect: (source: string, target: string) => void
  updateParam: (nodeId: string, param: string, value: ParamValue | undefined) => void
  setLabel: (nodeId: string, label: string) => void
  deleteSelection: () => void
  selectOnly: (nodeId: string | null) => void
  selectEdge: (edgeId: string) => void
  autoLayout: () => void
  setCanvasSize: (size: { width: number; height: number }) => void
  undo: () => void
  redo: () => void
  copySelection: () => void
  paste: () => void
  setDataset: (ref: DatasetRef | null) => void
  setDatasetParam: (param: string, value: ParamValue | undefined) => void
  /**
   * Replace the whole design (template, project, file, link); undoable. `layout: true` arranges
   * the nodes for this canvas whatever positions the design carries (templates).
   */
  loadDesign: (design: Design, options?: { projectId?: string | null; layout?: boolean }) => void
  clear: () => void
  setProject: (id: string | null, name: string | null) => void
  setValidation: (response: ValidateResponse, revision: number) => void
  setValidationError: (message: string | null) => void
  requestFit: () => void
  setPresenter: (on: boolean) => void
  notify: (text: string, kind?: Notice['kind']) => void
  dismissNotice: () => void
}

export interface Notice {
  id: number
  text: string
  kind: 'info' | 'error'
}

const EMPTY_ISSUES: IssueIndex = { byNode: {}, byField: {}, general: [] }

function snapshot(s: Pick<EditorState, 'nodes' | 'edges'>): GraphSnapshot {
  return { nodes: s.nodes, edges: s.edges }
}

/** Fields derived from the rest of the state; recomputed on every `set`. */
function derive(s: EditorState): Pick<EditorState, 'trainDisabledReason'> {
  const dataset = s.datasetRef ? s.datasets.find((d) => d.name === s.datasetRef!.name) : undefined
  const current = s.validation !== null && s.validatedRevision === s.revision
  const trainDisabledReason = trainDisabledReasonOf({
    nodeCount: s.nodes.length,
    datasetRef: s.datasetRef,
    dataset,
    errors: current ? s.validation!.errors : null,
    failure: s.validationError,
  })
  return { trainDisabledReason }
}

function withoutSelection(nodes: LayerNode[]): LayerNode[] {
  return nodes.map((n) => (n.selected ? { ...n, selected: false } : n))
}

/** The data set a graph should start with when nothing is chosen: digits if available. */
function defaultDataset(datasets: DatasetInfo[]): DatasetRef | null {
  const pick = datasets.find((d) => d.name === 'digits' && d.available !== false) ?? datasets.find((d) => d.available !== false)
  return pick ? { name: pick.name } : null
}

export const useEditorStore = create<EditorState>()((rawSet, get) => {
  /** `set` that keeps the derived fields in step. */
  const set = (partial: Partial<EditorState> | ((s: EditorState) => Partial<EditorState>)): void =>
    rawSet((state) => {
      const change = typeof partial === 'function' ? partial(state) : partial
      const next = { ...state, ...change }
      const derived = derive(next)
      return derived.trainDisabledReason === state.trainDisabledReason ? change : { ...change, ...derived }
    })

  /** Apply an edit to nodes/edges as one undo step. */
  const edit = (
    fn: (s: EditorState) => Partial<Pick<EditorState, 'nodes' | 'edges' | 'datasetRef'>>,
    options: { key?: string | null; semantic?: boolean } = {},
  ): void =>
    set((s) => ({
      ...fn(s),
      history: record(s.history, snapshot(s), { key: options.key ?? null }),
      revision: options.semantic === false ? s.revision : s.revision + 1,
    }))

  return {
    layers: [],
    layersByType: {},
    datasets: [],
    templates: [],
    catalogueError: null,
    nodes: [],
    edges: [],
    datasetRef: null,
    trainingDefaults: null,
    trainingDefaultsVersion: 0,
    designName: null,
    projectId: null,
    revision: 0,
    validation: null,
    validatedRevision: -1,
    validationError: null,
    issues: EMPTY_ISSUES,
    trainDisabledReason: 'Add layers to the canvas first: drag an Input from the palette.',
    presenter: false,
    notice: null,
    fitRequest: 0,
    canvasSize: null,
    history: emptyHistory<GraphSnapshot>(),
    clipboard: null,

    graphSpec: () => toGraphSpec(get().nodes, get().edges),
    selectedNodes: () => get().nodes.filter((n) => n.selected),

    setCatalogues: (c) =>
      set((s) => {
        const change: Partial<EditorState> = {}
        if (c.layers) {
          change.layers = c.layers
          change.layersByType = Object.fromEntries(c.layers.map((l) => [l.type, l]))
        }
        if (c.datasets) {
          change.datasets = c.datasets
          if (!s.datasetRef) {
            change.datasetRef = defaultDataset(c.datasets)
            change.revision = s.revision + 1
          }
        }
        if (c.templates) change.templates = c.templates
        return change
      }),
    setCatalogueError: (message) => set({ catalogueError: message }),

    onNodesChange: (changes) =>
      set((s) => {
        const semantic = changes.some((c) => c.type === 'remove' || c.type === 'add' || c.type === 'replace')
        return {
          nodes: applyNodeChanges(changes, s.nodes),
          revision: semantic ? s.revision + 1 : s.revision,
        }
      }),
    onEdgesChange: (changes) =>
      set((s) => {
        const semantic = changes.some((c) => c.type === 'remove' || c.type === 'add' || c.type === 'replace')
        return {
          edges: applyEdgeChanges(changes, s.edges),
          revision: semantic ? s.revision + 1 : s.revision,
        }
      }),
    checkpoint: (key) => set((s) => ({ history: record(s.history, snapshot(s), { key: key ?? null }) })),

    addNode: (layerType, position, connectFrom) => {
      const s = get()
      const id = newNodeId(layerType, new Set(s.nodes.map((n) => n.id)))
      let at = position
      if (!at) {
        // Below the lowest node, or at the origin on an empty canvas.
        const lowest = s.nodes.reduce<LayerNode | null>((a, n) => (a && a.position.y >= n.position.y ? a : n), null)
        at = lowest ? { x: lowest.position.x, y: lowest.position.y + 140 } : { x: 0, y: 0 }
      }
      const node: LayerNode = {
        id,
        type: 'layer',
        position: at,
        selected: true,
        data: { layerType, label: null, params: {} },
      }
      const wire = connectFrom && s.nodes.some((n) => n.id === connectFrom) && s.layersByType[layerType]?.inputs.max !== 0
      edit((st) => ({
        nodes: [...withoutSelection(st.nodes), node],
        edges: wire ? [...st.edges, makeEdge(connectFrom, id, s.layersByType[layerType]?.ordered_inputs ? 0 : null)] : st.edges,
      }))
      return id
    },

    connect: (source, target) => {
      const s = get()
      if (source === target || s.edges.some((e) => e.source === source && e.target === target)) return
      const targetType = s.nodes.find((n) => n.id === target)?.data.layerType
      const ordered = targetType !== undefined && s.layersByType[targetType]?.ordered_inputs
      const port = ordered ? s.edges.filter((e) => e.target === target).length : null
      edit((st) => ({ edges: [...st.edges, makeEdge(source, target, port)] }))
    },

    updateParam: (nodeId, param, value) =>
      edit(
        (s) => ({
          nodes: s.nodes.map((n) => {
            if (n.id !== nodeId) return n
            const params = { ...n.data.params }
            if (value === undefined) delete params[param]
            else params[param] = value
            return { ...n, data: { ...n.data, params } }
          }),
        }),
        { key: `param:${nodeId}:${param}` },
      ),

    setLabel: (nodeId, label) =>
      edit(
        (s) => ({
          nodes: s.nodes.map((n) => (n.id === nodeId ? { ...n, data: { ...n.data, label: label || null } } : n)),
        }),
        { key: `label:${nodeId}`, semantic: false },
      ),

    deleteSelection: () => {
      const s = get()
      const gone = new Set(s.nodes.filter((n) => n.selected).map((n) => n.id))
      const edgesLeft = s.edges.filter((e) => !e.selected && !gone.has(e.source) && !gone.has(e.target))
      if (gone.size === 0 && edgesLeft.length === s.edges.length) return
      edit((st) => ({ nodes: st.nodes.filter((n) => !gone.has(n.id)), edges: edgesLeft }))
    },

    selectOnly: (nodeId) =>
      set((s) => ({
        nodes: s.nodes.map((n) => {
          const selected = n.id === nodeId
          return n.selected === selected ? n : { ...n, selected }
        }),
        edges: s.edges.map((e) => (e.selected ? { ...e, selected: false } : e)),
      })),

    selectEdge: (edgeId) =>
      set((s) => ({
        nodes: s.nodes.map((n) => (n.selected ? { ...n, selected: false } : n)),
        edges: s.edges.map((e) => {
          const selected = e.id === edgeId
          return e.selected === selected ? e : { ...e, selected }
        }),
      })),

    autoLayout: () => {
      edit((s) => ({ nodes: layoutGraph(s.nodes, s.edges, { frame: s.canvasSize ?? undefined }) }), { semantic: false })
      set((s) => ({ fitRequest: s.fitRequest + 1 }))
    },

    undo: () =>
      set((s) => {
        const step = undo(s.history, snapshot(s))
        if (!step) return {}
        return { ...step.value, history: step.history, revision: s.revision + 1 }
      }),
    redo: () =>
      set((s) => {
        const step = redo(s.history, snapshot(s))
        if (!step) return {}
        return { ...step.value, history: step.history, revision: s.revision + 1 }
      }),

    copySelection: () => {
      const s = get()
      const nodes = s.nodes.filter((n) => n.selected)
      if (nodes.length === 0) return
      const ids = new Set(nodes.map((n) => n.id))
      const edges = s.edges.filter((e) => ids.has(e.source) && ids.has(e.target))
      set({ clipboard: { nodes, edges } })
    },

    paste: () => {
      const s = get()
      const clip = s.clipboard
      if (!clip || clip.nodes.length === 0) return
      const taken = new Set(s.nodes.map((n) => n.id))
      const rename = new Map<string, string>()
      for (const n of clip.nodes) {
        const id = newNodeId(n.data.layerType, taken)
        taken.add(id)
        rename.set(n.id, id)
      }
      const nodes: LayerNode[] = clip.nodes.map((n) => ({
        id: rename.get(n.id)!,
        type: 'layer',
        position: { x: n.position.x + 40, y: n.position.y + 40 },
        selected: true,
        data: { ...n.data, params: { ...n.data.params } },
      }))
      const edges = clip.edges.map((e) => makeEdge(rename.get(e.source)!, rename.get(e.target)!, e.data?.targetPort))
      edit((st) => ({ nodes: [...withoutSelection(st.nodes), ...nodes], edges: [...st.edges, ...edges] }))
      // The next paste lands a little further on.
      set({ clipboard: { nodes: nodes.map((n) => ({ ...n, selected: false })), edges } })
    },

    setDataset: (ref) => set((s) => ({ datasetRef: ref, revision: s.revision + 1 })),
    setDatasetParam: (param, value) =>
      set((s) => {
        if (!s.datasetRef) return {}
        const params = { ...(s.datasetRef.params ?? {}) }
        if (value === undefined || value === null || (typeof value === 'number' && Number.isNaN(value))) delete params[param]
        else if (!Array.isArray(value)) params[param] = value
        return { datasetRef: { ...s.datasetRef, params }, revision: s.revision + 1 }
      }),

    loadDesign: (design, options) => {
      const { nodes, edges } = fromGraphSpec(design.graph, {
        frame: get().canvasSize ?? undefined,
        relayout: options?.layout,
      })
      set((s) => ({
        nodes,
        edges,
        history: record(s.history, snapshot(s)),
        revision: s.revision + 1,
        datasetRef: design.dataset !== undefined && design.dataset !== null ? design.dataset : s.datasetRef,
        trainingDefaults: design.training ?? s.trainingDefaults,
        trainingDefaultsVersion: design.training ? s.trainingDefaultsVersion + 1 : s.trainingDefaultsVersion,
        designName: design.name ?? null,
        projectId: options?.projectId ?? null,
        fitRequest: s.fitRequest + 1,
      }))
    },

    clear: () => edit(() => ({ nodes: [], edges: [] })),
    setProject: (id, name) => set({ projectId: id, designName: name }),

    setValidation: (response, revision) =>
      set(() => {
        const ids = new Set(get().nodes.map((n) => n.id))
        return {
          validation: response,
          validatedRevision: revision,
          validationError: null,
          issues: indexIssues(response.errors, ids),
        }
      }),
    setValidationError: (message) => set({ validationError: message }),
    requestFit: () => set((s) => ({ fitRequest: s.fitRequest + 1 })),
    setCanvasSize: (size) => {
      const now = get().canvasSize
      if (!now || now.width !== size.width || now.height !== size.height) set({ canvasSize: size })
    },

    setPresenter: (on) => set({ presenter: on }),
    notify: (text, kind = 'info') => set((s) => ({ notice: { id: (s.notice?.id ?? 0) + 1, text, kind } })),
    dismissNotice: () => set({ notice: null }),
  }
})

/** The data-set info of the chosen data set, if the catalogue lists it. */
export function selectDatasetInfo(s: EditorState): DatasetInfo | undefined {
  return s.datasetRef ? s.datasets.find((d) => d.name === s.datasetRef!.name) : undefined
}

/** The one selected node, or null when none or several are selected. */
export function selectSingleNode(s: EditorState): LayerNode | null {
  let found: LayerNode | null = null
  for (const n of s.nodes) {
    if (!n.selected) continue
    if (found) return null
    found = n
  }
  return found
}
