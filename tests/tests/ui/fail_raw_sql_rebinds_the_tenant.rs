// Raw SQL cannot touch the tenant binding: every way of changing a setting, calling the library's own
// functions or running code the guard cannot see is a compile error pointing at the literal.
use trato_hive_db::runtime::sql;

fn main() {
    let b = "org_b";
    let _ = sql!("SELECT trato_set_tenant($1)::text, (SELECT string_agg(id, ',') FROM deals)", b);
    let _ = sql!("SELECT set_config('trato.tenant_id', $1, true)", b);
    let _ = sql!("WITH x AS (SELECT pg_catalog.set_config($1, $2, false)) SELECT * FROM deals, x", "trato.tenant_id", b);
    let _ = sql!("SET LOCAL trato.tenant_id = 'org_b'");
    let _ = sql!("SELECT * FROM deals WHERE \"trato.tenant_id\" IS NULL");
    let _ = sql!("UPDATE pg_settings SET setting = $1 WHERE name = $2", b, "trato.tenant_id");
    let _ = sql!("DO $$ BEGIN PERFORM set_config('trato.tenant_id', 'org_b', true); END $$");
    let _ = sql!("SELECT query_to_xml('SELECT 1', true, true, '')");
    let _ = sql!("SELECT /* not a comment */ \"trato_set_tenant\"('org_b')");
    let _ = sql!("SELECT U&'\\0074rato.tenant_id'");
}
