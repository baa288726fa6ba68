// The baseline: the same health probe against a server doing nothing else. Its worst answer is
// what the machine alone costs (scheduling, GC), to read the other rows against.
import { sleep, watched } from './lib.mjs'

export const idle = {
  name: 'idle-baseline',
  about: 'the health probe alone for 10 s against an idle server: the machine\'s own noise',
  run: () => watched('idle', [], async () => {
    await sleep(10_000)
    return ''
  }),
}
