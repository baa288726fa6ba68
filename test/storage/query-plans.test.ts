/**
 * Every read the release store makes at scale searches an index: a list (each filter shape, whole
 * or a page after a cursor), a show, a history and the due-work queries settle-on-start and every
 * read run. A full SCAN of a release table would make 100,000 releases cost 100,000 rows a request.
 */
import { describe, expect, it } from 'vitest'
import { openDatabase } from '../../src/storage/db.js'
import { SqliteReleaseRepository } from '../../src/storage/release-repository.js'

const plan = (db: ReturnType<typeof openDatabase>, sql: string): string =>
  (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(
    // Positional statements (the hot ones) take one value per `?`.
    sql.includes('@') ? Object.fromEntries([...sql.matchAll(/@(\w+)/g)].map((m) => [m[1], m[1] === 'limit' || m[1] === 'now' ? 1 : 'x'])) : [...sql.matchAll(/\?/g)].map(() => 'x'),
  ) as Array<{ detail: string }>)
    .map((r) => r.detail)
    .join(' | ')

describe('query plans', () => {
  it('every list shape, show, history and due query searches an index, none scans a release table', () => {
    const db = openDatabase(':memory:')
    const repo = new SqliteReleaseRepository(db)
    const stmts = (repo as unknown as { stmts: Record<string, unknown> }).stmts
    const sources: Array<[string, string]> = []
    for (const [name, s] of Object.entries(stmts)) {
      if (['listHead', 'listPage', 'listCount', 'answersPage', 'joinedPage', 'countRange'].includes(name)) for (const [shape, st] of Object.entries(s as Record<string, { source: string }>)) sources.push([`${name}.${shape}`, st.source])
      else if (['latest', 'latestAnswer', 'latestRevisionNumber', 'revision', 'history', 'due', 'pendingWork', 'pending'].includes(name)) sources.push([name, (s as { source: string }).source])
    }
    expect(sources).toHaveLength(24)
    for (const [name, sql] of sources) {
      const p = plan(db, sql)
      expect(p, `${name}: ${p}`).not.toMatch(/SCAN (r|v|a|releases|release_revisions|release_answers|pending_operations)\b(?! USING)/)
      expect(p, `${name}: ${p}`).toMatch(/SEARCH|USING (COVERING )?INDEX/)
    }
    // The chart filter's head goes through the chart index (few releases run one chart).
    expect(plan(db, (stmts.listHead as Record<string, { source: string }>).chart!.source)).toMatch(/release_revisions_chart/)
    // Unfiltered and namespace lists read the key (a covering index) and the stored answers, no revision.
    for (const [name, sql] of sources.filter(([n]) => /^(list(Head|Page)|joinedPage)\.(all|namespace)$/.test(n) || n === 'latestAnswer')) {
      expect(plan(db, sql), name).toMatch(/SEARCH a USING PRIMARY KEY/)
      expect(sql, name).not.toMatch(/release_revisions/)
    }
    // A show of a release not in memory reads its stored answer alone (011's triggers keep it current).
    expect(plan(db, (stmts.latestAnswer as { source: string }).source)).toMatch(/^SEARCH a USING PRIMARY KEY \(project_id=\? AND flavor=\? AND cluster_id=\? AND namespace=\? AND name=\?\)$/)
    // Whether a list is too long to answer whole is counted on the key alone.
    for (const shape of ['all', 'namespace']) expect(plan(db, (stmts.listCount as Record<string, { source: string }>)[shape]!.source)).toMatch(/USING COVERING INDEX sqlite_autoindex_releases_1/)
    // Unfiltered and namespace pages read one range of release_answers in key order, counted on the
    // key; every page after a cursor starts there in the index (not at the start of its namespace).
    const shapes = (name: string) => stmts[name] as Record<string, { source: string }>
    expect(plan(db, shapes('answersPage').all!.source)).toBe('SEARCH a USING PRIMARY KEY (project_id=? AND flavor=? AND cluster_id=? AND (namespace,name)>(?,?))')
    expect(plan(db, shapes('answersPage').namespace!.source)).toBe('SEARCH a USING PRIMARY KEY (project_id=? AND flavor=? AND cluster_id=? AND namespace=? AND name>?)')
    // Joined by SQLite as read: the same ranges, in key order without a sort (#joinedPage relies on it).
    expect(plan(db, shapes('joinedPage').all!.source)).toMatch(/SEARCH a USING PRIMARY KEY \(project_id=\? AND flavor=\? AND cluster_id=\? AND \(namespace,name\)>\(\?,\?\)\)/)
    expect(plan(db, shapes('joinedPage').namespace!.source)).toMatch(/SEARCH a USING PRIMARY KEY \(project_id=\? AND flavor=\? AND cluster_id=\? AND namespace=\? AND name>\?\)/)
    for (const shape of ['all', 'namespace']) expect(plan(db, shapes('joinedPage')[shape]!.source), shape).not.toMatch(/TEMP B-TREE/)
    expect(plan(db, shapes('countRange').all!.source)).toMatch(/USING COVERING INDEX sqlite_autoindex_releases_1 \(project_id=\? AND flavor=\? AND cluster_id=\? AND \(namespace,name\)>\(\?,\?\) AND \(namespace,name\)<\(\?,\?\)\)/)
    expect(plan(db, shapes('countRange').namespace!.source)).toMatch(/USING COVERING INDEX sqlite_autoindex_releases_1 \(project_id=\? AND flavor=\? AND cluster_id=\? AND namespace=\? AND name>\? AND name<\?\)/)
    for (const shape of ['namespace', 'both']) expect(plan(db, shapes('listPage')[shape]!.source), shape).toMatch(/^SEARCH r USING INDEX sqlite_autoindex_releases_1 \(project_id=\? AND flavor=\? AND cluster_id=\? AND namespace=\? AND name>\?\)/)
    // Lists are read in key order without a sort, except the chart-filtered head.
    expect(plan(db, (stmts.listHead as Record<string, { source: string }>).namespace!.source)).not.toMatch(/TEMP B-TREE/)
    expect(plan(db, (stmts.listPage as Record<string, { source: string }>).all!.source)).not.toMatch(/TEMP B-TREE/)
    db.close()
  })
})
