import { PGlite } from '@electric-sql/pglite';
let t = Date.now();
const db = await PGlite.create();
console.log('create', Date.now() - t);
const r = await db.query(
  `select 1::int8 as a, now() as b, 1.5::numeric as c, '{"x":1}'::jsonb as d, '2024-01-01'::date as e, version() v`,
);
console.log(r.rows, r.fields);
t = Date.now();
const dump = await db.dumpDataDir('none');
console.log('dump', Date.now() - t, dump.size);
t = Date.now();
const db2 = await PGlite.create({ loadDataDir: dump });
console.log('load', Date.now() - t);
await db2.exec('begin; create table t(a int); insert into t values(1); commit;');
console.log((await db2.query('select * from t')).rows);
