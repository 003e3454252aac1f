//! Every refused form, and the ordinary SQL that must keep passing.

use crate::{check, Context};

fn refused(sql: &str, ctx: Context) -> String {
    match check(sql, ctx) {
        Err(r) => r.message,
        Ok(()) => panic!("{sql:?} must be refused in {ctx:?}"),
    }
}

#[test]
fn data_statements_pass_in_a_scope() {
    for sql in [
        "SELECT stage, count(*) FROM deals GROUP BY 1",
        "select * from deals where name = 'SET trato.tenant_id = 1' -- set_config(",
        "WITH d AS (SELECT id FROM deals) UPDATE deals SET name = $1 WHERE id IN (SELECT id FROM d)",
        "INSERT INTO companies (id, name) VALUES ($1, $2) ON CONFLICT (organization_id, id) DO UPDATE SET name = EXCLUDED.name",
        "DELETE FROM deals WHERE id = $1 RETURNING id",
        "(SELECT 1) UNION (SELECT 2)",
        "SELECT $tag$ set_config('trato.tenant_id', 'b', false) $tag$",
        "SELECT /* DO $$ */ 1;",
        "SELECT 'it''s', E'a\\'b', \"Deal\".id FROM deals \"Deal\"",
        "VALUES (1), (2)",
        "TABLE deals",
        "SELECT current_setting('trato.tenant_id'), trato_current_tenant()",
        "SELECT setting FROM pg_settings WHERE name = 'work_mem'",
        "EXPLAIN SELECT * FROM deals WHERE stage = $1",
        "EXPLAIN (FORMAT JSON, COSTS OFF) SELECT 1",
        "explain analyze verbose select 1",
    ] {
        assert_eq!(check(sql, Context::Scoped), Ok(()), "{sql}");
    }
}

#[test]
fn explain_is_checked_like_what_it_explains() {
    for sql in [
        "EXPLAIN SELECT set_config('trato.tenant_id', 'B', true)",
        "EXPLAIN (ANALYZE) SELECT trato_set_tenant($1)",
        "EXPLAIN (FORMAT JSON) CREATE TABLE x (id int)",
        "EXPLAIN ANALYZE EXECUTE plan1",
        "EXPLAIN",
    ] {
        refused(sql, Context::Scoped);
    }
}

#[test]
fn rebinding_is_refused_everywhere() {
    for sql in [
        "SELECT trato_set_tenant('B')::text, (SELECT string_agg(id, ',') FROM deals)",
        "SELECT set_config('trato.tenant_id', 'B', true)",
        "WITH b AS (SELECT set_config('trato.tenant_id', $1, true)) SELECT * FROM deals, b",
        "SELECT pg_catalog.set_config($1, $2, false)",
        "SELECT \"set_config\"('x', 'y', false)",
        "SELECT public.\"trato_set_tenant\"($1)",
        "UPDATE pg_settings SET setting = 'B' WHERE name = 'trato' || '.tenant_id'",
        "update only pg_catalog.pg_settings set setting = $1 where name = $2",
        "WITH x AS (UPDATE pg_settings SET setting = $1 WHERE name = $2 RETURNING 1) SELECT * FROM deals, x",
        "SELECT * FROM deals WHERE name = 'trato.tenant_id'",
        "SELECT U&'\\0074rato.tenant_id'",
        "SELECT query_to_xml('SELECT set_config(''x'', ''y'', false)', true, false, '')",
        "SELECT dblink_exec('dbname=x', 'SELECT 1')",
        "SELECT SET_CONFIG('a', 'b', true)",
    ] {
        refused(sql, Context::Scoped);
        refused(sql, Context::Plain);
    }
    for sql in [
        "SET trato.tenant_id = 'B'",
        "SET LOCAL trato.tenant_id = 'B'",
        "set session \"trato.tenant_id\" to 'B'",
        "RESET trato.tenant_id",
        "DO $$ BEGIN PERFORM 1; END $$",
        "SET ROLE trato_app",
        "SET SESSION AUTHORIZATION postgres",
        "RESET ROLE",
        "ALTER ROLE current_user SET trato.tenant_id = 'B'",
        "CREATE FUNCTION pg_temp.f() RETURNS int LANGUAGE sql AS 'SELECT 1'",
        "CREATE TEMP TABLE deals AS SELECT 1",
        "create or replace temporary view deals as select 1",
        "CREATE GLOBAL TEMPORARY TABLE x (a int)",
        "SELECT * INTO TEMP leaked FROM deals",
        "SELECT * INTO leaked FROM deals",
        "SELECT * FROM pg_temp_3.leaked",
        "SET search_path = pg_temp, public",
    ] {
        refused(sql, Context::Scoped);
        refused(sql, Context::Plain);
    }
}

