import type { FitViewOptions } from '@xyflow/react'
import { FIT_MAX_ZOOM, FIT_PADDING } from '../graph/layout'
import type { LayerNode } from '../graph/types'

/** How 'fit view' frames the graph: room at the top for the toolbar, never zoomed in past 110 % (auto-layout plans for the same). */
export const FIT_OPTIONS: FitViewOptions<LayerNode> = {
  padding: {
    top: `${FIT_PADDING.top}px`,
    bottom: `${FIT_PADDING.bottom}px`,
    left: `${FIT_PADDING.left}px`,
    right: `${FIT_PADDING.right}px`,
  },
  maxZoom: FIT_MAX_ZOOM,
  duration: 250,
}
