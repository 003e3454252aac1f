//! A normalised listing of what a database's schema (the connection's `current_schema()`: `public`, or
//! the URL's `schema`) holds (tables, columns, types, defaults,
//! constraints, indexes, enums, row-level security, policies, functions), one line per fact, sorted. Two
//! databases with the same listing have the same structure: used for drift checks and migration tests.

use crate::client::Conn;
use crate::error::Error;

const QUERIES: &[&str] = &[
    // Columns, in order, with their types, nullability and defaults.
    "SELECT format('column %s.%s %s%s%s', c.relname, a.attname, format_type(a.atttypid, a.atttypmod),
                   CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END,
                   COALESCE(' DEFAULT ' || pg_get_expr(d.adbin, d.adrelid), ''))
       FROM pg_attribute a
       JOIN pg_class c ON c.oid = a.attrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
       LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE n.nspname = current_schema() AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
        AND c.relname <> $1",
    // Constraints (primary, unique, foreign, check) with their full definitions.
    "SELECT format('constraint %s.%s %s', c.relname, k.conname, pg_get_constraintdef(k.oid))
       FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = current_schema() AND c.relname <> $1",
    // Indexes.
    "SELECT format('index %s', pg_get_indexdef(i.indexrelid))
       FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = current_schema() AND c.relname <> $1",
    // Enums with their values in order.
    "SELECT format('enum %s (%s)', t.typname, string_agg(e.enumlabel, ', ' ORDER BY e.enumsortorder))
       FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid JOIN pg_namespace n ON n.oid = t.typnamespace
      WHERE n.nspname = current_schema() GROUP BY t.typname",
    // Row-level security flags.
    "SELECT format('rls %s enabled=%s forced=%s', c.relname, c.relrowsecurity, c.relforcerowsecurity)
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = current_schema() AND c.relkind = 'r' AND c.relname <> $1",
    // Policies.
    "SELECT format('policy %s.%s %s %s USING %s WITH CHECK %s', tablename, policyname, permissive, cmd, qual, with_check)
       FROM pg_policies WHERE schemaname = current_schema()",
    // Functions.
    "SELECT format('function %s(%s) returns %s', p.proname, pg_get_function_arguments(p.oid), pg_get_function_result(p.oid))
       FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = current_schema()",
    // What the application role may do on each table.
    "SELECT format('grant %s %s', c.relname, string_agg(p.privilege_type, ',' ORDER BY p.privilege_type))
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       CROSS JOIN LATERAL (SELECT privilege_type FROM information_schema.role_table_grants g
                            WHERE g.table_schema = current_schema() AND g.table_name = c.relname AND g.grantee = 'trato_app') p
      WHERE n.nspname = current_schema() AND c.relkind = 'r' GROUP BY c.relname",
];

/// The sorted listing of the schema the connection sees, the default history table left out.
pub async fn catalog(conn: &Conn) -> Result<Vec<String>, Error> {
    catalog_excluding(conn, crate::migrate::HISTORY_TABLE).await
}

/// The sorted listing of the schema the connection sees, leaving out the migrator's `history_table`.
pub async fn catalog_excluding(conn: &Conn, history_table: &str) -> Result<Vec<String>, Error> {
    let mut lines = Vec::new();
    for q in QUERIES {
        // The queries of tables leave the history table out ($1); the others take no parameter.
        let params: &[&(dyn crate::ToSql + Sync)] = if q.contains("$1") { &[&history_table] } else { &[] };
        for row in conn.query(q, params).await? {
            lines.push(row.get::<_, String>(0));
        }
    }
    lines.sort();
    Ok(lines)
}

/// Lines only in `a` (prefixed `-`) and only in `b` (prefixed `+`).
pub fn compare(a: &[String], b: &[String]) -> Vec<String> {
    let mut out: Vec<String> = a.iter().filter(|l| !b.contains(l)).map(|l| format!("- {l}")).collect();
    out.extend(b.iter().filter(|l| !a.contains(l)).map(|l| format!("+ {l}")));
    out
}
