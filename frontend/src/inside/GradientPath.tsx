/**
 * An edge's path, drawn with the gradient flowing back through it during and after a run
 * (inside/edgeGradient.ts): wider and darker where more gradient flows. Re-renders at most once
 * per frame, and only its path.
 */

import { BaseEdge } from '@xyflow/react'
import '../views'
import { getViewState, useViewVersion } from '../views/registry'
import { outputRmsAt, type GradientsState } from './state'
import { edgeLook, formatRms } from './edgeGradient'
import { useInsideRunId, useScrubStep } from './useScrubStep'

interface Props {
  id: string
  source: string
  path: string
  markerEnd?: string
  className: string
}

export function GradientPath({ id, source, path, markerEnd, className }: Props) {
  const runId = useInsideRunId()
  const step = useScrubStep(runId)
  const version = useViewVersion(runId)
  const rms = runId && version > 0 ? outputRmsAt(getViewState<GradientsState>(runId, 'gradients'), step) : null
  const own = rms?.byNode[source]
  if (!rms || own === undefined) return <BaseEdge id={id} path={path} markerEnd={markerEnd} className={className} />
  const look = edgeLook(own, rms.max)
  return (
    <>
      <BaseEdge
        id={id}
        path={path}
        markerEnd={markerEnd}
        className={`${className} has-gradient`}
        style={{ strokeWidth: look.width, stroke: look.color, strokeOpacity: look.opacity }}
        data-gradient-rms={own}
        data-gradient-level={look.level.toFixed(3)}
      />
      <path d={path} className="gradient-hover" fill="none" strokeOpacity={0} strokeWidth={12}>
        <title>
          {`Gradient flowing back along this edge: RMS ${formatRms(own)}${
            look.level < 1 ? `, ${(rms.max / own).toPrecision(2)}× smaller than the largest in the network` : ' (the largest in the network)'
          }. Thin and faint means little reaches the layers before it.`}
        </title>
      </path>
    </>
  )
}
