import { describe, expect, it } from 'vitest'
import { components } from '../../openapi.json'
import { checkValue } from '../graph/paramFields'
import { DEFAULT_TRAINING } from '../store/runStore'
import { applyChange, crossFieldProblems, formProblems, isApplicable, labelOf, TRAIN_CONFIG_SCHEMA, trainConfigSchema, trainFields } from './trainForm'

const fields = trainFields()
const field = (name: string) => {
  const found = fields.find((f) => f.name === name)
  if (!found) throw new Error(`no field ${name}`)
  return found
}
const published = components.schemas.TrainConfig as { properties: Record<string, Record<string, unknown>> }

describe('trainFields (TrainConfig schema → fields)', () => {
  it('has one field per TrainConfig property, in the schema order', () => {
    expect(fields.map((f) => f.name)).toEqual(Object.keys(published.properties))
    for (const name of ['momentum', 'nesterov', 'lr_schedule', 'step_size', 'gamma', 'early_stopping', 'clip_grad_norm', 'validation_split', 'l1', 'l2', 'max_steps', 'shuffle', 'device', 'mixed_precision', 'boundary_resolution']) {
      expect(fields.some((f) => f.name === name)).toBe(true)
    }
  })

  it('takes limits, defaults and descriptions from the published schema', () => {
    for (const f of fields) {
      const prop = published.properties[f.name]
      const single = (prop.anyOf as Record<string, unknown>[] | undefined)?.find((v) => v.type !== 'null') ?? prop
      expect(f.default).toEqual(prop.default)
      expect(f.description).toBe(prop.description ?? (f.fields ? f.description : null))
      if (single.minimum !== undefined) expect([f.min, f.exclusiveMin ?? false]).toEqual([single.minimum, false])
      if (single.exclusiveMinimum !== undefined) expect([f.min, f.exclusiveMin]).toEqual([single.exclusiveMinimum, true])
      if (single.maximum !== undefined) expect(f.max).toBe(single.maximum)
      if (single.exclusiveMaximum !== undefined) expect([f.max, f.exclusiveMax]).toEqual([single.exclusiveMaximum, true])
    }
    expect(field('epochs')).toMatchObject({ label: 'Epochs', kind: 'integer', group: 'common' })
    expect(field('learning_rate')).toMatchObject({ label: 'Learning rate', kind: 'number', exclusiveMin: true })
    expect(field('seed')).toMatchObject({ kind: 'integer', nullable: true, nullLabel: 'random' })
  })

  it('shows the common fields first and puts the rest (and any new field) under Advanced', () => {
    expect(fields.filter((f) => f.group === 'common').map((f) => f.name)).toEqual(['epochs', 'batch_size', 'optimizer', 'learning_rate', 'momentum', 'nesterov', 'loss'])
    const grown = trainConfigSchema({ TrainConfig: { properties: { ...published.properties, warm_up: { type: 'boolean', default: true, title: 'Warm Up', description: 'A new setting.' } } } })
    expect(trainFields(grown).at(-1)).toMatchObject({ name: 'warm_up', kind: 'checkbox', group: 'advanced', label: 'Warm up', default: true, description: 'A new setting.' })
  })

  it('labels choices in words and keeps the values as sent', () => {
    expect(field('optimizer')).toMatchObject({ kind: 'select', options: ['sgd', 'adam', 'adamw', 'rmsprop', 'adagrad'] })
    expect(field('optimizer').optionLabels).toEqual(['SGD', 'Adam', 'AdamW', 'RMSprop', 'AdaGrad'])
    // an optional boolean is a three-way choice
    expect(field('mixed_precision')).toMatchObject({ kind: 'select', options: [true, false], nullable: true, optionLabels: ['On', 'Off'] })
  })

  it('maps the nested early-stopping object to its own fields', () => {
    const es = field('early_stopping')
    expect(es.group).toBe('advanced')
    expect(es.fields?.map((f) => [f.name, f.kind, f.default])).toEqual([
      ['monitor', 'select', 'val_loss'],
      ['patience', 'integer', 3],
      ['min_delta', 'number', 0],
      ['restore_best_weights', 'checkbox', true],
    ])
    expect(es.fields?.find((f) => f.name === 'patience')).toMatchObject({ min: 1, max: 1000, label: 'Patience' })
  })

  it('resolves OpenAPI component refs', () => {
    expect(JSON.stringify(TRAIN_CONFIG_SCHEMA.properties)).not.toContain('#/components/schemas/')
    expect(TRAIN_CONFIG_SCHEMA.$defs?.EarlyStoppingConfig).toBeDefined()
  })
})

