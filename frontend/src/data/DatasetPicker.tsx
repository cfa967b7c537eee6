/**
 * The data-set picker (GET /api/datasets): each set with its input shape, classes and
 * availability (unavailable ones disabled, with the reason), and the params of generated
 * sets as a form from their JSON Schema.
 */
import { useCallback, useId } from 'react'
import type { DatasetInfo, GraphIssue, ParamValue } from '../api/types'
import { ParamForm } from '../editor/ParamForm'
import { formatCount } from '../graph/shapes'
import { selectDatasetInfo, useEditorStore } from '../store/editorStore'

const KIND_TITLES: Record<DatasetInfo['kind'], string> = {
  '2d': '2-D playground',
  tabular: 'Tabular',
  image: 'Images',
  sequence: 'Sequences',
  text: 'Text',
}
const KIND_ORDER: DatasetInfo['kind'][] = ['2d', 'tabular', 'image', 'sequence', 'text']

function shapeText(shape: readonly number[], d?: DatasetInfo): string {
  if (d?.task === 'language_model') return `windows of ${shape[0]} characters`
  if (d?.task === 'forecast') return `windows of ${shape[0]} values`
  return shape.length === 1 ? `${shape[0]} features` : shape.join(' × ')
}

/** What a set asks the network to do, in words (a text set's vocabulary is not a list of classes). */
function taskText(d: DatasetInfo): string {
  if (d.task === 'language_model') return `language model: the next of ${d.vocabulary?.length ?? d.num_classes ?? '?'} characters`
  if (d.task === 'forecast') return `forecast the next ${d.output_size && d.output_size > 1 ? `${d.output_size} values` : 'value'}`
  return `regression${d.output_size ? `, ${d.output_size} output${d.output_size > 1 ? 's' : ''}` : ''}`
}

function optionText(d: DatasetInfo): string {
  const classes =
    d.task === 'classification' && d.num_classes
      ? `, ${d.num_classes} classes`
      : d.task === 'language_model'
        ? ', text'
        : d.task === 'forecast'
          ? ', forecast'
          : d.task === 'regression'
            ? ', regression'
            : ''
  const unavailable = d.available === false ? ' — unavailable' : ''
  return `${d.title || d.name} (${shapeText(d.input_shape, d)}${classes})${unavailable}`
}

export function DatasetPicker() {
  const datasets = useEditorStore((s) => s.datasets)
  const ref = useEditorStore((s) => s.datasetRef)
  const info = useEditorStore(selectDatasetInfo)
  const errors = useEditorStore((s) => s.validation?.errors)
  const selectId = useId()

  const paramIssues: Record<string, GraphIssue[]> = {}
  for (const issue of errors ?? []) {
    if (issue.node_id || !issue.field) continue
    const name = issue.field.replace(/^dataset\.(params\.)?/, '')
    ;(paramIssues[name] ??= []).push(issue)
  }
  const onParam = useCallback(
    (name: string, value: ParamValue | undefined) => useEditorStore.getState().setDatasetParam(name, value),
    [],
  )

  const groups = KIND_ORDER.map((kind) => [kind, datasets.filter((d) => d.kind === kind)] as const).filter(([, l]) => l.length)
  const others = datasets.filter((d) => !KIND_ORDER.includes(d.kind))

  return (
    <section className="dataset-picker" aria-label="Data-set picker">
      <h2 className="panel-title">
        <label htmlFor={selectId}>Data set</label>
      </h2>
      <select
        id={selectId}
        value={ref?.name ?? ''}
        onChange={(e) => useEditorStore.getState().setDataset(e.target.value ? { name: e.target.value } : null)}
      >
        {!ref && <option value="">Choose a data set…</option>}
        {ref && !info && <option value={ref.name}>{ref.name} (unknown)</option>}
        {groups.map(([kind, list]) => (
          <optgroup key={kind} label={KIND_TITLES[kind]}>
            {list.map((d) => (
              <option key={d.name} value={d.name} disabled={d.available === false} title={d.reason ?? d.description}>
                {optionText(d)}
              </option>
            ))}
          </optgroup>
        ))}
        {others.map((d) => (
          <option key={d.name} value={d.name} disabled={d.available === false}>
            {optionText(d)}
          </option>
        ))}
      </select>
      {info && (
        <div className="dataset-info">
          <p className="dataset-description">{info.description}</p>
          <dl>
            <dt>Input</dt>
            <dd>{shapeText(info.input_shape, info)}</dd>
            <dt>{info.task === 'classification' ? 'Classes' : 'Task'}</dt>
            <dd>
              {info.task === 'classification'
                ? `${info.num_classes ?? '?'}${info.class_names && info.class_names.length <= 10 ? `: ${info.class_names.join(', ')}` : ''}`
                : taskText(info)}
            </dd>
            {info.sizes && Object.keys(info.sizes).length > 0 && (
              <>
                <dt>Samples</dt>
                <dd>
                  {Object.entries(info.sizes)
                    .map(([split, n]) => `${split} ${formatCount(n)}`)
                    .join(' · ')}
                </dd>
              </>
            )}
          </dl>
          {info.available === false && (
            <p className="field-error" role="alert">
              Unavailable: {info.reason ?? 'no reason given'}
            </p>
          )}
        </div>
      )}
      {info && info.params_schema && Object.keys((info.params_schema as { properties?: object }).properties ?? {}).length > 0 && (
        <details className="dataset-params" open>
          <summary>Data-set parameters</summary>
          <ParamForm
            schema={info.params_schema}
            values={(ref?.params ?? {}) as Record<string, ParamValue>}
            issues={paramIssues}
            onChange={onParam}
          />
        </details>
      )}
      {datasets.some((d) => d.available === false) && (
        <details className="dataset-unavailable">
          <summary>Why are some data sets unavailable?</summary>
          <ul>
            {datasets
              .filter((d) => d.available === false)
              .map((d) => (
                <li key={d.name}>
                  <strong>{d.name}</strong>: {d.reason ?? 'no reason given'}
                </li>
              ))}
          </ul>
        </details>
      )}
    </section>
  )
}

export default DatasetPicker
