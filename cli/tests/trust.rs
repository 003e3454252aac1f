//! Migrations a production team can trust, through the CLI against a real server: drift that sees what the
//! security model depends on, guard rails on destructive commands, checksums over every file, recovery.

use std::fs;
use std::path::{Path, PathBuf};

mod common;
use common::*;

/// A tenancy project (`trato init`) with its first migration applied to `url`.
fn tenancy_project(name: &str, url: &str) -> PathBuf {
    let dir = temp_dir(name);
    let init = trato(&dir, &["init", "--tenant-root", "Team", "--tenant-key", "teamId"]);
    assert!(init.status.success(), "{}", err(&init));
    let dev = trato_on(&dir, url, &["migrate", "dev", "--name", "init"]);
    assert!(dev.status.success(), "{}", err(&dev));
    dir
}

/// How many Membership rows the application role sees with no tenant bound: 0 unless isolation is broken.
fn seen_without_tenant(url: &str, table: &str) -> String {
    scalar(
        url,
        &format!("BEGIN; SET LOCAL ROLE trato_app; SELECT count(*)::text FROM {table}"),
    )
}

fn drift(dir: &Path, url: &str) -> (Option<i32>, String) {
    let run = trato_on(dir, url, &["db", "drift"]);
    (run.status.code(), format!("{}{}", out(&run), err(&run)))
}

/// The two findings that matter most (a tenant function replaced by hand; a view that reads every tenant,
/// granted to the application role), and the other objects drift used to miss: each applied to a database
/// of its own, each named by `db drift`, which exits 1.
#[test]
fn drift_sees_what_isolation_depends_on() {
    let (_server, url) = database("drift_control");
    let dir = tenancy_project("drift", &url);
    let rows = r#"INSERT INTO "User" (id, email) VALUES ('u1', 'a@x'), ('u2', 'b@x');
        INSERT INTO "Team" (id, name) VALUES ('team-a', 'A'), ('team-b', 'B');
        INSERT INTO "Membership" (id, "teamId", "userId") VALUES ('m1', 'team-a', 'u1'), ('m2', 'team-b', 'u2');"#;
    exec(&url, rows);
    let (code, said) = drift(&dir, &url);
    assert_eq!(code, Some(0), "{said}");
    assert!(said.contains("matches its migrations"), "{said}");
    assert_eq!(seen_without_tenant(&url, "\"Membership\""), "0");

    let cases: &[(&str, &str, &[&str])] = &[
        (
            "tenant_fn",
            "CREATE OR REPLACE FUNCTION trato_current_tenant() RETURNS TEXT LANGUAGE sql STABLE AS $$
                 SELECT COALESCE(NULLIF(current_setting('trato.tenant_id', true), ''), 'team-a') $$",
            &[
                "- function trato_current_tenant() returns text sql stable body=",
                "+ function trato_current_tenant()",
            ],
        ),
        (
            "open_view",
            "CREATE VIEW every_membership AS SELECT * FROM \"Membership\";
             GRANT SELECT ON every_membership TO trato_app",
            &[
                "+ view every_membership",
                "+ grant SELECT on view every_membership to trato_app",
            ],
        ),
        (
            "trigger",
            "CREATE FUNCTION audit_off() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
             CREATE TRIGGER audit_off BEFORE INSERT ON \"Team\" FOR EACH ROW EXECUTE FUNCTION audit_off()",
            &[
                "+ trigger Team.audit_off enabled=O",
                "+ function audit_off() returns trigger plpgsql",
            ],
        ),
        (
            "sequence",
            "CREATE SEQUENCE invoice_no",
            &["+ sequence invoice_no bigint"],
        ),
        (
            "no_force",
            "ALTER TABLE \"Membership\" NO FORCE ROW LEVEL SECURITY",
            &[
                "- rls Membership enabled=t forced=t",
                "+ rls Membership enabled=t forced=f",
            ],
        ),
        (
            "open_policy",
            "CREATE POLICY everyone ON \"Membership\" USING (true)",
            &["+ policy Membership.everyone PERMISSIVE ALL"],
        ),
        (
            "public_grant",
            "GRANT SELECT ON \"Membership\" TO PUBLIC",
            &["+ grant SELECT on table Membership to PUBLIC"],
        ),
        (
            "definer",
            "ALTER FUNCTION trato_set_tenant(TEXT) SECURITY DEFINER",
            &["+ function trato_set_tenant(tenant text) returns void plpgsql security definer"],
        ),
        ("extension", "CREATE EXTENSION citext", &["+ extension citext"]),
        (
            "column_grant",
            "GRANT UPDATE (role) ON \"Membership\" TO PUBLIC",
            &["+ grant UPDATE on column Membership.role to PUBLIC"],
        ),
        (
            "rule",
            "CREATE RULE no_delete AS ON DELETE TO \"Team\" DO INSTEAD NOTHING",
            &["+ rule Team.no_delete"],
        ),
    ];
    for (name, tamper, expected) in cases {
        let case_url = sibling(&url, &format!("drift_{name}"));
        let deploy = trato_on(&dir, &case_url, &["migrate", "deploy"]);
        assert!(deploy.status.success(), "{name}: {}", err(&deploy));
        exec(&case_url, rows);
        exec(&case_url, tamper);
        let (code, said) = drift(&dir, &case_url);
        assert_eq!(code, Some(1), "{name}: drift must fail:\n{said}");
        assert!(
            said.contains("differs from what its migrations produce"),
            "{name}: {said}"
        );
        for line in *expected {
            assert!(said.contains(line), "{name}: `{line}` missing from:\n{said}");
        }
    }
    // Why the first two matter: with them, the application role reads rows of a tenant it never bound.
    let tampered = url.replace("/drift_control?", "/drift_tenant_fn?");
    assert_eq!(seen_without_tenant(&tampered, "\"Membership\""), "1");
    let viewed = url.replace("/drift_control?", "/drift_open_view?");
    assert_eq!(seen_without_tenant(&viewed, "every_membership"), "2");
    let _ = fs::remove_dir_all(&dir);
}
