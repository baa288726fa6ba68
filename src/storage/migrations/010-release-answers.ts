import type { Migration } from './index.js'

/**
 * The answer bytes of each release's latest revision, as the wire serialized them when the
 * release was written, in list order (WITHOUT ROWID, keyed like `releases`): a list of 100
 * releases of a namespace reads one range of adjacent pages and concatenates, where it used to
 * read 100 scattered revision rows and merge and serialize each one's values (~65 µs an item).
 * `revision`, `status` and `description` say which revision and state the bytes show; the
 * repository rewrites the row in the transaction of every write to the release (apply), reads
 * use it only if `revision` is the release's latest, and the foreign key removes it with the
 * release. A release has no row when no answer is kept (over the size cap, a dialect that keeps
 * none, releases written before this migration until their next write): it is answered from its
 * revision as before. `answer_format` names the serializer, so bytes from another version of the
 * emulator are never sent. Nothing is copied here: start-up reads nothing proportional to the data.
 */
export const migration010: Migration = {
  version: 10,
  name: 'release-answers',
  up: `
    CREATE TABLE release_answers (
      project_id TEXT NOT NULL,
      flavor TEXT NOT NULL,
      cluster_id TEXT NOT NULL,
      namespace TEXT NOT NULL,
      name TEXT NOT NULL,
      revision INTEGER NOT NULL,
      status TEXT NOT NULL,
      description TEXT NOT NULL,
      answer BLOB NOT NULL,
      answer_format TEXT NOT NULL,
      PRIMARY KEY (project_id, flavor, cluster_id, namespace, name),
      FOREIGN KEY (project_id, flavor, cluster_id, namespace, name)
        REFERENCES releases (project_id, flavor, cluster_id, namespace, name) ON DELETE CASCADE
    ) STRICT, WITHOUT ROWID;
  `,
}
