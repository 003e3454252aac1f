// Raw SQL in a scope is one data statement in the scope's own transaction, as the scope's role.
use trato_hive_db::runtime::sql;

fn main() {
    let _ = sql!("SET ROLE postgres");
    let _ = sql!("SET SESSION AUTHORIZATION postgres");
    let _ = sql!("RESET ROLE");
    let _ = sql!("SET statement_timeout = 0");
    let _ = sql!("COMMIT");
    let _ = sql!("BEGIN");
    let _ = sql!("SAVEPOINT s");
    let _ = sql!("SELECT 1; SELECT * FROM deals");
    let _ = sql!("CREATE TEMP TABLE t AS SELECT * FROM deals");
    let _ = sql!("SELECT * FROM pg_temp.t");
    let _ = sql!("COPY deals TO STDOUT");
    let _ = sql!("SELECT 'unterminated");
}
