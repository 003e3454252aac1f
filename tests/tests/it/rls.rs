//! Tenant isolation in the database itself: as the application's role, row-level security hides other
//! organizations' rows from raw SQL, a missing tenant binding means no rows, and composite foreign keys
//! stop a row from referencing another organization's row.

use trato_hive_runtime::tokio_postgres;
use trato_tests::harness::tenant_left_bound;
use trato_tests::TestDb;

/// Two organizations with a company and a deal each, written as the superuser (which bypasses RLS).
async fn two_orgs(t: &TestDb) {
    t.pool("")
        .conn()
        .await
        .expect("conn")
        .batch_execute(
            "INSERT INTO organizations (id, name, slug, updated_at) VALUES ('org_a', 'A', 'a', now()), ('org_b', 'B', 'b', now());
             INSERT INTO companies (id, organization_id, name, updated_at) VALUES ('co_a', 'org_a', 'Acme', now()), ('co_b', 'org_b', 'Bolt', now());
             INSERT INTO deals (id, organization_id, company_id, name, updated_at) VALUES ('deal_a', 'org_a', 'co_a', 'Buy Acme', now()), ('deal_b', 'org_b', 'co_b', 'Buy Bolt', now());",
        )
        .await
        .expect("seed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_application_role_owns_nothing_and_cannot_bypass_rls() {
    let t = TestDb::new().await;
    let app = t.app_pool("");
    let row = app
        .conn()
        .await
        .expect("app conn")
        .query_one(
            "SELECT r.rolsuper, r.rolbypassrls, (SELECT count(*) FROM pg_class c WHERE c.relowner = r.oid) AS owned
               FROM pg_roles r WHERE r.rolname = current_user",
            &[],
        )
        .await
        .expect("role");
    assert!(!row.get::<_, bool>(0) && !row.get::<_, bool>(1));
    assert_eq!(row.get::<_, i64>(2), 0);
    let off = app
        .conn()
        .await
        .expect("conn")
        .batch_execute("SET row_security = off; SELECT * FROM deals")
        .await
        .expect_err("cannot switch RLS off");
    assert_eq!(off.code(), Some("42501"), "{off:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn raw_sql_sees_only_the_bound_tenant_and_nothing_unbound() {
    // The database's own rules, as a process that sends its own SQL sees them: the application's client
    // refuses `trato_set_tenant`, so this runs on a detached connection (one that never returns to the pool).
    let t = TestDb::new().await;
    two_orgs(&t).await;
    let app = t.app_pool("");
    let mut c = app.conn().await.expect("conn").detach();
    let tx = c.transaction().await.expect("begin");
    tx.query("SELECT trato_set_tenant($1)", &[&"org_a"])
        .await
        .expect("bind");
    let rows = tx
        .query(
            "SELECT id FROM deals UNION ALL SELECT id FROM companies UNION ALL SELECT id FROM organizations ORDER BY 1",
            &[],
        )
        .await
        .expect("bound read");
    let seen: Vec<String> = rows.iter().map(|r| r.get(0)).collect();
    assert_eq!(seen, ["co_a", "deal_a", "org_a"]);
    let foreign: i64 = tx
        .query_one("SELECT count(*) FROM deals WHERE organization_id = 'org_b'", &[])
        .await
        .expect("count")
        .get(0);
    assert_eq!(
        foreign, 0,
        "another organization's rows are invisible even when asked for by name"
    );
    tx.commit().await.expect("commit");
    // No binding at all: zero rows, never all rows. The setting is transaction-local, so the connection
    // that was bound above has forgotten it.
    let row = c
        .query_one(
            "SELECT count(*), coalesce(current_setting('trato.tenant_id', true), '') FROM deals",
            &[],
        )
        .await
        .expect("count");
    assert_eq!(row.get::<_, i64>(0), 0);
    assert_eq!(
        row.get::<_, String>(1),
        "",
        "the binding did not outlive its transaction"
    );
    assert_eq!(tenant_left_bound(&app).await, "");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_into_or_towards_another_tenant_fail() {
    let t = TestDb::new().await;
    two_orgs(&t).await;
    let app = t.app_pool("");
    // A process sending its own SQL (see above), bound to org_a, one transaction per statement.
    let as_a = async |sql: &'static str| -> Result<u64, tokio_postgres::Error> {
        let mut c = app.conn().await.expect("conn").detach();
        let tx = c.transaction().await?;
        tx.query("SELECT trato_set_tenant($1)", &[&"org_a"]).await?;
        let n = tx.execute(sql, &[]).await?;
        tx.commit().await?;
        Ok(n)
    };
    // A row for another tenant: refused by the policy's WITH CHECK.
    let other =
        as_a("INSERT INTO deals (id, organization_id, name, updated_at) VALUES ('x1', 'org_b', 'sneaky', now())")
            .await
            .expect_err("policy");
    assert_eq!(other.code().map(|c| c.code()), Some("42501"), "{other:?}");
    // Our own row pointing at another tenant's company: refused by the composite foreign key, even though
    // foreign key checks bypass RLS.
    let fk = as_a("INSERT INTO deals (id, organization_id, company_id, name, updated_at) VALUES ('x2', 'org_a', 'co_b', 'sneaky', now())").await.expect_err("fk");
    // (PostgreSQL leaves the key out of the detail under RLS, so only the constraint is known.)
    assert_eq!(
        fk.as_db_error().and_then(|d| d.constraint()),
        Some("deals_company_id_fkey"),
        "{fk:?}"
    );
    // Updating or deleting another tenant's rows touches nothing.
    assert_eq!(
        as_a("UPDATE deals SET name = 'hijacked' WHERE id = 'deal_b'")
            .await
            .expect("update"),
        0
    );
    assert_eq!(
        as_a("DELETE FROM companies WHERE id = 'co_b'").await.expect("delete"),
        0
    );
    // Moving our own row to another tenant is refused.
    let moved = as_a("UPDATE deals SET organization_id = 'org_b' WHERE id = 'deal_a'")
        .await
        .expect_err("move");
    assert_eq!(moved.code().map(|c| c.code()), Some("42501"), "{moved:?}");
    let name: String = t
        .pool("")
        .query("SELECT name FROM deals WHERE id = 'deal_b'", &[])
        .await
        .expect("read")[0]
        .get(0);
    assert_eq!(name, "Buy Bolt");
    // Deleting a company nulls only company_id on its deals (SET NULL (company_id)), never organization_id.
    assert_eq!(
        as_a("DELETE FROM companies WHERE id = 'co_a'")
            .await
            .expect("delete own"),
        1
    );
    let row = t
        .pool("")
        .query("SELECT organization_id, company_id FROM deals WHERE id = 'deal_a'", &[])
        .await
        .expect("read");
    assert_eq!(row[0].get::<_, String>(0), "org_a");
    assert_eq!(row[0].get::<_, Option<String>>(1), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn violations_on_tenant_tables_name_their_columns() {
    // PostgreSQL leaves the key's detail out under row-level security; the repositories fill the columns in
    // from the model's metadata, so the message says what collided.
    let t = TestDb::new().await;
    two_orgs(&t).await;
    let db = t.app_pool("");
    let a = trato_hive_db::system(&db, "error messages")
        .tenant("org_a")
        .await
        .expect("scope");
    use trato_hive_db::{Company, CompanyCreate, Deal, DealCreate};
    let dup = a
        .repo::<Company>()
        .create(CompanyCreate::new("Bolt".into()))
        .await
        .and(a.repo::<Company>().create(CompanyCreate::new("Bolt".into())).await)
        .expect_err("same name twice");
    assert!(
        matches!(&dup, trato_hive_runtime::Error::UniqueViolation { fields, .. } if fields == &["organization_id", "name"]),
        "{dup:?}"
    );
    assert!(dup.to_string().contains("(organization_id, name)"), "{dup}");
    let fk = a
        .repo::<Deal>()
        .create(DealCreate::new("x".into()).company_id("co_b"))
        .await
        .expect_err("another organization's company");
    assert!(
        matches!(&fk, trato_hive_runtime::Error::ForeignKeyViolation { fields, .. } if fields == &["company_id"]),
        "{fk:?}"
    );
}