describe('defaults', () => {
  it("are the schema's, for the run store's first fields too", () => {
    expect(DEFAULT_TRAINING).toEqual({ epochs: 10, batch_size: 32, optimizer: 'adam', learning_rate: 0.001, loss: 'auto', l1: 0, l2: 0, seed: 0 })
    for (const [name, value] of Object.entries(DEFAULT_TRAINING)) expect(field(name).default).toEqual(value)
  })
})

describe('labelOf', () => {
  it('writes titles in sentence case and spells out lr', () => {
    expect(labelOf('batch_size', 'Batch Size')).toBe('Batch size')
    expect(labelOf('lr_schedule', 'Lr Schedule')).toBe('Learning rate schedule')
    expect(labelOf('l1', 'L1')).toBe('L1')
    expect(labelOf('early_stopping', undefined)).toBe('Early stopping')
  })
})

describe('conditional fields', () => {
  it('shows momentum and nesterov for SGD, step size and gamma for the step schedule', () => {
    expect(isApplicable('momentum', {}, fields, null)).toBe(false) // Adam by default
    expect(isApplicable('momentum', { optimizer: 'sgd' }, fields, null)).toBe(true)
    expect(isApplicable('momentum', { optimizer: 'rmsprop' }, fields, null)).toBe(true)
    expect(isApplicable('nesterov', { optimizer: 'rmsprop' }, fields, null)).toBe(false)
    expect(isApplicable('step_size', {}, fields, null)).toBe(false)
    expect(isApplicable('gamma', { lr_schedule: 'step' }, fields, null)).toBe(true)
    expect(isApplicable('epochs', {}, fields, null)).toBe(true)
  })

  it('shows the boundary resolution for 2-D data sets only', () => {
    expect(isApplicable('boundary_resolution', {}, fields, '2d')).toBe(true)
    expect(isApplicable('boundary_resolution', {}, fields, 'image')).toBe(false)
  })

  it('drops values of fields that stop applying, and undefined resets to the default', () => {
    let values = applyChange({}, 'optimizer', 'sgd', fields)
    values = applyChange(values, 'momentum', 0.5, fields)
    values = applyChange(values, 'nesterov', true, fields)
    expect(values).toEqual({ optimizer: 'sgd', momentum: 0.5, nesterov: true })
    expect(applyChange(values, 'optimizer', 'adam', fields)).toEqual({ optimizer: 'adam' })
    expect(applyChange(values, 'momentum', undefined, fields)).toEqual({ optimizer: 'sgd', nesterov: true })
  })
})

describe('problems before Train', () => {
  it('flags a value out of the schema range on its field, with its label', () => {
    expect(formProblems({ epochs: 0 }, fields, null)).toEqual({ epochs: 'Epochs must be at least 1' })
    expect(formProblems({ learning_rate: 0 }, fields, null)).toEqual({ learning_rate: 'Learning rate must be greater than 0' })
    expect(formProblems({ optimizer: 'sgd', momentum: 1 }, fields, null)).toEqual({ momentum: 'Momentum must be less than 1' })
    expect(formProblems({ batch_size: 2.5 }, fields, null)).toEqual({ batch_size: 'Batch size must be a whole number' })
    expect(formProblems({ early_stopping: { patience: 0 } }, fields, null)).toEqual({ 'early_stopping.patience': 'Patience must be at least 1' })
    expect(formProblems({}, fields, null)).toEqual({})
  })

  it('ignores fields that do not apply', () => {
    expect(formProblems({ lr_schedule: 'constant', step_size: 0 }, fields, null)).toEqual({})
  })

  it("checks the schema's if/then rule: nesterov needs SGD with momentum above 0", () => {
    expect(crossFieldProblems({ optimizer: 'sgd', nesterov: true, momentum: 0 }, fields)).toEqual({ nesterov: 'Nesterov needs momentum above 0.' })
    expect(crossFieldProblems({ optimizer: 'adam', nesterov: true }, fields)).toEqual({ nesterov: 'Nesterov needs optimizer SGD.' })
    expect(crossFieldProblems({ optimizer: 'sgd', nesterov: true }, fields)).toEqual({}) // momentum defaults to 0.9
    expect(crossFieldProblems({ nesterov: false, momentum: 0 }, fields)).toEqual({})
  })

  it('uses the layer forms’ own check', () => {
    expect(checkValue(field('validation_split'), 0.6)).toBe('Validation split must be at most 0.5')
  })
})
