import type { Migration } from './index.js'

const KEY = (row: 'NEW' | 'OLD') =>
  `project_id = ${row}.project_id AND flavor = ${row}.flavor AND cluster_id = ${row}.cluster_id AND namespace = ${row}.namespace AND name = ${row}.name`

/**
 * A stored answer (release_answers, 010) is removed by the database itself as soon as it stops
 * showing the release's latest revision in its current state: when `releases.latest_revision`
 * moves, when the answered revision's status or description changes, or when that revision goes.
 * So a row that exists is current, whatever wrote the tables, and a show or a list reads
 * release_answers alone, without joining the release to compare revisions (the repository writes
 * the new answer after these triggers ran, in the same transaction).
 *
 * Nothing is rewritten: rows written by 010 were already rewritten or dropped in the transaction
 * of every write that changed the latest revision or its state, so they hold; start-up on a file of
 * 100,000 releases only creates three triggers.
 */
export const migration011: Migration = {
  version: 11,
  name: 'release-answers-follow',
  up: `
    CREATE TRIGGER release_answers_follow_latest AFTER UPDATE OF latest_revision ON releases
    WHEN NEW.latest_revision IS NOT OLD.latest_revision
    BEGIN
      DELETE FROM release_answers WHERE ${KEY('NEW')} AND revision <> NEW.latest_revision;
    END;

    CREATE TRIGGER release_answers_follow_state AFTER UPDATE OF status, description ON release_revisions
    WHEN NEW.status IS NOT OLD.status OR NEW.description IS NOT OLD.description
    BEGIN
      DELETE FROM release_answers WHERE ${KEY('NEW')} AND revision = NEW.revision;
    END;

    CREATE TRIGGER release_answers_follow_delete AFTER DELETE ON release_revisions
    BEGIN
      DELETE FROM release_answers WHERE ${KEY('OLD')} AND revision = OLD.revision;
    END;
  `,
}
