/**
 * A layer's (or data set's) params JSON Schema → the fields of a generated form.
 * No per-layer form code: number/integer with limits, enum/Literal → select, boolean →
 * checkbox, arrays → comma list, `X | None` → optional.
 */
import type { JsonSchema, ParamValue } from '../api/types'

export type FieldKind = 'number' | 'integer' | 'select' | 'checkbox' | 'list' | 'text'

export interface ParamField {
  name: string
  label: string
  kind: FieldKind
  description: string | null
  default: ParamValue | undefined
  /** May be left empty (`X | None`). */
  nullable: boolean
  min?: number
  max?: number
  /** Strictly inside min/max (pydantic gt/lt). */
  exclusiveMin?: boolean
  exclusiveMax?: boolean
  /** Choices of a select (values as sent). */
  options?: (string | number | boolean)[]
  /** What a select shows for each option (default: the value itself). */
  optionLabels?: string[]
  /** What an empty nullable field shows (default: "none"). */
  nullLabel?: string
  /** Element kind of a list. */
  itemKind?: 'integer' | 'number'
  required: boolean
}

function resolveRef(schema: JsonSchema, root: JsonSchema): JsonSchema {
  if (schema.$ref && schema.$ref.startsWith('#/$defs/')) {
    const def = root.$defs?.[schema.$ref.slice('#/$defs/'.length)]
    if (def) return { ...def, ...schema, $ref: undefined }
  }
  return schema
}

function typeOf(schema: JsonSchema): string | undefined {
  if (Array.isArray(schema.type)) return schema.type.find((t) => t !== 'null')
  return schema.type
}

/** One property schema → one field. */
export function fieldOf(name: string, raw: JsonSchema, root: JsonSchema, required: boolean): ParamField {
  let schema = resolveRef(raw, root)
  let nullable = Array.isArray(schema.type) && schema.type.includes('null')
  const variants = schema.anyOf ?? schema.oneOf
  let options: (string | number | boolean)[] | undefined
  if (variants) {
    const nonNull = variants.map((v) => resolveRef(v, root)).filter((v) => v.type !== 'null')
    nullable = nullable || nonNull.length < variants.length
    const consts = nonNull.filter((v) => v.const !== undefined || v.enum)
    if (consts.length === nonNull.length && consts.length > 0) {
      options = consts.flatMap((v) => (v.enum ?? [v.const]) as (string | number | boolean)[])
    }
    if (nonNull.length >= 1) schema = { ...nonNull[0], title: schema.title ?? raw.title, description: schema.description ?? raw.description, default: schema.default ?? raw.default }
  }
  if (schema.allOf && schema.allOf.length === 1) schema = { ...resolveRef(schema.allOf[0], root), ...schema, allOf: undefined }
  const base = {
    name,
    label: name,
    description: (raw.description ?? schema.description ?? null) as string | null,
    default: (raw.default ?? schema.default) as ParamValue | undefined,
    nullable,
    required,
  }
  if (options ?? schema.enum) {
    return { ...base, kind: 'select', options: (options ?? schema.enum) as (string | number | boolean)[] }
  }
  if (schema.const !== undefined) return { ...base, kind: 'select', options: [schema.const as string] }
  const type = typeOf(schema)
  if (type === 'boolean') return { ...base, kind: 'checkbox' }
  if (type === 'integer' || type === 'number') {
    const field: ParamField = { ...base, kind: type }
    if (schema.minimum !== undefined) field.min = schema.minimum
    if (schema.exclusiveMinimum !== undefined) {
      field.min = schema.exclusiveMinimum
      field.exclusiveMin = true
    }
    if (schema.maximum !== undefined) field.max = schema.maximum
    if (schema.exclusiveMaximum !== undefined) {
      field.max = schema.exclusiveMaximum
      field.exclusiveMax = true
    }
    return field
  }
  if (type === 'array') {
    const items = Array.isArray(schema.items) ? schema.items[0] : schema.items
    const itemType = items ? typeOf(resolveRef(items, root)) : undefined
    return { ...base, kind: 'list', itemKind: itemType === 'integer' ? 'integer' : 'number' }
  }
  return { ...base, kind: 'text' }
}

/** Every property of a params schema, in declaration order. */
export function paramFields(schema: JsonSchema | Record<string, unknown> | undefined): ParamField[] {
  const root = (schema ?? {}) as JsonSchema
  const required = new Set(root.required ?? [])
  return Object.entries(root.properties ?? {}).map(([name, prop]) => fieldOf(name, prop, root, required.has(name)))
}

/** A list field's text (`3, 3`) → numbers; null when a part is not a number. */
export function parseList(text: string, itemKind: 'integer' | 'number' = 'number'): number[] | null {
  const parts = text.split(/[\s,]+/).filter(Boolean)
  const values = parts.map(Number)
  if (values.some((v) => !Number.isFinite(v) || (itemKind === 'integer' && !Number.isInteger(v)))) return null
  return values
}

/** A value as a list field shows it. */
export function formatList(value: ParamValue | undefined): string {
  if (Array.isArray(value)) return value.join(', ')
  if (value === null || value === undefined) return ''
  return String(value)
}

/**
 * A problem with a value against its field's limits, said as the server would (naming the
 * field by its label, the param name in layer forms), or null.
 * Shown at once while typing; the server's validation stays the authority.
 */
export function checkValue(field: ParamField, value: ParamValue | undefined): string | null {
  if (value === undefined || value === null) return field.required && !field.nullable && field.default === undefined ? `${field.label} is required` : null
  if (typeof value !== 'number') return null
  if (field.kind === 'integer' && !Number.isInteger(value)) return `${field.label} must be a whole number`
  if (field.min !== undefined && (field.exclusiveMin ? value <= field.min : value < field.min)) {
    return `${field.label} must be ${field.exclusiveMin ? 'greater than' : 'at least'} ${field.min}`
  }
  if (field.max !== undefined && (field.exclusiveMax ? value >= field.max : value > field.max)) {
    return `${field.label} must be ${field.exclusiveMax ? 'less than' : 'at most'} ${field.max}`
  }
  return null
}
