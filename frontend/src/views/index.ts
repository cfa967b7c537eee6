/**
 * Every view module, imported once so that it registers itself (views/registry.ts). One line
 * per view; the order of the lines is the order within a place where `order` ties.
 */

import './loss'
import './accuracy'
import './text'
import './attention'
import './forecast'
import './confusion'
import './boundary'
import './activations'
import './probe'
import './weights'
import './gradients'
import './signals'
import './nodeLive'
import './nodeDiagnostics'
import './scrubber'
import './gallery'
import './ask'
import './warnings'

export { registerView, useViewState, useViewVersion, viewsFor } from './registry'
export type { ViewModule, ViewPlace, ViewProps } from './registry'
