//! The holes of issue 12, each as the attack that found it: a VIEWER writing through raw SQL, raw SQL
//! re-binding the tenant or leaving a binding on a pooled connection, a cancelled first statement leaving a
//! transaction unbound, a migration by an owner without BYPASSRLS seeing zero rows, a blank system reason.
//! Literal SQL of the refused kinds does not compile (tests/ui/fail_raw_sql_*); what reaches the run-time
//! guard here goes through `RawSql::__literal`, the constructor `sql!` expands to, as code that bypassed
//! the macro would.

use trato_hive_db::runtime::{sql, Db, Error, Filter, Migration, Migrator, Param, Query, RawSql, TxOptions};
use trato_hive_db::*;
use trato_tests::harness::tenant_left_bound;
use trato_tests::TestDb;

/// Two organizations: org_a with an OWNER (uo) and a VIEWER (uv), org_b with its OWNER (ub); one company
/// and one deal each.
async fn two_orgs(t: &TestDb, org_a: &str) {
    t.pool("")
        .conn()
        .await
        .expect("conn")
        .detach()
        .execute(
            "INSERT INTO users (id, email, updated_at) VALUES ('uo', 'uo@x', now()), ('uv', 'uv@x', now()), ('ub', 'ub@x', now());
             ",
            &[],
        )
        .await
        .expect("users");
    let admin = t.pool("").conn().await.expect("conn").detach();
    for (org, slug, company, deal) in [(org_a, "a", "co_a", "deal_a"), ("org_b", "b", "co_b", "deal_b")] {
        admin
            .execute(
                "INSERT INTO organizations (id, name, slug, updated_at) VALUES ($1, $2, $2, now())",
                &[&org, &slug],
            )
            .await
            .expect("org");
        admin
            .execute(
                "INSERT INTO companies (id, organization_id, name, updated_at) VALUES ($1, $2, $1, now())",
                &[&company, &org],
            )
            .await
            .expect("company");
        admin
            .execute(
                "INSERT INTO deals (id, organization_id, company_id, name, updated_at) VALUES ($1, $2, $3, $1, now())",
                &[&deal, &org, &company],
            )
            .await
            .expect("deal");
    }
    for (id, org, user, role) in [
        ("m_o", org_a, "uo", "OWNER"),
        ("m_v", org_a, "uv", "VIEWER"),
        ("m_b", "org_b", "ub", "OWNER"),
    ] {
        admin
            .execute(
                "INSERT INTO organization_members (id, organization_id, user_id, role, updated_at) \
                 VALUES ($1, $2, $3, $4::text::\"OrganizationRole\", now())",
                &[&id, &org, &user, &role],
            )
            .await
            .expect("member");
    }
}

fn raw(sql: &'static str, params: Vec<Param>) -> RawSql {
    RawSql::__literal(sql, params)
}

