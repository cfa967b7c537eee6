/** The parts of plotly.js that `plotly.ts` imports (the package types only its full entry point). */

declare module 'plotly.js/lib/core' {
  import Plotly from 'plotly.js'
  export default Plotly
}
