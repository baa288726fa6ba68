/**
 * `--charts DIR`: every subfolder `DIR/<repo>/` holding `.tgz` packages becomes the external
 * Cloudpods repo `<repo>` (id derived from the name, ids.ts). Top-level packages are the CCE
 * chart stores' (src/charts/preload.ts), which never look into subfolders. As there, any
 * unreadable or invalid package fails the start.
 */
import { readdirSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { ChartPreloadError, type PreloadLog } from '../charts/preload.js'
import { DomainError } from '../errors.js'
import type { RepoService } from './repo-service.js'

export interface PreloadedRepo {
  name: string
  id: string
  charts: number
}

export async function preloadRepos(dir: string, repos: RepoService, log: PreloadLog | undefined): Promise<PreloadedRepo[]> {
  const folder = resolve(dir)
  let subfolders: string[]
  try {
    subfolders = readdirSync(folder)
      .filter((name) => holdsPackages(join(folder, name)))
      .sort()
  } catch (err) {
    throw new ChartPreloadError(`--charts ${dir}: cannot read the folder: ${(err as Error).message}`)
  }
  const loaded: PreloadedRepo[] = []
  for (const name of subfolders) {
    let result
    try {
      result = await repos.loadFolder(name, pathToFileURL(join(folder, name)).href)
    } catch (err) {
      if (err instanceof DomainError) throw new ChartPreloadError(`--charts ${dir}: repo ${name}: ${err.message}`)
      throw err
    }
    if (result.replaced !== undefined) log?.warn({ repo: name, replaced: result.replaced }, 'a --charts repo replaced a repo of the same name created over the API')
    const entry = { name, id: result.repo.id, charts: result.charts }
    loaded.push(entry)
    log?.info(entry, `loaded Cloudpods repo ${name} (${result.charts} chart versions) as ${result.repo.id}`)
  }
  return loaded
}

/** A folder (or a link to one) with a .tgz in it; anything unreadable is not a repo, as a stray file is not. */
function holdsPackages(path: string): boolean {
  try {
    return statSync(path).isDirectory() && readdirSync(path).some((f) => f.toLowerCase().endsWith('.tgz'))
  } catch {
    return false
  }
}
