//! A normalised listing of what a database's schema (the connection's `current_schema()`: `public`, or
//! the URL's `schema`; and the schemas a multi-schema datasource lists) holds (tables, columns, types,
//! defaults, constraints, indexes, enums, row-level security, policies, functions), one line per fact,
//! sorted. Objects outside the connection's schema are named `schema.name`. Two databases with the same
//! listing have the same structure: used for drift checks and migration tests.

use crate::client::Conn;
use crate::error::Error;

/// Where the listing looks: the connection's schema and the ones in `$1`.
macro_rules! in_schemas {
    ($ns:literal) => {
        concat!("(", $ns, " = current_schema() OR ", $ns, " = ANY($1::text[]))")
    };
}

/// A relation's name in the listing: bare in the connection's schema, else `schema.name`.
macro_rules! rel_name {
    ($ns:literal, $rel:literal) => {
        concat!(
            "CASE WHEN ",
            $ns,
            " = current_schema() THEN ",
            $rel,
            " ELSE ",
            $ns,
            " || '.' || ",
            $rel,
            " END"
        )
    };
}

/// Every query takes the schemas besides the connection's as `$1`; the table queries also take the
/// history table to leave out (in the connection's schema) as `$2`.
const QUERIES: &[&str] = &[
    // Columns, in order, with their types, nullability and defaults.
    concat!(
        "SELECT format('column %s.%s %s%s%s', ",
        rel_name!("n.nspname", "c.relname"),
        ", a.attname,
                   format_type(a.atttypid, a.atttypmod),
                   CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END,
                   COALESCE(' DEFAULT ' || pg_get_expr(d.adbin, d.adrelid), ''))
       FROM pg_attribute a
       JOIN pg_class c ON c.oid = a.attrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
       LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE ",
        in_schemas!("n.nspname"),
        " AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
        AND NOT (n.nspname = current_schema() AND c.relname = $2)"
    ),
    // Constraints (primary, unique, foreign, check) with their full definitions.
    concat!(
        "SELECT format('constraint %s.%s %s', ",
        rel_name!("n.nspname", "c.relname"),
        ", k.conname, pg_get_constraintdef(k.oid))
       FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE ",
        in_schemas!("n.nspname"),
        " AND NOT (n.nspname = current_schema() AND c.relname = $2)"
    ),
    // Indexes.
    concat!(
        "SELECT format('index %s', pg_get_indexdef(i.indexrelid))
       FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE ",
        in_schemas!("n.nspname"),
        " AND NOT (n.nspname = current_schema() AND c.relname = $2)"
    ),
    // Enums with their values in order.
    concat!(
        "SELECT format('enum %s (%s)', ",
        rel_name!("n.nspname", "t.typname"),
        ", string_agg(e.enumlabel, ', ' ORDER BY e.enumsortorder))
       FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid JOIN pg_namespace n ON n.oid = t.typnamespace
      WHERE ",
        in_schemas!("n.nspname"),
        " GROUP BY n.nspname, t.typname"
    ),
    // Row-level security flags.
    concat!(
        "SELECT format('rls %s enabled=%s forced=%s', ",
        rel_name!("n.nspname", "c.relname"),
        ", c.relrowsecurity, c.relforcerowsecurity)
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE ",
        in_schemas!("n.nspname"),
        " AND c.relkind = 'r' AND NOT (n.nspname = current_schema() AND c.relname = $2)"
    ),
    // Policies.
    concat!(
        "SELECT format('policy %s.%s %s %s USING %s WITH CHECK %s', ",
        rel_name!("schemaname", "tablename"),
        ",
                   policyname, permissive, cmd, qual, with_check)
       FROM pg_policies WHERE ",
        in_schemas!("schemaname")
    ),
    // Functions.
    concat!(
        "SELECT format('function %s(%s) returns %s', ",
        rel_name!("n.nspname", "p.proname"),
        ",
                   pg_get_function_arguments(p.oid), pg_get_function_result(p.oid))
       FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE ",
        in_schemas!("n.nspname")
    ),
    // What the application role may do on each table.
    concat!(
        "SELECT format('grant %s %s', ",
        rel_name!("n.nspname", "c.relname"),
        ", string_agg(p.privilege_type, ',' ORDER BY p.privilege_type))
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       CROSS JOIN LATERAL (SELECT privilege_type FROM information_schema.role_table_grants g
                            WHERE g.table_schema = n.nspname AND g.table_name = c.relname AND g.grantee = 'trato_app') p
      WHERE ",
        in_schemas!("n.nspname"),
        " AND c.relkind = 'r' GROUP BY n.nspname, c.relname"
    ),
];

/// The sorted listing of the schema the connection sees, the default history table left out.
pub async fn catalog(conn: &Conn) -> Result<Vec<String>, Error> {
    catalog_of(conn, crate::migrate::HISTORY_TABLE, &[]).await
}

/// The sorted listing of the schema the connection sees, leaving out the migrator's `history_table`.
pub async fn catalog_excluding(conn: &Conn, history_table: &str) -> Result<Vec<String>, Error> {
    catalog_of(conn, history_table, &[]).await
}

/// The sorted listing of the connection's schema and of `schemas` (a multi-schema datasource's list),
/// leaving out the migrator's `history_table`.
pub async fn catalog_of(conn: &Conn, history_table: &str, schemas: &[String]) -> Result<Vec<String>, Error> {
    let mut lines = Vec::new();
    for q in QUERIES {
        let params: &[&(dyn crate::ToSql + Sync)] = if q.contains("$2") {
            &[&schemas, &history_table]
        } else {
            &[&schemas]
        };
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
