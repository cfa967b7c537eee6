/**
 * The training settings (epochs, batch size, optimizer, learning rate, loss, L1/L2, seed)
 * and the Train button. A loaded template's `training` refills the form; Train sends
 * `POST /api/runs {graph, dataset, training}` and the dashboard follows the new run.
 */

import { memo, type ReactNode, useEffect, useId, useState } from 'react'
import type { TrainConfig } from '../api/types'
import { useEditorStore } from '../store/editorStore'
import { useRunStore, type TrainingForm } from '../store/runStore'

interface NumberRule {
  min: number
  max: number
  /** Strictly above `min`. */
  exclusiveMin?: boolean
  integer?: boolean
  optional?: boolean
}

/** Form limits, as in TrainConfig (backend/layerlab/training/config.py). */
const RULES: Record<'epochs' | 'batch_size' | 'learning_rate' | 'l1' | 'l2' | 'seed', NumberRule> = {
  epochs: { min: 1, max: 100_000, integer: true },
  batch_size: { min: 1, max: 1_000_000, integer: true },
  learning_rate: { min: 0, max: 10, exclusiveMin: true },
  l1: { min: 0, max: 10 },
  l2: { min: 0, max: 10 },
  seed: { min: 0, max: 2 ** 32 - 1, integer: true, optional: true },
}

const LABELS: Record<keyof typeof RULES, string> = {
  epochs: 'Epochs',
  batch_size: 'Batch size',
  learning_rate: 'Learning rate',
  l1: 'L1',
  l2: 'L2',
  seed: 'Seed',
}

/** The problem with a typed value, in words, or null when it is fine. */
export function checkNumber(text: string, rule: NumberRule, label: string): string | null {
  if (text.trim() === '') return rule.optional ? null : `${label} is required.`
  const value = Number(text)
  if (!Number.isFinite(value)) return `${label} must be a number.`
  if (rule.integer && !Number.isInteger(value)) return `${label} must be a whole number.`
  if (rule.exclusiveMin ? value <= rule.min : value < rule.min) return `${label} must be ${rule.exclusiveMin ? 'above' : 'at least'} ${rule.min}.`
  if (value > rule.max) return `${label} must be at most ${rule.max.toLocaleString('en-US')}.`
  return null
}

const OPTIMIZERS: { value: NonNullable<TrainConfig['optimizer']>; label: string }[] = [
  { value: 'adam', label: 'Adam' },
  { value: 'adamw', label: 'AdamW' },
  { value: 'sgd', label: 'SGD' },
  { value: 'rmsprop', label: 'RMSprop' },
  { value: 'adagrad', label: 'AdaGrad' },
]

const LOSSES: { value: NonNullable<TrainConfig['loss']>; label: string }[] = [
  { value: 'auto', label: 'Automatic (cross-entropy or MSE)' },
  { value: 'cross_entropy', label: 'Cross-entropy' },
  { value: 'binary_cross_entropy', label: 'Binary cross-entropy' },
  { value: 'mse', label: 'Mean squared error' },
  { value: 'mae', label: 'Mean absolute error' },
  { value: 'huber', label: 'Huber' },
]

type NumericKey = keyof typeof RULES

interface NumberFieldProps {
  name: NumericKey
  value: number | null
  onValue: (value: number | null) => void
  onProblem: (name: NumericKey, problem: string | null) => void
  hint?: ReactNode
}

/** A labelled number input that keeps what is typed until it is a valid value. */
function NumberField({ name, value, onValue, onProblem, hint }: NumberFieldProps) {
  const id = useId()
  const rule = RULES[name]
  const [draft, setDraft] = useState(value == null ? '' : String(value))
  const [problem, setProblem] = useState<string | null>(null)

  // A new value from outside (a template was loaded) replaces the draft.
  useEffect(() => {
    setDraft((current) => (current !== '' && Number(current) === value ? current : value == null ? '' : String(value)))
    setProblem(null)
    onProblem(name, null)
  }, [value, name, onProblem])

  return (
    <div className={`field${problem ? ' has-problem' : ''}`}>
      <label htmlFor={id}>{LABELS[name]}</label>
      <input
        id={id}
        type="number"
        inputMode={rule.integer ? 'numeric' : 'decimal'}
        step={rule.integer ? 1 : 'any'}
        min={rule.exclusiveMin ? undefined : rule.min}
        max={rule.max}
        value={draft}
        aria-invalid={problem !== null}
        aria-describedby={problem ? `${id}-problem` : undefined}
        title={typeof hint === 'string' ? hint : undefined}
        onChange={(e) => {
          const text = e.target.value
          setDraft(text)
          const found = checkNumber(text, rule, LABELS[name])
          setProblem(found)
          onProblem(name, found)
          if (!found) onValue(text.trim() === '' ? null : Number(text))
        }}
      />
      {problem ? (
        <span id={`${id}-problem`} className="field-problem">
          {problem}
        </span>
      ) : null}
    </div>
  )
}

