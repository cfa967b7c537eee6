/**
 * The page: header (title, design, total params, cost estimate, presenter toggle), the palette (left),
 * the canvas (centre), the inspector and data-set picker (right) and the training
 * dashboard (bottom).
 */
import { ReactFlowProvider } from '@xyflow/react'
import '@xyflow/react/dist/style.css'
import { useEffect, useRef } from 'react'
import './App.css'
import { DatasetPicker } from './data/DatasetPicker'
import { CostEstimate } from './editor/CostEstimate'
import { Editor } from './editor/Editor'
import { Inspector } from './editor/Inspector'
import { Palette } from './editor/Palette'
import { Problems } from './editor/Problems'
import { Splitter, useDashboardHeight } from './editor/Splitter'
import { useLiveValidation } from './editor/useLiveValidation'
import { useShortcuts } from './editor/useShortcuts'
import { formatCount } from './graph/shapes'
import { ProjectMenu } from './project/ProjectMenu'
import { useStartup } from './project/useStartup'
import { HealthBanner } from './status/HealthBanner'
import { useEditorStore } from './store/editorStore'
import { Dashboard } from './training/Dashboard'

function TotalParams() {
  const total = useEditorStore((s) => s.validation?.total_params)
  const hasNodes = useEditorStore((s) => s.nodes.length > 0)
  return (
    <div className="total-params" aria-label="Total parameters" title="Trainable parameters of the whole network">
      <span className="stat-label">Total params</span>
      <span className="stat-value">{hasNodes && total !== undefined ? formatCount(total) : '—'}</span>
    </div>
  )
}

function PresenterToggle() {
  const presenter = useEditorStore((s) => s.presenter)
  useEffect(() => {
    document.body.classList.toggle('presenter', presenter)
  }, [presenter])
  return (
    <button
      type="button"
      className={presenter ? 'toggle on' : 'toggle'}
      aria-pressed={presenter}
      onClick={() => {
        const s = useEditorStore.getState()
        s.setPresenter(!presenter)
        s.requestFit() // nodes change size with the fonts
      }}
      title="Bigger fonts and charts for a projector"
    >
      Presenter
    </button>
  )
}

function NoticeBar() {
  const notice = useEditorStore((s) => s.notice)
  useEffect(() => {
    if (!notice) return
    const timer = window.setTimeout(() => useEditorStore.getState().dismissNotice(), notice.kind === 'error' ? 8000 : 3500)
    return () => window.clearTimeout(timer)
  }, [notice])
  return (
    <div className="notice-area" aria-live="polite">
      {notice && (
        <div className={`notice ${notice.kind}`}>
          <span>{notice.text}</span>
          <button type="button" aria-label="Dismiss message" onClick={() => useEditorStore.getState().dismissNotice()}>
            ×
          </button>
        </div>
      )}
    </div>
  )
}

function ServerProblem() {
  const error = useEditorStore((s) => s.catalogueError)
  if (!error) return null
  return (
    <div className="server-problem" role="alert">
      {error} Retrying…
    </div>
  )
}

export default function App() {
  useStartup()
  useLiveValidation()
  useShortcuts()
  const designName = useEditorStore((s) => s.designName)
  const presenter = useEditorStore((s) => s.presenter)
  const [dashHeight, setDashHeight] = useDashboardHeight()
  const dashboard = useRef<HTMLElement>(null)

  return (
    <ReactFlowProvider>
      <div
        className={`app${presenter ? ' presenter' : ''}`}
        style={dashHeight === null ? undefined : { gridTemplateRows: `auto minmax(0, 1fr) ${dashHeight}px` }}
      >
        <header className="app-header">
          <h1 className="app-title">
            Layer<span>Lab</span>
          </h1>
          {designName && <span className="design-name" title="The open design">{designName}</span>}
          <ProjectMenu />
          <div className="header-spacer" />
          <TotalParams />
          <CostEstimate />
          <PresenterToggle />
        </header>
        <ServerProblem />
        <HealthBanner />
        <aside className="app-palette">
          <Palette />
        </aside>
        <main className="app-canvas">
          <Editor />
        </main>
        <aside className="app-side" aria-label="Node and data set">
          <DatasetPicker />
          <Problems />
          <Inspector />
        </aside>
        <Splitter height={dashHeight} onHeight={setDashHeight} target={() => dashboard.current} />
        <section className="app-dashboard" aria-label="Training" ref={dashboard}>
          <Dashboard />
        </section>
        <NoticeBar />
      </div>
    </ReactFlowProvider>
  )
}
