import { describe, expect, it } from 'vitest'
import type { LayerInfo } from '../api/types'
import { bestMatch, matches } from './paletteSearch'

const layer = (type: string, category: string, description: string) => ({ type, category, description }) as LayerInfo
const LAYERS = [
  layer('Input', 'input', 'The data entering the network.'),
  layer('Flatten', 'input', 'Turns an image into a vector, e.g. before a Dense layer.'),
  layer('Dense', 'dense', 'Fully connected layer.'),
  layer('Conv1D', 'convolution', 'Convolution over a sequence.'),
  layer('Conv2D', 'convolution', 'Convolution over an image.'),
  layer('ConvTranspose2D', 'convolution', 'Learned upsampling.'),
  layer('ReLU', 'activation', 'max(0, x).'),
]

describe('palette search', () => {
  it('shows layers whose type, category or description holds the query', () => {
    expect(LAYERS.filter((l) => matches(l, 'dense')).map((l) => l.type)).toEqual(['Flatten', 'Dense'])
    expect(LAYERS.filter((l) => matches(l, 'ACTIVATION')).map((l) => l.type)).toEqual(['ReLU'])
  })

  it('adds the type named, then the first type that starts with or holds the query', () => {
    expect(bestMatch(LAYERS, 'dense')?.type).toBe('Dense')
    expect(bestMatch(LAYERS, ' relu ')?.type).toBe('ReLU')
    expect(bestMatch(LAYERS, 'conv')?.type).toBe('Conv1D')
    expect(bestMatch(LAYERS, 'conv2')?.type).toBe('Conv2D')
    expect(bestMatch(LAYERS, 'transpose')?.type).toBe('ConvTranspose2D')
    expect(bestMatch(LAYERS, 'vector')?.type).toBe('Flatten')
  })

  it('adds nothing for an empty or unmatched query', () => {
    expect(bestMatch(LAYERS, '  ')).toBeNull()
    expect(bestMatch(LAYERS, 'lstm')).toBeNull()
  })
})