#[test]
fn a_scope_runs_one_data_statement_in_its_own_transaction() {
    for sql in [
        "SET statement_timeout = 0",
        "BEGIN",
        "COMMIT",
        "ROLLBACK",
        "SAVEPOINT a",
        "START TRANSACTION",
        "SELECT 1; SELECT 2",
        "PREPARE p AS SELECT 1",
        "COPY deals TO STDOUT",
        "SELECT pg_temp.f()",
        "LISTEN x",
        "",
        "  -- nothing\n",
    ] {
        refused(sql, Context::Scoped);
    }
    assert!(refused("SELECT 1; DELETE FROM deals", Context::Scoped).contains("second"));
    assert!(refused("BEGIN", Context::Scoped).contains("scope.transaction"));
}

#[test]
fn the_plain_client_keeps_ordinary_session_work() {
    for sql in [
        "SET statement_timeout = 5000",
        "SELECT 1; SELECT 2",
        "RESET ALL",
        "SELECT count(*) FROM users",
        "LISTEN jobs",
        "CREATE DATABASE tenant_copy",
        "DROP DATABASE IF EXISTS tenant_copy",
        "SELECT temp, temporary FROM weather",
        "CREATE TABLE weather (temp int, temporary bool)",
        "INSERT INTO t SELECT 1",
        "MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE",
    ] {
        assert_eq!(check(sql, Context::Plain), Ok(()), "{sql}");
    }
}

#[test]
fn unterminated_input_is_refused_not_guessed() {
    for sql in [
        "SELECT 'abc",
        "SELECT \"abc",
        "SELECT /* /* */ 1",
        "SELECT $a$ x",
        "SELECT E'\\'",
    ] {
        assert!(refused(sql, Context::Plain).starts_with("unterminated"), "{sql}");
    }
}

#[test]
fn refusals_point_at_the_offending_token() {
    let sql = "SELECT id FROM deals WHERE set_config('a','b',true) IS NULL";
    let r = check(sql, Context::Scoped).unwrap_err();
    assert_eq!(&sql[r.start..r.end], "set_config");
}

#[test]
fn never_panics_on_odd_bytes() {
    for sql in [
        "$", "$$", "$1$", "U&'\\", "U&'\\+'", "é'", "\"\"", "/*", "-", "E'\\", "ü(", "$a",
    ] {
        let _ = check(sql, Context::Scoped);
        let _ = check(sql, Context::Plain);
    }
}

#[test]
fn a_pool_that_resets_sessions_may_use_temporary_objects() {
    for sql in [
        "CREATE TEMP TABLE staging (x int)",
        "SELECT * INTO TEMP t FROM staging",
        "SELECT * FROM pg_temp.t",
    ] {
        refused(sql, Context::Plain);
        assert_eq!(check(sql, Context::PlainReset), Ok(()), "{sql}");
    }
    refused("SELECT set_config('trato.tenant_id', 'b', false)", Context::PlainReset);
    refused("SET ROLE postgres", Context::PlainReset);
}
