//! A normalised listing of what a database's schema (the connection's `current_schema()`: `public`, or
//! the URL's `schema`; and the schemas a multi-schema datasource lists) holds (tables, columns, types,
//! defaults, constraints, indexes, enums, row-level security, policies, functions with a digest of their
//! bodies, views, triggers, rules, sequences, extensions, and every grant), one line per fact,
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

/// A function `p` of ours, not one an extension installed.
macro_rules! own_function {
    () => {
        "NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')"
    };
}

/// A grantee's name in `aclexplode(...) x`: PUBLIC for the pseudo-role 0.
macro_rules! grantee {
    () => {
        "CASE WHEN x.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(x.grantee) END"
    };
}

/// The privileges of one grantee of `aclexplode(...) x`, as one sorted list.
macro_rules! privileges {
    () => {
        "string_agg(x.privilege_type, ',' ORDER BY x.privilege_type)"
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

/// The queries that look in schemas take the schemas besides the connection's as `$1`; the table queries
/// also take the history table to leave out (in the connection's schema) as `$2`.
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
    // Functions and procedures: signature, security, volatility, settings, and a digest of the body (a
    // function replaced by hand, e.g. the tenant's, is drift).
    concat!(
        "SELECT format('function %s(%s) returns %s %s%s %s%s body=%s', ",
        rel_name!("n.nspname", "p.proname"),
        ",
                   pg_get_function_arguments(p.oid), COALESCE(pg_get_function_result(p.oid), 'procedure'),
                   (SELECT lanname FROM pg_language l WHERE l.oid = p.prolang),
                   CASE WHEN p.prosecdef THEN ' security definer' ELSE '' END,
                   CASE p.provolatile WHEN 'i' THEN 'immutable' WHEN 's' THEN 'stable' ELSE 'volatile' END,
                   COALESCE(' set ' || array_to_string(p.proconfig, ','), ''), md5(p.prosrc))
       FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
      WHERE ",
        in_schemas!("n.nspname"),
        " AND ",
        own_function!()
    ),
    // Views and materialized views: a digest of the definition and their options (`security_invoker`
    // decides whether row-level security applies to who reads them).
    concat!(
        "SELECT format('%s %s options=%s definition=%s', ",
        "CASE c.relkind WHEN 'v' THEN 'view' ELSE 'materialized view' END, ",
        rel_name!("n.nspname", "c.relname"),
        ", COALESCE(array_to_string(c.reloptions, ','), ''), md5(pg_get_viewdef(c.oid)))
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE ",
        in_schemas!("n.nspname"),
        " AND c.relkind IN ('v', 'm')"
    ),
    // Triggers (not the internal ones behind foreign keys), with whether they fire.
    concat!(
        "SELECT format('trigger %s.%s enabled=%s %s', ",
        rel_name!("n.nspname", "c.relname"),
        ", t.tgname, t.tgenabled, pg_get_triggerdef(t.oid))
       FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE ",
        in_schemas!("n.nspname"),
        " AND NOT t.tgisinternal"
    ),
    // Rules (a rule rewrites every statement on its table).
    concat!(
        "SELECT format('rule %s.%s %s', ",
        rel_name!("schemaname", "tablename"),
        ", rulename, md5(definition))
       FROM pg_rules WHERE ",
        in_schemas!("schemaname")
    ),
    // Sequences: type, bounds, step, cycling and the column that owns them (not their current value).
    concat!(
        "SELECT format('sequence %s %s start=%s increment=%s min=%s max=%s cache=%s cycle=%s owned_by=%s', ",
        rel_name!("n.nspname", "c.relname"),
        ", format_type(s.seqtypid, NULL), s.seqstart, s.seqincrement, s.seqmin, s.seqmax, s.seqcache, s.seqcycle,
                   COALESCE((SELECT t.relname || '.' || a.attname FROM pg_depend d
                               JOIN pg_class t ON t.oid = d.refobjid
                               JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
                              WHERE d.objid = c.oid AND d.classid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')), '-'))
       FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE ",
        in_schemas!("n.nspname")
    ),
    // Extensions installed in the database.
    "SELECT format('extension %s %s in %s', e.extname, e.extversion, n.nspname)
       FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace",
    // Who may do what on tables, views, sequences (and their columns), functions and the schemas
    // themselves: every grantee but the owner, PUBLIC included (a view granted to the application role is
    // drift).
    concat!(
        "SELECT format('grant %s on %s %s to %s', ", privileges!(), ",
                   CASE c.relkind WHEN 'S' THEN 'sequence' WHEN 'v' THEN 'view' WHEN 'm' THEN 'view' ELSE 'table' END, ",
        rel_name!("n.nspname", "c.relname"),
        ", ", grantee!(), ")
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       CROSS JOIN LATERAL aclexplode(c.relacl) x
      WHERE ",
        in_schemas!("n.nspname"),
        " AND x.grantee <> c.relowner AND NOT (n.nspname = current_schema() AND c.relname = $2)
      GROUP BY c.relkind, n.nspname, c.relname, x.grantee"
    ),
    concat!(
        "SELECT format('grant %s on column %s.%s to %s', ", privileges!(), ", ",
        rel_name!("n.nspname", "c.relname"),
        ", a.attname, ", grantee!(), ")
       FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
       CROSS JOIN LATERAL aclexplode(a.attacl) x
      WHERE ",
        in_schemas!("n.nspname"),
        " AND x.grantee <> c.relowner GROUP BY n.nspname, c.relname, a.attname, x.grantee"
    ),
    concat!(
        "SELECT format('grant %s on function %s(%s) to %s', ", privileges!(), ", ",
        rel_name!("n.nspname", "p.proname"),
        ", pg_get_function_identity_arguments(p.oid), ", grantee!(), ")
       FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
       CROSS JOIN LATERAL aclexplode(COALESCE(p.proacl, acldefault('f', p.proowner))) x
      WHERE ",
        in_schemas!("n.nspname"),
        " AND x.grantee <> p.proowner
        AND ", own_function!(), "
      GROUP BY n.nspname, p.proname, p.oid, x.grantee"
    ),
    concat!(
        "SELECT format('grant %s on schema %s to %s', ", privileges!(), ",
                   n.nspname, ", grantee!(), ")
       FROM pg_namespace n CROSS JOIN LATERAL aclexplode(n.nspacl) x
      WHERE ",
        in_schemas!("n.nspname"),
        " AND x.grantee <> n.nspowner GROUP BY n.nspname, x.grantee"
    ),
    // Privileges future objects get (ALTER DEFAULT PRIVILEGES).
    "SELECT format('default privileges of %s in %s on %s: %s', pg_get_userbyid(d.defaclrole),
                   COALESCE(n.nspname, '*'), d.defaclobjtype, array_to_string(d.defaclacl, ','))
       FROM pg_default_acl d LEFT JOIN pg_namespace n ON n.oid = d.defaclnamespace",
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
        } else if q.contains("$1") {
            &[&schemas]
        } else {
            &[]
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
