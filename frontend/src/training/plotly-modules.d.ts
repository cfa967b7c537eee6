/** The parts of plotly.js that `plotly.ts` imports (the package types only its full entry point). */

declare module 'plotly.js/lib/core' {
  import Plotly from 'plotly.js'
  export default Plotly
}

declare module 'plotly.js/lib/heatmap' {
  import type { PlotlyModule } from 'plotly.js'
  const heatmap: PlotlyModule
  export default heatmap
}
