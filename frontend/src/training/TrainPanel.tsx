/**
 * The training settings and the Train button. The form is generated from TrainConfig's JSON
 * Schema (see trainForm.ts): the common fields in view, every other one under "Advanced", each
 * with the schema's limits, default and description, fields that do not apply hidden, and a
 * value out of range flagged on its field (Train stays disabled until it is fixed). A loaded
 * template's `training` refills the form; Train sends `POST /api/runs {graph, dataset, training}`
 * and the dashboard follows the new run.
 */

import { memo, useEffect, useId, useMemo, useState } from 'react'
import type { ParamValue } from '../api/types'
import { FieldView } from '../editor/ParamForm'
import { useEditorStore } from '../store/editorStore'
import { DEFAULT_TRAINING, useRunStore, type TrainingForm } from '../store/runStore'
import { applyChange, asIssues, formProblems, isApplicable, trainFields, type TrainField, type TrainValues } from './trainForm'
import './trainForm.css'

const FIELDS = trainFields()
const FORM_KEYS = Object.keys(DEFAULT_TRAINING) as (keyof TrainingForm)[]

/** A nested object field (early stopping): a checkbox, and its own fields while it is on. */
function ObjectField({ field, value, problems, onChange }: { field: TrainField; value: unknown; problems: Record<string, string>; onChange: (name: string, value: unknown) => void }) {
  const id = useId()
  const on = value !== null && typeof value === 'object'
  const current = (on ? value : {}) as Record<string, ParamValue>
  return (
    <fieldset className="train-object">
      <div className="param-field kind-checkbox">
        <label htmlFor={id}>{field.label}</label>
        <input id={id} type="checkbox" checked={on} aria-describedby={`${id}-desc`} onChange={(e) => onChange(field.name, e.target.checked ? {} : null)} />
        <p id={`${id}-desc`} className="field-description">
          {field.description}
        </p>
      </div>
      {on
        ? field.fields?.map((inner) => (
            <FieldView
              key={inner.name}
              field={inner}
              value={current[inner.name]}
              issues={asIssues(problems[`${field.name}.${inner.name}`])}
              onChange={(name, v) => {
                const next: Record<string, unknown> = { ...current }
                if (v === undefined) delete next[name]
                else next[name] = v
                onChange(field.name, next)
              }}
            />
          ))
        : null}
    </fieldset>
  )
}

export const TrainPanel = memo(function TrainPanel() {
  const training = useRunStore((s) => s.training)
  const extra = useRunStore((s) => s.trainingExtra)
  const applyTrainingDefaults = useRunStore((s) => s.applyTrainingDefaults)
  const startRun = useRunStore((s) => s.startRun)
  const submitting = useRunStore((s) => s.submitting)
  const submitError = useRunStore((s) => s.submitError)
  const trainDisabledReason = useEditorStore((s) => s.trainDisabledReason)
  const defaultsVersion = useEditorStore((s) => s.trainingDefaultsVersion)
  const datasetKind = useEditorStore((s) => s.datasets.find((d) => d.name === s.datasetRef?.name)?.kind ?? null)
  const [advancedOpen, setAdvancedOpen] = useState(false)
  const reasonId = useId()

  // A template (or project) was loaded: take its training settings.
  useEffect(() => {
    if (defaultsVersion > 0) applyTrainingDefaults(useEditorStore.getState().trainingDefaults)
  }, [defaultsVersion, applyTrainingDefaults])

  // The form's values: the run store keeps the first fields in `training` and every other key in `trainingExtra`.
  const values: TrainValues = useMemo(() => ({ ...extra, ...training }), [extra, training])
  const problems = useMemo(() => formProblems(values, FIELDS, datasetKind), [values, datasetKind])
  const shown = FIELDS.filter((f) => isApplicable(f.name, values, FIELDS, datasetKind))
  const common = shown.filter((f) => f.group === 'common')
  const advanced = shown.filter((f) => f.group === 'advanced')
  const problemEntries = Object.entries(problems)
  const advancedProblem = problemEntries.some(([name]) => advanced.some((f) => name === f.name || name.startsWith(`${f.name}.`)))
  const formProblem = problemEntries.length > 0 ? problemEntries[0][1] : null
  const reason = trainDisabledReason ?? (formProblem ? `Fix the training settings: ${formProblem}` : null)

  const onChange = (name: string, value: unknown) => {
    const next = applyChange(values, name, value, FIELDS)
    const form = { ...training } as Record<string, unknown>
    const rest: Record<string, unknown> = {}
    for (const key of FORM_KEYS) form[key] = key in next ? next[key] : (FIELDS.find((f) => f.name === key)?.default ?? DEFAULT_TRAINING[key])
    for (const [key, v] of Object.entries(next)) if (!(FORM_KEYS as string[]).includes(key)) rest[key] = v
    useRunStore.setState({ training: form as unknown as TrainingForm, trainingExtra: rest })
  }

  const render = (field: TrainField) =>
    field.fields ? (
      <ObjectField key={field.name} field={field} value={values[field.name]} problems={problems} onChange={onChange} />
    ) : (
      <FieldView key={field.name} field={field} value={values[field.name] as ParamValue | undefined} issues={asIssues(problems[field.name])} onChange={onChange} />
    )

  const train = () => {
    const editor = useEditorStore.getState()
    if (reason || !editor.datasetRef) return
    void startRun(editor.graphSpec(), editor.datasetRef, editor.designName)
  }

  return (
    <section className="train-panel" aria-labelledby={`${reasonId}-title`}>
      <h2 id={`${reasonId}-title`} className="dash-title">
        Training
      </h2>
      <form
        className="train-form"
        noValidate
        onSubmit={(e) => {
          e.preventDefault()
          train()
        }}
      >
        <div className="train-fields">{common.map(render)}</div>
        <details className="train-advanced" open={advancedOpen || advancedProblem} onToggle={(e) => setAdvancedOpen(e.currentTarget.open)}>
          <summary>Advanced</summary>
          <div className="train-fields">{advanced.map(render)}</div>
        </details>
        <div className="train-action">
          <button
            type="submit"
            className="btn btn-primary btn-train"
            disabled={reason !== null || submitting}
            aria-describedby={reason ? reasonId : undefined}
            aria-busy={submitting}
          >
            Train
          </button>
          {reason ? (
            <p id={reasonId} className="train-reason">
              {reason}
            </p>
          ) : submitting ? (
            <p className="train-reason" role="status">
              Starting the run…
            </p>
          ) : null}
        </div>
      </form>
      {submitError ? (
        <div className="submit-error" role="alert">
          <p className="submit-error-title">{submitError.message}</p>
          {submitError.issues.length > 0 ? (
            <ul>
              {submitError.issues.map((issue, i) => (
                <li key={i}>{issue}</li>
              ))}
            </ul>
          ) : null}
        </div>
      ) : null}
    </section>
  )
})
