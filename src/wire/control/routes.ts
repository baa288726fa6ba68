/** The emulator's own control plane, under /_emulator; never part of the CCE surface. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'

export interface ControlRoutesOptions {
  version: string
  startedAt: Date
  database: 'memory' | 'file'
  lifecycle: () => string
}

const HealthSchema = Type.Object({
  status: Type.Literal('ready'),
  version: Type.String(),
  uptime_seconds: Type.Number(),
  database: Type.Union([Type.Literal('memory'), Type.Literal('file')]),
  lifecycle: Type.String(),
})

export const controlRoutes: FastifyPluginAsyncTypebox<ControlRoutesOptions> = async (app, opts) => {
  const tags = ['Emulator control']
  app.get(
    '/health',
    { schema: { tags, summary: 'Ready when migrations have run', operationId: 'EmulatorHealth', response: { 200: HealthSchema } } },
    async () => ({
      status: 'ready' as const,
      version: opts.version,
      uptime_seconds: (Date.now() - opts.startedAt.getTime()) / 1000,
      database: opts.database,
      lifecycle: opts.lifecycle(),
    }),
  )
}
