/**
 * The training form, generated from TrainConfig's JSON Schema as the server publishes it
 * (`frontend/openapi.json`, written by `make client` from the server's OpenAPI document and
 * checked to be current by a test). Limits, defaults, choices and descriptions all come from
 * the schema through the layer forms' mapping (graph/paramFields.ts); what is written here is
 * presentation only: which fields are shown first, which apply when, and friendlier words for
 * a few choices. A field the server adds to TrainConfig appears under "Advanced" by itself.
 */
import { components } from '../../openapi.json'
import type { GraphIssue, JsonSchema, ParamValue } from '../api/types'
import { checkValue, fieldOf, type ParamField } from '../graph/paramFields'

/** Values of the form by TrainConfig key; an absent key is the schema's default. */
export type TrainValues = Record<string, unknown>

export interface TrainField extends ParamField {
  /** `common`: always in view; `advanced`: behind the "Advanced" disclosure. */
  group: 'common' | 'advanced'
  /** A nested object (early stopping): on/off, with its own fields when on. */
  fields?: ParamField[]
}

/** Fields shown without opening "Advanced", in this order. */
const COMMON = ['epochs', 'batch_size', 'optimizer', 'learning_rate', 'momentum', 'nesterov', 'loss']

/** Fields that apply only when another field has one of some values (hidden, and not sent, otherwise). */
const WHEN: Record<string, { field: string; values: readonly unknown[] }> = {
  momentum: { field: 'optimizer', values: ['sgd', 'rmsprop'] },
  nesterov: { field: 'optimizer', values: ['sgd'] },
  step_size: { field: 'lr_schedule', values: ['step'] },
  gamma: { field: 'lr_schedule', values: ['step'] },
  mixed_precision: { field: 'device', values: ['auto', 'cuda'] },
}

/** Fields that apply only to some data sets (by `DatasetInfo.kind`). */
const FOR_DATASET_KIND: Record<string, readonly string[]> = {
  boundary_resolution: ['2d'],
}

/** Friendlier words for some choices (the value is sent as is). */
const OPTION_LABELS: Record<string, Record<string, string>> = {
  optimizer: { adam: 'Adam', adamw: 'AdamW', sgd: 'SGD', rmsprop: 'RMSprop', adagrad: 'AdaGrad' },
  loss: {
    auto: 'Automatic (cross-entropy or MSE)',
    cross_entropy: 'Cross-entropy',
    binary_cross_entropy: 'Binary cross-entropy',
    mse: 'Mean squared error',
    mae: 'Mean absolute error',
    huber: 'Huber',
  },
  lr_schedule: { constant: 'Constant', step: 'Step decay', cosine: 'Cosine' },
  device: { auto: 'Automatic', cpu: 'CPU', cuda: 'CUDA (NVIDIA GPU)', mps: 'MPS (Apple GPU)' },
  mixed_precision: { true: 'On', false: 'Off' },
  monitor: { val_loss: 'Validation loss', val_accuracy: 'Validation accuracy', loss: 'Training loss', accuracy: 'Training accuracy' },
}

/** What an empty optional field means, where "none" would say it badly. */
const NULL_LABELS: Record<string, string> = {
  seed: 'random',
  mixed_precision: 'Automatic (on for CUDA)',
  clip_grad_norm: 'no clipping',
  max_steps: 'no limit',
}

const SCHEMA_PREFIX = '#/components/schemas/'

/** TrainConfig's schema out of an OpenAPI `components.schemas`, its `$ref`s pointing into its own `$defs`. */
export function trainConfigSchema(schemas: Record<string, unknown>): JsonSchema {
  const rewrite = (value: unknown): JsonSchema => JSON.parse(JSON.stringify(value).replaceAll(SCHEMA_PREFIX, '#/$defs/')) as JsonSchema
  const root = rewrite(schemas.TrainConfig ?? {})
  root.$defs = rewrite(schemas) as Record<string, JsonSchema>
  return root
}

/** TrainConfig's schema as this page was built with. */
export const TRAIN_CONFIG_SCHEMA: JsonSchema = trainConfigSchema(components.schemas as Record<string, unknown>)

