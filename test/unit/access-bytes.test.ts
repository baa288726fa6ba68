import { describe, expect, it } from 'vitest'
import { accessLine, writeAccessBytes } from '../../src/logging/access-log.js'
import type { LineBytes } from '../../src/logging/logger.js'

function bytesSink(): LineBytes & { lines: string[] } {
  const buffer = Buffer.alloc(1 << 16)
  let at = 0
  const lines: string[] = []
  return {
    buffer,
    lines,
    reserve: (n) => {
      expect(n).toBeLessThan(buffer.length)
      at = 0
      return at
    },
    commit: (end) => void lines.push(buffer.toString('utf8', at, end)),
  }
}

const message = (method: string, path: string, status: number, ms: string, operation: string | null) => `${method} ${path} ${status} ${ms}ms${operation ? ` ${operation}` : ''}`

describe('the access line written as bytes', () => {
  it('is byte for byte the template line, or nothing when something needs escaping', () => {
    const ids = ['6f1c0b8e2d7a4c4f9a3e5b1d0c2f4e6a', 'plain-id', 'q"uote']
    const methods = ['GET', 'HEAD', 'POST', 'DELETE']
    const paths = ['/cce/cam/v3/clusters/c1/namespace/default/releases/app-7', '/', '/v2/charts/a%22b', '/x/rel\u00e9', '/back\\slash', '/tab\there', '/~!$&\'()*+,;=:@']
    const operations = [null, '', 'ShowRelease', 'Odd"\\\u00e9\n', 'AutopilotCreateRelease']
    const bindings = ['', ',"name":"cce-release-emulator"', ',"name":"\u00e9mulateur"']
    let written = 0
    let refused = 0
    for (const bind of bindings) for (const id of ids) for (const method of methods) for (const path of paths) for (const operation of operations) for (const [status, ms] of [[200, '0.4'], [404, '12'], [503, '1234.5']] as const) {
      const now = 1796063807240 + written
      const sink = bytesSink()
      const expected = accessLine(bind, id, method, path, status, ms, operation, message(method, path, status, ms, operation), now)
      if (writeAccessBytes(sink, bind, id, method, path, status, ms, operation, now)) {
        written++
        expect(sink.lines).toEqual([expected])
      } else {
        refused++
        expect(sink.lines).toEqual([])
        // Only lines with something JSON escapes are left to the string template.
        expect(/["\\\u0000-\u001f\u007f-\uffff]/.test(id + path + (operation ?? ''))).toBe(true)
      }
    }
    expect(written).toBeGreaterThan(100)
    expect(refused).toBeGreaterThan(100)
  })
})
