import type { FitViewOptions } from '@xyflow/react'
import type { LayerNode } from '../graph/types'

/** How 'fit view' frames the graph: room at the top for the toolbar, never zoomed in past 110 %. */
export const FIT_OPTIONS: FitViewOptions<LayerNode> = {
  padding: { top: '64px', bottom: '28px', left: '48px', right: '48px' },
  maxZoom: 1.1,
  duration: 250,
}
