import { describe, expect, it } from 'vitest'
import { perTurn } from '../../src/logging/logger.js'

const nextTurn = () => new Promise((r) => setImmediate(r))

describe('the per-turn log stream', () => {
  it('writes a turn’s lines once, at the end of the turn, byte for byte and in order', async () => {
    const chunks: Buffer[] = []
    const stream = perTurn({ write: (b: Buffer) => void chunks.push(Buffer.from(b)) } as unknown as NodeJS.WritableStream)
    const lines = ['{"a":1}\n', '{"msg":"é ü → 日本"}\n', '{"b":"😀"}\n']
    for (const l of lines) stream.write(l)
    expect(chunks).toHaveLength(0)
    await nextTurn()
    expect(chunks).toHaveLength(1)
    expect(Buffer.concat(chunks).toString('utf8')).toBe(lines.join(''))
  })

  it('keeps every byte of earlier turns when later lines fill its buffer, however long a line is', async () => {
    const chunks: Buffer[] = []
    // The views handed over are kept, not copied: later writes must never change them.
    const stream = perTurn({ write: (b: Buffer) => void chunks.push(b) } as unknown as NodeJS.WritableStream)
    const sent: string[] = []
    for (let turn = 0; turn < 40; turn++) {
      for (let i = 0; i < 50; i++) {
        const line = `{"turn":${turn},"i":${i},"pad":"${'x'.repeat((turn * 131 + i * 17) % 900)}","u":"é日😀"}\n`
        sent.push(line)
        stream.write(line)
      }
      if (turn === 20) {
        const big = `{"big":"${'日'.repeat(100_000)}"}\n`
        sent.push(big)
        stream.write(big)
      }
      await nextTurn()
    }
    expect(Buffer.concat(chunks).toString('utf8')).toBe(sent.join(''))
  })
})
