// bench/duckdb/group.mjs FILE — the grouping a data-savvy support engineer
// writes in DuckDB instead of running linkdesk: every lower-cased email held
// by more than one user, with the user ids. The rows are read to the end.
import { DuckDBInstance } from '@duckdb/node-api';

const file = process.argv[2];
if (!file) {
  console.error('usage: node bench/duckdb/group.mjs USERS.json.gz');
  process.exit(2);
}
const db = await DuckDBInstance.create(':memory:');
const con = await db.connect();
const sql = `select lower(email), count(*), list(user_id) from read_json('${file.replaceAll("'", "''")}')
  where email is not null group by 1 having count(*) > 1`;
const reader = await con.runAndReadAll(sql);
console.error(`duckdb: ${reader.getRows().length} groups`);
