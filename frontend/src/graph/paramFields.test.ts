import { describe, expect, it } from 'vitest'
import { checkValue, formatList, paramFields, parseList } from './paramFields'

// As pydantic publishes DenseParams / InputParams / a data set's params.
const dense = {
  properties: {
    units: { default: 32, description: 'Number of neurons.', maximum: 65536, minimum: 1, title: 'Units', type: 'integer' },
    activation: { default: 'none', enum: ['none', 'relu', 'softmax'], title: 'Activation', type: 'string' },
    use_bias: { default: true, title: 'Use Bias', type: 'boolean' },
  },
  title: 'DenseParams',
  type: 'object',
}
const input = {
  properties: {
    shape: {
      anyOf: [{ items: { maximum: 1000000, minimum: 1, type: 'integer' }, maxItems: 4, minItems: 1, type: 'array' }, { type: 'null' }],
      default: null,
      description: 'Per-sample shape.',
    },
  },
}
const spiral = {
  properties: {
    noise: { default: 0.0, exclusiveMaximum: 1, minimum: 0, type: 'number' },
    seed: { anyOf: [{ minimum: 0, type: 'integer' }, { type: 'null' }], default: null },
    mode: { anyOf: [{ const: 'a', type: 'string' }, { const: 'b', type: 'string' }] },
  },
  required: ['mode'],
}

describe('paramFields', () => {
  it('maps integers with limits, enums and booleans', () => {
    const [units, activation, useBias] = paramFields(dense)
    expect(units).toMatchObject({ name: 'units', label: 'units', kind: 'integer', min: 1, max: 65536, default: 32, description: 'Number of neurons.' })
    expect(activation).toMatchObject({ kind: 'select', options: ['none', 'relu', 'softmax'], default: 'none' })
    expect(useBias).toMatchObject({ kind: 'checkbox', default: true })
  })

  it('maps optional arrays, optional integers, exclusive limits and const unions', () => {
    expect(paramFields(input)[0]).toMatchObject({ kind: 'list', itemKind: 'integer', nullable: true, default: null })
    const [noise, seed, mode] = paramFields(spiral)
    expect(noise).toMatchObject({ kind: 'number', min: 0, max: 1, exclusiveMax: true })
    expect(seed).toMatchObject({ kind: 'integer', nullable: true, min: 0 })
    expect(mode).toMatchObject({ kind: 'select', options: ['a', 'b'], required: true })
  })

  it('is empty for layers without params', () => {
    expect(paramFields({ properties: {} })).toEqual([])
    expect(paramFields(undefined)).toEqual([])
  })
})

describe('list and value helpers', () => {
  it('parses comma lists', () => {
    expect(parseList('3, 3')).toEqual([3, 3])
    expect(parseList('1 28 28', 'integer')).toEqual([1, 28, 28])
    expect(parseList('1.5', 'integer')).toBeNull()
    expect(parseList('a, 2')).toBeNull()
    expect(formatList([1, 28, 28])).toBe('1, 28, 28')
    expect(formatList(null)).toBe('')
  })

  it('checks values against limits', () => {
    const [units] = paramFields(dense)
    expect(checkValue(units, 0)).toBe('units must be at least 1')
    expect(checkValue(units, 1.5)).toBe('units must be a whole number')
    expect(checkValue(units, 128)).toBeNull()
    const [noise] = paramFields(spiral)
    expect(checkValue(noise, 1)).toBe('noise must be less than 1')
  })
})
