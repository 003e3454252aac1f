// What raw SQL may do: data statements, reading the binding, the words of the library inside strings that
// only compare, and comments.
use trato_hive_db::runtime::sql;

fn main() {
    let _ = sql!("SELECT current_setting('trato.tenant_id', true), trato_current_tenant()");
    let _ = sql!("SELECT * FROM deals WHERE name = 'set_config(x)' -- SET ROLE postgres");
    let _ = sql!("WITH d AS (SELECT id FROM deals) UPDATE deals SET name = $1 WHERE id IN (SELECT id FROM d)", "x");
    let _ = sql!("(SELECT id FROM deals) UNION (SELECT id FROM companies)");
    let _ = sql!("INSERT INTO deals (id, name) VALUES ($1, $2) RETURNING id;", "a", "b");
}
