/**
 * Design-level actions in the header: templates, projects on the server (open, save,
 * save as, delete), import/export of JSON files and a shareable link.
 */
import { useRef, useState, type ChangeEvent } from 'react'
import { ApiError, createProject, deleteProject, getProject, listProjects, updateProject } from '../api/http'
import type { ProjectSummary, Template } from '../api/types'
import { shareUrl } from '../graph/shareUrl'
import { useEditorStore } from '../store/editorStore'
import { currentDesign } from './currentDesign'
import { designFileName, downloadText, parseDesignFile, toDesignFile } from './importExport'
import { Popover } from './Popover'

function errorText(error: unknown): string {
  return error instanceof ApiError || error instanceof Error ? error.message : String(error)
}

function loadTemplate(t: Template): void {
  const s = useEditorStore.getState()
  s.loadDesign({ graph: t.graph, dataset: t.dataset, training: t.training, name: t.title || t.name }, { layout: true })
  s.notify(`Loaded the template “${t.title || t.name}”.`)
}

function TemplateList({ close }: { close: () => void }) {
  const templates = useEditorStore((s) => s.templates)
  if (templates.length === 0) return <p className="muted">No templates.</p>
  return (
    <ul className="menu-list">
      {templates.map((t) => (
        <li key={t.name}>
          <button
            type="button"
            className="menu-item"
            onClick={() => {
              loadTemplate(t)
              close()
            }}
          >
            <span className="menu-item-title">{t.title || t.name}</span>
            <span className="menu-item-text">
              {t.description} <em>({typeof t.dataset === 'string' ? t.dataset : t.dataset.name})</em>
            </span>
          </button>
        </li>
      ))}
    </ul>
  )
}

/** Projects per page of the Open list; "Show more" asks for the next page. */
const PROJECT_PAGE = 50

/** Open a saved project: the list holds no graphs, so fetch the whole project first. */
async function openProject(summary: ProjectSummary, close: () => void): Promise<void> {
  const s = useEditorStore.getState()
  try {
    const p = await getProject(summary.id)
    s.loadDesign({ graph: p.graph, dataset: p.dataset, training: p.training, name: p.name }, { projectId: p.id })
    s.notify(`Opened “${p.name}”.`)
    close()
  } catch (e) {
    s.notify(`Could not open “${summary.name}”: ${errorText(e)}`, 'error')
  }
}

interface ProjectListProps {
  projects: ProjectSummary[] | null
  hasMore: boolean
  error: string | null
  close: () => void
  reload: () => void
  more: () => void
}

function ProjectList({ projects, hasMore, error, close, reload, more }: ProjectListProps) {
  if (error) return <p className="field-error">{error}</p>
  if (projects === null) return <p className="muted">Loading…</p>
  if (projects.length === 0) return <p className="muted">No saved projects yet. Press Save to keep this design on the server.</p>
  return (
    <ul className="menu-list">
      {projects.map((p) => (
        <li key={p.id} className="menu-row">
          <button type="button" className="menu-item" onClick={() => void openProject(p, close)}>
            <span className="menu-item-title">{p.name}</span>
            <span className="menu-item-text">
              {p.node_count} nodes · {p.dataset?.name ?? 'no data set'} · saved {new Date(p.updated_at * 1000).toLocaleString()}
            </span>
          </button>
          <button
            type="button"
            className="menu-delete"
            aria-label={`Delete project ${p.name}`}
            title="Delete"
            onClick={() => {
              deleteProject(p.id)
                .then(() => {
                  const s = useEditorStore.getState()
                  if (s.projectId === p.id) s.setProject(null, s.designName)
                  reload()
                })
                .catch((e: unknown) => useEditorStore.getState().notify(errorText(e), 'error'))
            }}
          >
            ×
          </button>
        </li>
      ))}
      {hasMore && (
        <li>
          <button type="button" className="menu-item" onClick={more}>
            <span className="menu-item-title">Show more</span>
          </button>
        </li>
      )}
    </ul>
  )
}

