// The DuckDB side of `tlsfloor report`'s benchmark (tests/bench/report_bench.py): the same
// question over the same handshake log, "which clients and which JA4 fingerprints offer nothing
// at or above the floor, how often, by version, today's outcome, first and last seen", asked with
// DuckDB's read_ndjson in one scan. The columns are named (no schema sampling: the fastest way
// to ask), the time is parsed as a timestamp as the report parses it, and both tables are
// sorted heaviest first and cut to the report's 50 rows.
//
//   node report_duckdb.mjs FILE [FILE ...]     (with @duckdb/node-api installed beside it or on
//                                               NODE_PATH; DuckDB uses every core by default)
import { DuckDBInstance } from '@duckdb/node-api';

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: node report_duckdb.mjs FILE [FILE ...]');
  process.exit(2);
}
const list = '[' + files.map((f) => `'${f.replaceAll("'", "''")}'`).join(', ') + ']';
const below = "('SSL3.0', 'TLS1.0', 'TLS1.1', 'unknown')";  // below a TLS1.2 floor

const sql = `
WITH lines AS (
  SELECT *, highest_offered IN ${below} AS affected_line,
         outcome IN ('rejected', 'failed') OR decision IN ('rejected', 'rejected_brownout')
           AS failing_line
  FROM read_ndjson(${list}, format = 'newline_delimited', columns = {
    'time': 'TIMESTAMP', 'host': 'VARCHAR', 'listener': 'VARCHAR', 'route': 'VARCHAR',
    'client': 'VARCHAR', 'highest_offered': 'VARCHAR', 'sni': 'VARCHAR', 'ja4': 'VARCHAR',
    'decision': 'VARCHAR', 'outcome': 'VARCHAR', 'failure': 'VARCHAR'}))
SELECT GROUPING(client) AS by_client, GROUPING(ja4) AS by_ja4, client, ja4,
       count(*) AS handshakes,
       count(*) FILTER (WHERE affected_line) AS affected,
       count(*) FILTER (WHERE affected_line AND failing_line) AS failing,
       count(*) FILTER (WHERE affected_line AND highest_offered = 'SSL3.0') AS ssl30,
       count(*) FILTER (WHERE affected_line AND highest_offered = 'TLS1.0') AS tls10,
       count(*) FILTER (WHERE affected_line AND highest_offered = 'TLS1.1') AS tls11,
       count(*) FILTER (WHERE affected_line AND highest_offered = 'unknown') AS unknown,
       min(time) FILTER (WHERE affected_line) AS first_seen,
       max(time) FILTER (WHERE affected_line) AS last_seen,
       count(DISTINCT client) FILTER (WHERE affected_line) AS clients,
       count(DISTINCT sni) FILTER (WHERE affected_line) AS server_names
FROM lines
GROUP BY GROUPING SETS ((client), (ja4), ())
HAVING affected > 0 OR (GROUPING(client) = 1 AND GROUPING(ja4) = 1)
ORDER BY affected DESC, client, ja4`;

const instance = await DuckDBInstance.create(':memory:');
const connection = await instance.connect();
const reader = await connection.runAndReadAll(sql);
const rows = reader.getRowObjects();
const totals = rows.find((r) => Number(r.by_client) === 1 && Number(r.by_ja4) === 1);
const clients = rows.filter((r) => Number(r.by_client) === 0);
const fingerprints = rows.filter((r) => Number(r.by_ja4) === 0);
console.log(`handshakes ${totals.handshakes} affected ${totals.affected} failing ${totals.failing}`);
console.log(`first seen ${totals.first_seen} last seen ${totals.last_seen}`);
console.log(`clients ${clients.length} fingerprints ${fingerprints.length}`);
for (const [title, table, key] of [['clients', clients, 'client'], ['fingerprints', fingerprints, 'ja4']]) {
  console.log(title);
  for (const r of table.slice(0, 50)) {
    console.log([r[key], r.affected, r.failing, r.ssl30, r.tls10, r.tls11, r.unknown, r.first_seen,
                 r.last_seen, r.clients, r.server_names].join('  '));
  }
}