/** The schema's default of each of `names` (what the server uses when the key is left out). */
export function schemaDefaults(names: readonly string[], schema: JsonSchema = TRAIN_CONFIG_SCHEMA): Record<string, unknown> {
  return Object.fromEntries(names.map((name) => [name, schema.properties?.[name]?.default]))
}

/** `Batch Size` → `Batch size`, `Lr Schedule` → `Learning rate schedule` (acronyms such as L1 kept). */
export function labelOf(name: string, title: string | undefined): string {
  const words = (title ?? name.replaceAll('_', ' ')).split(/\s+/).filter(Boolean)
  const text = words
    .map((word, i) => {
      if (word.toLowerCase() === 'lr') return i === 0 ? 'Learning rate' : 'learning rate'
      if (/\d/.test(word) || (word.length > 1 && word === word.toUpperCase())) return word
      return i === 0 ? word[0].toUpperCase() + word.slice(1).toLowerCase() : word.toLowerCase()
    })
    .join(' ')
  return text
}

function present(field: ParamField, title: string | undefined): ParamField {
  const labels = OPTION_LABELS[field.name]
  const shaped: ParamField = { ...field, label: labelOf(field.name, title) }
  if (field.kind === 'checkbox' && field.nullable) {
    // an optional boolean has three states (on, off, automatic): a select, not a checkbox
    Object.assign(shaped, { kind: 'select', options: [true, false] })
  }
  if (labels && shaped.options) shaped.optionLabels = shaped.options.map((o) => labels[String(o)] ?? String(o))
  if (NULL_LABELS[field.name]) shaped.nullLabel = NULL_LABELS[field.name]
  return shaped
}

function resolve(schema: JsonSchema, root: JsonSchema): JsonSchema {
  const ref = schema.$ref
  return ref?.startsWith('#/$defs/') ? (root.$defs?.[ref.slice('#/$defs/'.length)] ?? schema) : schema
}

/** The object a property stands for (`X | None` with X an object), or null. */
function objectOf(raw: JsonSchema, root: JsonSchema): JsonSchema | null {
  const variants = raw.anyOf ?? raw.oneOf ?? [raw]
  for (const variant of variants) {
    const schema = resolve(variant, root)
    if (schema.properties) return schema
  }
  return null
}

/** Every field of the form, in the schema's order (common ones first when rendered). */
export function trainFields(schema: JsonSchema = TRAIN_CONFIG_SCHEMA): TrainField[] {
  const required = new Set(schema.required ?? [])
  return Object.entries(schema.properties ?? {}).map(([name, raw]) => {
    const group = COMMON.includes(name) ? 'common' : 'advanced'
    const field: TrainField = { ...present(fieldOf(name, raw, schema, required.has(name)), raw.title), group }
    const nested = objectOf(raw, schema)
    if (nested) {
      const nestedRequired = new Set(nested.required ?? [])
      field.fields = Object.entries(nested.properties ?? {}).map(([key, prop]) =>
        present(fieldOf(key, prop, nested, nestedRequired.has(key)), prop.title),
      )
      field.description = field.description ?? nested.description ?? null
    }
    return field
  })
}

/** Whether a field applies with these values (and this data set). */
export function isApplicable(name: string, values: TrainValues, fields: readonly TrainField[], datasetKind: string | null): boolean {
  const kinds = FOR_DATASET_KIND[name]
  if (kinds && datasetKind !== null && !kinds.includes(datasetKind)) return false
  const when = WHEN[name]
  if (!when) return true
  const controller = fields.find((f) => f.name === when.field)
  const value = values[when.field] ?? controller?.default
  return when.values.includes(value)
}

function valueOf(name: string, values: TrainValues, fields: readonly TrainField[]): unknown {
  return values[name] ?? fields.find((f) => f.name === name)?.default
}