export const TrainPanel = memo(function TrainPanel() {
  const training = useRunStore((s) => s.training)
  const setTraining = useRunStore((s) => s.setTraining)
  const applyTrainingDefaults = useRunStore((s) => s.applyTrainingDefaults)
  const startRun = useRunStore((s) => s.startRun)
  const submitting = useRunStore((s) => s.submitting)
  const submitError = useRunStore((s) => s.submitError)
  const trainDisabledReason = useEditorStore((s) => s.trainDisabledReason)
  const defaultsVersion = useEditorStore((s) => s.trainingDefaultsVersion)
  const [problems, setProblems] = useState<Partial<Record<NumericKey, string>>>({})
  const reasonId = useId()
  const optimizerId = useId()
  const lossId = useId()

  // A template (or project) was loaded: take its training settings.
  useEffect(() => {
    if (defaultsVersion > 0) applyTrainingDefaults(useEditorStore.getState().trainingDefaults)
  }, [defaultsVersion, applyTrainingDefaults])

  const onProblem = useStableProblemSetter(setProblems)
  const formProblem = Object.values(problems).find(Boolean) ?? null
  const reason = trainDisabledReason ?? (formProblem ? `Fix the training settings: ${formProblem}` : null)
  const set = <K extends keyof TrainingForm>(key: K) => (value: TrainingForm[K]) => setTraining({ [key]: value } as Partial<TrainingForm>)

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
        onSubmit={(e) => {
          e.preventDefault()
          train()
        }}
      >
        <div className="train-fields">
          <NumberField name="epochs" value={training.epochs} onValue={(v) => set('epochs')(v ?? 1)} onProblem={onProblem} />
          <NumberField name="batch_size" value={training.batch_size} onValue={(v) => set('batch_size')(v ?? 1)} onProblem={onProblem} />
          <div className="field">
            <label htmlFor={optimizerId}>Optimizer</label>
            <select id={optimizerId} value={training.optimizer} onChange={(e) => set('optimizer')(e.target.value as TrainingForm['optimizer'])}>
              {OPTIMIZERS.map((o) => (
                <option key={o.value} value={o.value}>
                  {o.label}
                </option>
              ))}
            </select>
          </div>
          <NumberField
            name="learning_rate"
            value={training.learning_rate}
            onValue={(v) => set('learning_rate')(v ?? 0.001)}
            onProblem={onProblem}
          />
          <div className="field field-wide">
            <label htmlFor={lossId}>Loss</label>
            <select id={lossId} value={training.loss} onChange={(e) => set('loss')(e.target.value as TrainingForm['loss'])}>
              {LOSSES.map((o) => (
                <option key={o.value} value={o.value}>
                  {o.label}
                </option>
              ))}
            </select>
          </div>
          <NumberField name="l1" value={training.l1} onValue={(v) => set('l1')(v ?? 0)} onProblem={onProblem} hint="L1 penalty on the weights" />
          <NumberField name="l2" value={training.l2} onValue={(v) => set('l2')(v ?? 0)} onProblem={onProblem} hint="L2 penalty (weight decay)" />
          <NumberField name="seed" value={training.seed} onValue={(v) => set('seed')(v)} onProblem={onProblem} hint="Same seed, same run" />
        </div>
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

/** A stable callback that records one field's problem (or clears it). */
function useStableProblemSetter(setProblems: (update: (p: Partial<Record<NumericKey, string>>) => Partial<Record<NumericKey, string>>) => void) {
  const [setter] = useState(() => (name: NumericKey, problem: string | null) => {
    setProblems((current) => {
      if ((current[name] ?? null) === problem) return current
      const next = { ...current }
      if (problem) next[name] = problem
      else delete next[name]
      return next
    })
  })
  return setter
}