function SaveForm({ close }: { close: () => void }) {
  const designName = useEditorStore((s) => s.designName)
  const projectId = useEditorStore((s) => s.projectId)
  const [name, setName] = useState(designName ?? 'My network')
  const [busy, setBusy] = useState(false)
  const save = async (asNew: boolean): Promise<void> => {
    setBusy(true)
    const design = currentDesign()
    const body = { name: name.trim() || 'My network', graph: design.graph, dataset: design.dataset, training: design.training }
    try {
      const project = projectId && !asNew ? await updateProject(projectId, body) : await createProject(body)
      const s = useEditorStore.getState()
      s.setProject(project.id, project.name)
      s.notify(`Saved “${project.name}”.`)
      close()
    } catch (e) {
      useEditorStore.getState().notify(`Could not save: ${errorText(e)}`, 'error')
    } finally {
      setBusy(false)
    }
  }
  return (
    <form
      className="save-form"
      onSubmit={(e) => {
        e.preventDefault()
        void save(false)
      }}
    >
      <label htmlFor="project-name">Project name</label>
      <input id="project-name" type="text" value={name} maxLength={200} onChange={(e) => setName(e.target.value)} autoFocus />
      <div className="form-buttons">
        <button type="submit" className="primary" disabled={busy}>
          {projectId ? 'Save' : 'Save project'}
        </button>
        {projectId && (
          <button type="button" disabled={busy} onClick={() => void save(true)}>
            Save as new
          </button>
        )}
      </div>
    </form>
  )
}

export function ProjectMenu() {
  const [projects, setProjects] = useState<ProjectSummary[] | null>(null)
  const [hasMore, setHasMore] = useState(false)
  const [projectsError, setProjectsError] = useState<string | null>(null)
  const fileInput = useRef<HTMLInputElement>(null)
  const isEmpty = useEditorStore((s) => s.nodes.length === 0)

  const reload = (): void => {
    setProjects(null)
    setProjectsError(null)
    listProjects(0, PROJECT_PAGE)
      .then((page) => {
        setProjects(page)
        setHasMore(page.length === PROJECT_PAGE)
      })
      .catch((e: unknown) => setProjectsError(errorText(e)))
  }

  const more = (): void => {
    const shown = projects ?? []
    listProjects(shown.length, PROJECT_PAGE)
      .then((page) => {
        const known = new Set(shown.map((p) => p.id))
        setProjects([...shown, ...page.filter((p) => !known.has(p.id))])
        setHasMore(page.length === PROJECT_PAGE)
      })
      .catch((e: unknown) => setProjectsError(errorText(e)))
  }

  const onImport = async (event: ChangeEvent<HTMLInputElement>): Promise<void> => {
    const file = event.target.files?.[0]
    event.target.value = ''
    if (!file) return
    const s = useEditorStore.getState()
    try {
      const design = parseDesignFile(await file.text(), file.name)
      s.loadDesign({ ...design, name: design.name ?? file.name.replace(/\.(layerlab\.)?json$/i, '') })
      s.notify(`Imported ${file.name}.`)
    } catch (e) {
      s.notify(errorText(e), 'error')
    }
  }

  const onExport = (): void => {
    const design = currentDesign()
    downloadText(JSON.stringify(toDesignFile(design), null, 2), designFileName(design.name))
  }

  const onCopyLink = async (): Promise<void> => {
    const s = useEditorStore.getState()
    const design = currentDesign()
    const url = await shareUrl({ graph: design.graph, dataset: design.dataset, training: design.training }, window.location.href)
    window.history.replaceState(null, '', url)
    try {
      await navigator.clipboard.writeText(url)
      s.notify('Link copied: anyone who opens it gets this design.')
    } catch {
      s.notify('The link is in the address bar: copy it from there.')
    }
  }

  return (
    <div className="project-menu" role="group" aria-label="Design">
      <Popover label="Templates" title="Start from a reference network">
        {(close) => <TemplateList close={close} />}
      </Popover>
      <Popover label="Open" title="Open a project saved on the server" onOpen={reload}>
        {(close) => <ProjectList projects={projects} hasMore={hasMore} error={projectsError} close={close} reload={reload} more={more} />}
      </Popover>
      <Popover label="Save" title="Save this design on the server">
        {(close) => <SaveForm close={close} />}
      </Popover>
      <button type="button" onClick={() => fileInput.current?.click()} title="Load a graph JSON file">
        Import
      </button>
      <input ref={fileInput} type="file" accept="application/json,.json" hidden aria-label="Import graph JSON file" onChange={(e) => void onImport(e)} />
      <button type="button" onClick={onExport} disabled={isEmpty} title="Download this design as JSON">
        Export
      </button>
      <button type="button" onClick={() => void onCopyLink()} disabled={isEmpty} title="Copy a link that holds this design">
        Copy link
      </button>
      <button
        type="button"
        onClick={() => {
          const s = useEditorStore.getState()
          s.clear()
          s.setProject(null, null)
        }}
        disabled={isEmpty}
        title="Clear the canvas (undo brings it back)"
      >
        New
      </button>
    </div>
  )
}

export default ProjectMenu
