// Holds a write transaction on a SQLite file until its stdin closes: another process's lock.
const Database = require('better-sqlite3');
const db = new Database(process.argv[2]);
db.pragma('journal_mode = WAL');
db.exec('BEGIN IMMEDIATE');
db.prepare("INSERT INTO experiments (name, lifecycle_stage) VALUES ('held by another process', 'active')").run();
process.stdout.write('locked\n');
process.stdin.resume();
process.stdin.on('end', () => {
  db.exec('ROLLBACK');
  db.close();
  process.exit(0);
});
