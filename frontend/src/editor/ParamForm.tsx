/**
 * A form generated from a params JSON Schema (see graph/paramFields.ts): one labelled
 * input per param with its description, and the validation messages for that param
 * underneath. Used for layer params and data-set params alike; no per-layer code.
 */
import { memo, useEffect, useId, useState } from 'react'
import type { GraphIssue, JsonSchema, ParamValue } from '../api/types'
import { checkValue, formatList, paramFields, parseList, type ParamField } from '../graph/paramFields'

export interface ParamFormProps {
  schema: JsonSchema | Record<string, unknown> | undefined
  values: Record<string, ParamValue | undefined>
  /** Issues per param name (from the server's validation). */
  issues?: Record<string, GraphIssue[]>
  /** `undefined` resets the param to its default. */
  onChange: (name: string, value: ParamValue | undefined) => void
  /** Params to leave out of the form. */
  hidden?: readonly string[]
}

interface FieldProps {
  field: ParamField
  value: ParamValue | undefined
  onChange: (value: ParamValue | undefined) => void
  inputId: string
  describedBy: string
  invalid: boolean
}

/** Number input keeping the typed text, so "0." or "-" survive until they parse. */
function NumberInput({ field, value, onChange, inputId, describedBy, invalid }: FieldProps) {
  const shown = value ?? field.default
  const external = typeof shown === 'number' ? String(shown) : ''
  const [text, setText] = useState(external)
  useEffect(() => setText((t) => (Number(t) === Number(external) && t !== '' && external !== '' ? t : external)), [external])
  return (
    <input
      id={inputId}
      className="nodrag"
      type="number"
      inputMode={field.kind === 'integer' ? 'numeric' : 'decimal'}
      step={field.kind === 'integer' ? 1 : 'any'}
      min={field.min}
      max={field.max}
      value={text}
      placeholder={field.nullable ? (field.nullLabel ?? 'none') : undefined}
      aria-describedby={describedBy}
      aria-invalid={invalid || undefined}
      onChange={(e) => {
        setText(e.target.value)
        if (e.target.value.trim() === '') onChange(field.nullable ? null : undefined)
        else {
          const n = Number(e.target.value)
          if (Number.isFinite(n)) onChange(n)
        }
      }}
    />
  )
}

function ListInput({ field, value, onChange, inputId, describedBy, invalid }: FieldProps) {
  const external = formatList(value ?? field.default)
  const [text, setText] = useState(external)
  const [bad, setBad] = useState(false)
  useEffect(() => {
    setText((t) => (formatList(parseList(t, field.itemKind) ?? []) === external ? t : external))
    setBad(false)
  }, [external, field.itemKind])
  return (
    <>
      <input
        id={inputId}
        className="nodrag"
        type="text"
        value={text}
        placeholder={field.nullable ? 'none (comma-separated numbers)' : 'comma-separated numbers'}
        aria-describedby={describedBy}
        aria-invalid={invalid || bad || undefined}
        onChange={(e) => {
          setText(e.target.value)
          if (e.target.value.trim() === '') {
            setBad(false)
            onChange(field.nullable ? null : undefined)
            return
          }
          const list = parseList(e.target.value, field.itemKind)
          setBad(list === null)
          if (list !== null) onChange(list)
        }}
      />
      {bad && <p className="field-error">Enter {field.itemKind === 'integer' ? 'whole numbers' : 'numbers'} separated by commas.</p>}
    </>
  )
}

function optionLabel(option: string | number | boolean): string {
  return String(option)
}

export interface FieldViewProps {
  field: ParamField
  value: ParamValue | undefined
  /** Server (or cross-field) issues for this field; shown instead of the local limit check. */
  issues: GraphIssue[]
  onChange: (name: string, v: ParamValue | undefined) => void
}

/** One generated field: label, input, its problems, description and range (also used by the training form). */
export function FieldView({ field, value, issues, onChange }: FieldViewProps) {
  const baseId = useId()
  const inputId = `${baseId}-input`
  const descId = `${baseId}-desc`
  const errId = `${baseId}-err`
  const localError = checkValue(field, value)
  const messages = issues.map((i) => i.message)
  if (localError && messages.length === 0) messages.push(localError)
  const invalid = messages.length > 0
  const describedBy = invalid ? `${errId} ${descId}` : descId
  const set = (v: ParamValue | undefined): void => onChange(field.name, v)
  const props: FieldProps = { field, value, onChange: set, inputId, describedBy, invalid }
  const current = value ?? field.default

  let control
  switch (field.kind) {
    case 'checkbox':
      control = (
        <input
          id={inputId}
          className="nodrag"
          type="checkbox"
          checked={current === true}
          aria-describedby={describedBy}
          onChange={(e) => set(e.target.checked)}
        />
      )
      break
    case 'select': {
      const options = field.options ?? []
      const index = options.findIndex((o) => o === current)
      control = (
        <select
          id={inputId}
          className="nodrag"
          value={index === -1 ? '' : String(index)}
          aria-describedby={describedBy}
          aria-invalid={invalid || undefined}
          onChange={(e) => set(e.target.value === '' ? (field.nullable ? null : undefined) : (options[Number(e.target.value)] as ParamValue))}
        >
          {(index === -1 || field.nullable) && <option value="">{field.nullable ? (field.nullLabel ?? 'none') : '—'}</option>}
          {options.map((o, i) => (
            <option key={String(o)} value={String(i)}>
              {field.optionLabels?.[i] ?? optionLabel(o)}
            </option>
          ))}
        </select>
      )
      break
    }
    case 'number':
    case 'integer':
      control = <NumberInput {...props} />
      break
    case 'list':
      control = <ListInput {...props} />
      break
    default:
      control = (
        <input
          id={inputId}
          className="nodrag"
          type="text"
          value={current === null || current === undefined ? '' : String(current)}
          aria-describedby={describedBy}
          aria-invalid={invalid || undefined}
          onChange={(e) => set(e.target.value === '' ? undefined : e.target.value)}
        />
      )
  }

  const range =
    field.min !== undefined || field.max !== undefined
      ? `${field.min ?? '−∞'} ${field.exclusiveMin ? '<' : '≤'} ${field.label} ${field.exclusiveMax ? '<' : '≤'} ${field.max ?? '∞'}`
      : null

  return (
    <div className={`param-field kind-${field.kind}${invalid ? ' invalid' : ''}`}>
      <label htmlFor={inputId}>{field.label}</label>
      {control}
      {invalid && (
        <div id={errId} className="field-errors">
          {issues.length > 0
            ? issues.map((issue, i) => (
                <p key={i} className="field-error">
                  {issue.message}
                  {issue.hint && <span className="field-hint"> {issue.hint}</span>}
                </p>
              ))
            : <p className="field-error">{localError}</p>}
        </div>
      )}
      <p id={descId} className="field-description">
        {field.description}
        {range && <span className="field-range"> ({range})</span>}
      </p>
    </div>
  )
}

function ParamFormView({ schema, values, issues, onChange, hidden }: ParamFormProps) {
  const fields = paramFields(schema).filter((f) => !hidden?.includes(f.name))
  if (fields.length === 0) return <p className="muted">No parameters.</p>
  return (
    <div className="param-form">
      {fields.map((field) => (
        <FieldView key={field.name} field={field} value={values[field.name]} issues={issues?.[field.name] ?? []} onChange={onChange} />
      ))}
    </div>
  )
}

export const ParamForm = memo(ParamFormView)
export default ParamForm