/** Does `value` satisfy one `then` property schema (const, enum and limits only)? */
function satisfies(rule: JsonSchema, value: unknown): boolean {
  if (rule.const !== undefined && value !== rule.const) return false
  if (rule.enum && !rule.enum.includes(value)) return false
  if (typeof value === 'number') {
    if (rule.minimum !== undefined && value < rule.minimum) return false
    if (rule.maximum !== undefined && value > rule.maximum) return false
    if (rule.exclusiveMinimum !== undefined && value <= rule.exclusiveMinimum) return false
    if (rule.exclusiveMaximum !== undefined && value >= rule.exclusiveMaximum) return false
  }
  return true
}

function describeRule(rule: JsonSchema, label: string, options: Record<string, string> | undefined): string {
  if (rule.const !== undefined) return `${label} ${options?.[String(rule.const)] ?? String(rule.const)}`
  if (rule.exclusiveMinimum !== undefined) return `${label} above ${rule.exclusiveMinimum}`
  if (rule.minimum !== undefined) return `${label} of at least ${rule.minimum}`
  if (rule.exclusiveMaximum !== undefined) return `${label} below ${rule.exclusiveMaximum}`
  if (rule.maximum !== undefined) return `${label} of at most ${rule.maximum}`
  return label
}

/**
 * Problems that involve two fields, from the schema's `if`/`then` (e.g. "Nesterov needs
 * optimizer SGD and momentum above 0"), keyed by the field the `if` names.
 */
export function crossFieldProblems(values: TrainValues, fields: readonly TrainField[], schema: JsonSchema = TRAIN_CONFIG_SCHEMA): Record<string, string> {
  const found: Record<string, string> = {}
  const condition = schema.if as JsonSchema | undefined
  const then = schema.then as JsonSchema | undefined
  if (!condition?.properties || !then?.properties) return found
  const matches = Object.entries(condition.properties).every(([name, rule]) => {
    const value = values[name]
    if (value === undefined) return !condition.required?.includes(name) && satisfies(rule, valueOf(name, values, fields))
    return satisfies(rule, value)
  })
  if (!matches) return found
  const broken = Object.entries(then.properties).filter(([name, rule]) => !satisfies(rule, valueOf(name, values, fields)))
  if (broken.length === 0) return found
  const label = (name: string) => fields.find((f) => f.name === name)?.label ?? name
  const needs = broken.map(([name, rule]) => describeRule(rule, label(name).toLowerCase(), OPTION_LABELS[name])).join(' and ')
  const [first] = Object.keys(condition.properties)
  found[first] = `${label(first)} needs ${needs}.`
  return found
}

/** Every problem of the form's applicable fields, by field name (`early_stopping.patience` for nested ones). */
export function formProblems(values: TrainValues, fields: readonly TrainField[], datasetKind: string | null): Record<string, string> {
  const problems: Record<string, string> = {}
  for (const field of fields) {
    if (!isApplicable(field.name, values, fields, datasetKind)) continue
    const value = values[field.name]
    if (field.fields) {
      if (value && typeof value === 'object') {
        for (const inner of field.fields) {
          const problem = checkValue(inner, (value as Record<string, ParamValue>)[inner.name])
          if (problem) problems[`${field.name}.${inner.name}`] = problem
        }
      }
      continue
    }
    const problem = checkValue(field, value as ParamValue | undefined)
    if (problem) problems[field.name] = problem
  }
  for (const [name, problem] of Object.entries(crossFieldProblems(values, fields))) problems[name] ??= problem
  return problems
}

/**
 * The values after one change: `undefined` removes the key (back to the default), and fields
 * that no longer apply (momentum once the optimizer is Adam …) are dropped rather than sent.
 */
export function applyChange(values: TrainValues, name: string, value: unknown, fields: readonly TrainField[]): TrainValues {
  const next: TrainValues = { ...values }
  if (value === undefined) delete next[name]
  else next[name] = value
  for (const field of fields) {
    if (WHEN[field.name] && field.name in next && !isApplicable(field.name, next, fields, null)) delete next[field.name]
  }
  return next
}

/** A problem as the generated field shows a server issue (under the input). */
export function asIssues(problem: string | undefined): GraphIssue[] {
  return problem ? [{ code: 'invalid_value', message: problem } as GraphIssue] : []
}
