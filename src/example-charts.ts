import { fileURLToPath } from 'node:url'

/**
 * The folder of example chart packages shipped with the package (nginx-demo 1.0.0 and 1.1.0,
 * redis-lite 0.3.0), as an absolute path: `startEmulator({ charts: exampleCharts })` works from
 * any project. Their ids are listed in the README.
 */
export const exampleCharts: string = fileURLToPath(new URL('../examples/charts', import.meta.url))