fn refused<T: std::fmt::Debug>(r: Result<T, Error>, what: &str) {
    assert!(matches!(r, Err(Error::RefusedSql { .. })), "{what}: {r:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_viewer_cannot_write_through_raw_sql() {
    let t = TestDb::new().await;
    two_orgs(&t, "org_a").await;
    let db = t.app_pool("");
    let viewer = scope(&db, "uv", "org_a").await.expect("member");
    assert_eq!(viewer.role(), "VIEWER");
    let viewer = viewer.read();
    let attempts = [
        viewer
            .raw(sql!(
                "INSERT INTO organization_members (id, organization_id, user_id, role, updated_at) \
                 VALUES ('m_x', 'org_a', 'ub', 'OWNER', now())"
            ))
            .await,
        viewer
            .raw(sql!(
                "UPDATE organization_members SET role = 'OWNER' WHERE user_id = $1",
                "uv"
            ))
            .await,
        viewer
            .raw(sql!("DELETE FROM organization_members WHERE user_id = 'uo'"))
            .await,
        viewer
            .raw(sql!("UPDATE users SET email = 'stolen@x' WHERE id = 'ub'"))
            .await,
        viewer
            .transaction(TxOptions::default(), async |tx| tx.raw(sql!("DELETE FROM deals")).await)
            .await,
    ];
    for (i, attempt) in attempts.into_iter().enumerate() {
        let e = attempt.expect_err("a read-only scope writes nothing");
        assert_eq!(e.code(), Some("25006"), "attempt {i}: {e:?}");
    }
    assert_eq!(
        scope(&db, "uv", "org_a").await.expect("member").role(),
        "VIEWER",
        "the viewer's next scope is still a viewer's"
    );
    let admin = t.pool("");
    let unchanged = admin
        .query(
            "SELECT (SELECT count(*) FROM organization_members), (SELECT email FROM users WHERE id = 'ub'), \
             (SELECT count(*) FROM deals)",
            &[],
        )
        .await
        .expect("read");
    assert_eq!(unchanged[0].get::<_, i64>(0), 3);
    assert_eq!(unchanged[0].get::<_, String>(1), "ub@x");
    assert_eq!(unchanged[0].get::<_, i64>(2), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn raw_sql_cannot_rebind_the_tenant_nor_leave_a_binding_behind() {
    let t = TestDb::new().await;
    two_orgs(&t, "org_a").await;
    let db = t.app_pool("connection_limit=1");
    let a = system(&db, "isolation test").tenant("org_a").await.expect("scope");
    let b = || -> Vec<Param> { vec![Box::new("org_b".to_string())] };
    // In one statement.
    for sql in [
        "SELECT trato_set_tenant('org_b')::text, (SELECT string_agg(id, ',') FROM deals)",
        "SELECT set_config('trato.tenant_id', 'org_b', true), (SELECT string_agg(id, ',') FROM deals)",
        "WITH x AS (SELECT set_config('trato.tenant_id', 'org_b', true)) SELECT string_agg(id, ',') FROM deals, x",
        "SELECT * INTO TEMP leaked FROM deals",
        "SELECT query_to_xml('SELECT set_config(''trato.tenant_id'', ''org_b'', true)', true, true, '')",
    ] {
        refused(a.raw(raw(sql, vec![])).await, sql);
    }
    // Leaving a session-level binding on the pooled connection.
    refused(
        a.raw(raw("SELECT set_config('trato.tenant_id', $1, false)", b())).await,
        "session binding through a scope",
    );
    refused(
        db.query("SELECT set_config('trato.tenant_id', $1, false)", &[&"org_b"])
            .await,
        "session binding through the plain client",
    );
    let conn = db.conn().await.expect("conn");
    for sql in [
        "SET trato.tenant_id = 'org_b'",
        "SET SESSION \"trato.tenant_id\" TO 'org_b'",
        "SELECT trato_set_tenant('org_b')",
        "SET ROLE postgres",
        "DO $$ BEGIN PERFORM set_config('trato.tenant_id', 'org_b', false); END $$",
        "CREATE TEMP VIEW deals AS SELECT * FROM public.deals",
    ] {
        refused(conn.batch_execute(sql).await, sql);
    }
    drop(conn);
    refused(
        db.transaction(TxOptions::default(), async |tx| {
            tx.batch_execute("SET LOCAL trato.tenant_id = 'org_b'").await
        })
        .await,
        "plain transaction",
    );
    // Inside a scoped transaction, followed by a second statement that would read with the new binding.
    let seen = a
        .transaction(TxOptions::default(), async |tx| {
            for sql in [
                "SET LOCAL trato.tenant_id = 'org_b'",
                "SELECT set_config('trato.tenant_id', 'org_b', true)",
                "DO $$ BEGIN PERFORM set_config('trato.tenant_id', 'org_b', true); END $$",
                "COMMIT",
            ] {
                refused(tx.raw(raw(sql, vec![])).await, sql);
            }
            let rows = tx.raw(sql!("SELECT id FROM deals ORDER BY 1")).await?;
            Ok(rows.iter().map(|r| r.get::<_, String>(0)).collect::<Vec<_>>())
        })
        .await
        .expect("transaction");
    assert_eq!(seen, ["deal_a"]);
    assert_eq!(
        tenant_left_bound(&db).await,
        "",
        "nothing was left on the pooled connection"
    );
    let unbound: i64 = db.query("SELECT count(*) FROM deals", &[]).await.expect("count")[0].get(0);
    assert_eq!(unbound, 0, "the plain client sees no tenant's rows");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_first_statement_never_leaves_the_transaction_unbound() {
    // An id that goes through the bound function (a space and a slash), so the binding is a statement of
    // its own that the first statement's future sends.
    let odd = "atk odd/org";
    let t = TestDb::new().await;
    two_orgs(&t, odd).await;
    let db = t.app_pool("connection_limit=1");
    let s = system(&db, "cancellation test").tenant(odd).await.expect("scope");
    for attempt in 0..10 {
        let seen = s
            .transaction(TxOptions::default(), async |tx| {
                // Polled once, then dropped, as `select!` or a timeout would.
                let companies = tx.repo::<Company>();
                let first = companies.count(Filter::all());
                tokio::select! {
                    biased;
                    _ = first => {}
                    _ = std::future::ready(()) => {}
                }
                let rows = tx.raw(sql!("SELECT id FROM deals ORDER BY 1")).await?;
                Ok(rows.iter().map(|r| r.get::<_, String>(0)).collect::<Vec<_>>())
            })
            .await
            .expect("transaction");
        assert_eq!(
            seen,
            ["deal_a"],
            "attempt {attempt}: the rest of the transaction ran unbound"
        );
    }
    assert_eq!(tenant_left_bound(&db).await, "");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_system_scope_needs_a_reason() {
    let t = TestDb::new().await;
    let db = t.app_pool("");
    for reason in ["", "   ", "\t\n"] {
        let r = system(&db, reason).tenant("org_a").await;
        assert!(matches!(r, Err(Error::Forbidden { .. })), "{reason:?}: {r:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_migration_by_an_owner_without_bypassrls_fails_instead_of_seeing_zero_rows() {
    let t = TestDb::new().await;
    two_orgs(&t, "org_a").await;
    // The managed-PostgreSQL case: the tables' owner runs migrations and cannot bypass row-level security.
    let owner = format!("owner_{}", t.name);
    t.pool("")
        .conn()
        .await
        .expect("conn")
        .detach()
        .batch_execute(&format!(
            "CREATE ROLE {owner} LOGIN PASSWORD 'pw' NOBYPASSRLS; \
             ALTER TABLE companies OWNER TO {owner}; \
             GRANT CREATE, USAGE ON SCHEMA public TO {owner}; \
             GRANT ALL ON _trato_migrations TO {owner};"
        ))
        .await
        .expect("owner role");
    let mut migrations = trato_hive_db::MIGRATIONS.to_vec();
    migrations.push(Migration {
        name: "99990101000000_move_employees",
        up: "CREATE TABLE company_sizes AS SELECT id, organization_id, employees FROM companies;\n\
             ALTER TABLE companies DROP COLUMN employees;\n",
        down: None,
    });
    let err = Migrator::new(&migrations)
        .deploy(&t.config_as(&owner, "pw", ""))
        .await
        .expect_err("a data statement filtered by RLS must fail the migration");
    // The cause is the error's source, not repeated in its message.
    let cause = std::error::Error::source(&err)
        .map(ToString::to_string)
        .unwrap_or_default();
    assert!(!err.to_string().contains("row-level security"), "{err}");
    assert!(cause.contains("row-level security"), "{err}: {cause}");
    let kept: i64 = t
        .pool("")
        .query(
            "SELECT count(*) FROM information_schema.columns WHERE table_name = 'companies' AND column_name = 'employees'",
            &[],
        )
        .await
        .expect("catalog")[0]
        .get(0);
    assert_eq!(kept, 1, "the migration was rolled back, column and all");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_to_many_links_between_tenant_owned_models_belong_to_one_tenant() {
    use trato_tests::tenancy::{Label, Project, Task};
    let src = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../codegen/test_data/valid/tenancy.prisma"
    ))
    .expect("schema");
    let ddl = trato_codegen::ddl(&src).expect("valid schema");
    let t = TestDb::empty().await;
    let admin = t.pool("").conn().await.expect("conn").detach();
    admin
        .batch_execute(&ddl)
        .await
        .expect("the join table's composite keys apply");
    admin
        .batch_execute(
            "INSERT INTO orgs (id, slug) VALUES ('org_a', 'a'), ('org_b', 'b');
             INSERT INTO projects (id, org_id, name) VALUES ('p_a', 'org_a', 'P'), ('p_b', 'org_b', 'P');
             INSERT INTO tasks (id, org_id, project_id) VALUES ('t_a', 'org_a', 'p_a'), ('t_b', 'org_b', 'p_b');
             INSERT INTO labels (id, org_id, name) VALUES ('l_a', 'org_a', 'L'), ('l_b', 'org_b', 'L');
             INSERT INTO \"_LabelToTask\" (org_id, \"A\", \"B\") VALUES ('org_a', 'l_a', 't_a'), ('org_b', 'l_b', 't_b');",
        )
        .await
        .expect("rows");
    let db = t.app_pool("");
    let a = db.system::<Project>("m2m test").tenant("org_a").await.expect("scope");
    // Reading through the relation: our links only.
    let tasks = a
        .repo::<Task>()
        .find_many_with(Query::new(), Task::LABELS)
        .await
        .expect("include");
    let seen: Vec<(String, Vec<String>)> = tasks
        .into_iter()
        .map(|(t, labels)| (t.id, labels.into_iter().map(|l| l.id).collect()))
        .collect();
    assert_eq!(seen, [("t_a".to_string(), vec!["l_a".to_string()])]);
    // Counting through the join table: our links only, in one grouped statement.
    let counts: Vec<(String, i64)> = a
        .repo::<Task>()
        .find_many_with(Query::new(), Task::LABELS.count())
        .await
        .expect("count")
        .into_iter()
        .map(|(t, n)| (t.id, n))
        .collect();
    assert_eq!(counts, [("t_a".to_string(), 1)]);
    // Relation filters through the join table (some / none / every): our links and labels only, though
    // org_b's task is linked to a label of the same name.
    let named = |f| async { a.repo::<Task>().count(f).await.expect("relation filter") };
    assert_eq!(named(Task::LABELS.some(Label::NAME.eq("L".to_string()))).await, 1);
    assert_eq!(named(Task::LABELS.none(Label::NAME.eq("L".to_string()))).await, 0);
    assert_eq!(named(Task::LABELS.every(Label::NAME.eq("L".to_string()))).await, 1);
    assert_eq!(named(Task::LABELS.some(Label::ID.eq("l_b".to_string()))).await, 0);
    assert_eq!(named(Task::PROJECT.is_not(Project::NAME.eq("P".to_string()))).await, 0);
    // Linking and unlinking through the relation: our rows only; another tenant's label cannot be linked.
    let second = a
        .repo::<Label>()
        .create(trato_tests::tenancy::LabelCreate::new("M".into()))
        .await
        .expect("label");
    let added = a
        .repo::<Task>()
        .link(
            Task::LABELS,
            "t_a".to_string(),
            vec![second.id.clone(), "l_a".to_string()],
        )
        .await
        .expect("link");
    assert_eq!(added, 1, "l_a was linked already");
    let leak = a
        .repo::<Task>()
        .link(Task::LABELS, "t_a".to_string(), vec!["l_b".to_string()])
        .await;
    assert!(matches!(leak, Err(Error::ForeignKeyViolation { .. })), "{leak:?}");
    let removed = a
        .repo::<Task>()
        .unlink(Task::LABELS, "t_a".to_string(), Some(vec!["l_a".to_string()]))
        .await
        .expect("unlink");
    assert_eq!(removed, 1);
    let b_scope = db.system::<Project>("m2m test").tenant("org_b").await.expect("scope");
    let theirs_removed = b_scope
        .repo::<Task>()
        .unlink(Task::LABELS, "t_a".to_string(), None::<Vec<String>>)
        .await
        .expect("their unlink");
    assert_eq!(theirs_removed, 0, "another tenant's links are not theirs to remove");
    // `set`: exactly these links (M kept, l_a added); another tenant's label cannot be among them.
    let (removed, added) = a
        .repo::<Task>()
        .set_links(
            Task::LABELS,
            "t_a".to_string(),
            vec![second.id.clone(), "l_a".to_string()],
        )
        .await
        .expect("set");
    assert_eq!((removed, added), (0, 1));
    let (removed, added) = a
        .repo::<Task>()
        .set_links(Task::LABELS, "t_a".to_string(), vec!["l_a".to_string()])
        .await
        .expect("set");
    assert_eq!((removed, added), (1, 0));
    let leak = a
        .repo::<Task>()
        .set_links(Task::LABELS, "t_a".to_string(), vec!["l_b".to_string()])
        .await;
    assert!(matches!(leak, Err(Error::ForeignKeyViolation { .. })), "{leak:?}");
    // Back to the fixture's state for what follows: l_a linked, M gone.
    a.repo::<Label>().delete(second.id).await.expect("delete M");
    let labels = a
        .repo::<Label>()
        .find_many_with(Query::new(), Label::TASKS)
        .await
        .expect("include");
    assert_eq!(labels.len(), 1);
    assert_eq!(labels[0].1.iter().map(|t| t.id.as_str()).collect::<Vec<_>>(), ["t_a"]);
    // Linking our label to another tenant's task, or writing a link for another tenant: refused.
    let cross = a
        .raw(sql!(
            "INSERT INTO \"_LabelToTask\" (org_id, \"A\", \"B\") VALUES ('org_a', 'l_a', 't_b')"
        ))
        .await
        .expect_err("composite foreign key");
    assert_eq!(cross.code(), Some("23503"), "{cross:?}");
    let foreign = a
        .raw(sql!(
            "INSERT INTO \"_LabelToTask\" (org_id, \"A\", \"B\") VALUES ('org_b', 'l_b', 't_b')"
        ))
        .await
        .expect_err("policy");
    assert_eq!(foreign.code(), Some("42501"), "{foreign:?}");
    // Reading or deleting every link touches only ours.
    let n: i64 = a
        .raw(sql!("SELECT count(*) FROM \"_LabelToTask\""))
        .await
        .expect("count")[0]
        .get(0);
    assert_eq!(n, 1);
    let gone = a
        .raw(sql!("DELETE FROM \"_LabelToTask\" RETURNING \"B\""))
        .await
        .expect("delete");
    assert_eq!(gone.len(), 1);
    let unbound: i64 = db
        .query("SELECT count(*) FROM \"_LabelToTask\"", &[])
        .await
        .expect("count")[0]
        .get(0);
    assert_eq!(unbound, 0, "no binding, no links");
    let left: Vec<String> = t
        .pool("")
        .query("SELECT org_id FROM \"_LabelToTask\"", &[])
        .await
        .expect("links")
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(left, ["org_b"]);
    // A task created with its labels connected, in one transaction: ours link; another tenant's label
    // fails the join table's composite key and the task is not created either.
    let (task, linked) = a
        .create_with(
            trato_tests::tenancy::TaskCreate::new("p_a".into()),
            Task::LABELS.connect(vec!["l_a".to_string()]),
        )
        .await
        .expect("create with labels");
    assert_eq!(linked, 1);
    let labels = a
        .repo::<Task>()
        .find_many_with(Task::ID.eq(task.id.clone()), Task::LABELS)
        .await
        .expect("labels");
    assert_eq!(labels[0].1.iter().map(|l| l.id.as_str()).collect::<Vec<_>>(), ["l_a"]);
    let before = a.repo::<Task>().count(Filter::all()).await.expect("tasks");
    let leak = a
        .create_with(
            trato_tests::tenancy::TaskCreate::new("p_a".into()),
            Task::LABELS.connect(vec!["l_a".to_string(), "l_b".to_string()]),
        )
        .await;
    assert!(matches!(leak, Err(Error::ForeignKeyViolation { .. })), "{leak:?}");
    assert_eq!(a.repo::<Task>().count(Filter::all()).await.expect("tasks"), before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_login_role_made_for_one_database_cannot_read_another() {
    let (one, two) = (TestDb::empty().await, TestDb::empty().await);
    for t in [&one, &two] {
        Migrator::new(trato_hive_db::MIGRATIONS)
            .deploy(&t.config())
            .await
            .expect("deploy");
    }
    two.pool("")
        .execute(
            "INSERT INTO users (id, email, updated_at) VALUES ('u2', 'secret@two', now())",
            &[],
        )
        .await
        .expect("a user of the other application");
    let login = format!("app_of_{}", one.name);
    Migrator::create_app_login(&one.config(), &login, "pw")
        .await
        .expect("login");
    Migrator::create_app_login(&one.config(), &login, "pw")
        .await
        .expect("twice is harmless");
    let own = Db::connect(one.config_as(&login, "pw", "")).expect("pool");
    let n: i64 = own
        .query("SELECT count(*) FROM users", &[])
        .await
        .expect("its own database")[0]
        .get(0);
    assert_eq!(n, 0);
    let other = Db::connect(two.config_as(&login, "pw", "")).expect("pool");
    let err = other
        .query("SELECT email FROM users", &[])
        .await
        .expect_err("another application's database");
    assert!(err.to_string().contains("permission denied for database"), "{err}");
}
