//! The pooled client against a real server: pool limits and timeouts, recycling, closing, errors and logs.

use std::time::{Duration, Instant};

use trato_hive_runtime::{Db, DbConfig, Error, TxOptions};
use trato_tests::TestDb;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_exhausted_pool_times_out_within_pool_timeout() {
    let t = TestDb::new().await;
    let db = t.pool("connection_limit=1&pool_timeout=0.3");
    let held = db.conn().await.expect("first checkout");
    let started = Instant::now();
    let err = db.conn().await.expect_err("the only connection is held");
    let waited = started.elapsed();
    assert!(matches!(err, Error::PoolTimeout { limit: 1, .. }), "{err:?}");
    assert!(waited >= Duration::from_millis(300), "gave up early: {waited:?}");
    assert!(waited < Duration::from_secs(5), "a checkout must not hang: {waited:?}");
    assert!(err.to_string().contains("connection_limit = 1"), "{err}");
    drop(held);
    db.conn().await.expect("free again once returned");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_recycle_clean_returned_connections_are_reset_before_reuse() {
    let t = TestDb::new().await;
    let db = t.pool("connection_limit=1&application_name=tests&recycle=clean");
    {
        let c = db.conn().await.expect("conn");
        c.batch_execute(
            "SET application_name = 'dirty'; SET statement_timeout = '1s'; CREATE TEMP TABLE leftover (x int)",
        )
        .await
        .expect("dirty");
    }
    let c = db.conn().await.expect("same connection again");
    let row = c
        .query_one(
            "SELECT current_setting('application_name'), current_setting('statement_timeout')",
            &[],
        )
        .await
        .expect("settings");
    assert_eq!(row.get::<_, String>(0), "tests");
    assert_eq!(row.get::<_, String>(1), "0");
    let temp = c
        .query("SELECT 1 FROM pg_tables WHERE tablename = 'leftover'", &[])
        .await
        .expect("temp tables");
    assert!(temp.is_empty(), "temporary tables of the previous user must be gone");
    assert_eq!(db.status().size, 1);
}

/// The default (`recycle=fast`) spends no round trip on a checkout; what makes that safe is that nothing the
/// runtime does outlives a checkout: a transaction abandoned mid-way (its future dropped) is rolled back
/// before the connection is handed out again, tenant binding included.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_recycle_fast_an_abandoned_transaction_does_not_reach_the_next_checkout() {
    let t = TestDb::new().await;
    let db = t.pool("connection_limit=1");
    assert_eq!(db.config().recycle, trato_hive_runtime::Recycle::Fast);
    db.execute("CREATE TABLE t (v int)", &[]).await.expect("table");
    let abandoned = tokio::time::timeout(
        Duration::from_millis(300),
        db.transaction(TxOptions::default(), async |tx| {
            tx.execute("INSERT INTO t VALUES (1)", &[]).await?;
            tx.batch_execute("SET LOCAL search_path = abandoned").await?;
            tokio::time::sleep(Duration::from_secs(30)).await;
            Ok(())
        }),
    )
    .await;
    assert!(abandoned.is_err(), "the transaction was still running when dropped");
    tokio::time::sleep(Duration::from_millis(50)).await;
    let c = db.conn().await.expect("the same connection again");
    let row = c
        .query_one(
            "SELECT now() > clock_timestamp() - interval '200 ms', current_setting('search_path'), \
             (SELECT count(*) FROM t)",
            &[],
        )
        .await
        .expect("state");
    assert!(
        row.get::<_, bool>(0),
        "no transaction may be open at checkout (it would have started 350 ms ago)"
    );
    assert_ne!(
        row.get::<_, String>(1),
        "abandoned",
        "a transaction-local setting must not survive"
    );
    assert_eq!(row.get::<_, i64>(2), 0, "the abandoned insert was rolled back");
    assert!("sometimes".parse::<trato_hive_runtime::Recycle>().is_err());
    let err = DbConfig::from_url("postgresql://u@h/db?recycle=sometimes").expect_err("bad value");
    assert!(err.to_string().contains("fast, verified, clean"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_client_refuses_checkouts() {
    let t = TestDb::new().await;
    let db = t.pool("");
    db.query("SELECT 1", &[]).await.expect("works before close");
    db.close();
    assert!(db.is_closed());
    assert!(matches!(db.conn().await, Err(Error::Closed)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn constraint_violations_are_classified() {
    let t = TestDb::empty().await;
    let db = t.pool("");
    let c = db.conn().await.expect("conn");
    c.batch_execute(
        "CREATE TABLE orgs (id text PRIMARY KEY, slug text NOT NULL CONSTRAINT orgs_slug_key UNIQUE, size int CONSTRAINT orgs_size_check CHECK (size > 0));
         CREATE TABLE deals (id text PRIMARY KEY, org_id text NOT NULL CONSTRAINT deals_org_id_fkey REFERENCES orgs (id));
         INSERT INTO orgs VALUES ('o1', 'acme', 1);",
    )
    .await
    .expect("schema");
    let dup = c
        .execute("INSERT INTO orgs VALUES ('o2', $1, 1)", &[&"acme"])
        .await
        .expect_err("duplicate slug");
    match &dup {
        Error::UniqueViolation {
            constraint,
            table,
            fields,
        } => {
            assert_eq!(constraint.as_deref(), Some("orgs_slug_key"));
            assert_eq!(table.as_deref(), Some("orgs"));
            assert_eq!(fields, &["slug"]);
        }
        other => panic!("{other:?}"),
    }
    assert!(!dup.to_string().contains("acme"), "values stay out of messages: {dup}");
    let fk = c
        .execute("INSERT INTO deals VALUES ('d1', 'nope')", &[])
        .await
        .expect_err("missing org");
    assert!(
        matches!(&fk, Error::ForeignKeyViolation { fields, .. } if fields == &["org_id"]),
        "{fk:?}"
    );
    let check = c
        .execute("INSERT INTO orgs VALUES ('o3', 'x', 0)", &[])
        .await
        .expect_err("size 0");
    assert!(
        matches!(&check, Error::CheckViolation { constraint: Some(n), .. } if n == "orgs_size_check"),
        "{check:?}"
    );
    let null = c
        .execute("INSERT INTO orgs (id) VALUES ('o4')", &[])
        .await
        .expect_err("slug missing");
    assert!(
        matches!(&null, Error::NotNullViolation { column: Some(col), .. } if col == "slug"),
        "{null:?}"
    );
    assert_eq!(null.code(), Some("23502"));
    let syntax = c.execute("SELEC 1", &[]).await.expect_err("typo");
    assert!(
        matches!(&syntax, Error::Database { code, .. } if code == "42601"),
        "{syntax:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_server_is_named_with_a_hint_and_no_password() {
    let port = trato_pg::free_port().expect("port");
    let db = Db::connect(
        DbConfig::from_url(&format!(
            "postgresql://app:hunter2secret@127.0.0.1:{port}/x?connect_timeout=2&sslmode=disable"
        ))
        .expect("url"),
    )
    .expect("pool");
    let err = db.conn().await.expect_err("nothing listens there");
    let text = format!("{err} {err:?}");
    assert!(matches!(err, Error::Unreachable { .. }), "{err:?}");
    assert!(
        text.contains(&format!("Can't reach database server at `127.0.0.1:{port}`")),
        "{text}"
    );
    assert!(text.contains("check that PostgreSQL is running there"), "{text}");
    assert!(!text.contains("hunter2secret"), "{text}");
    // Why is the error's source: the driver's message, and the I/O kind for code that reacts to it.
    let Error::Unreachable { cause, .. } = &err else {
        unreachable!()
    };
    let source = std::error::Error::source(&err).expect("a source").to_string();
    assert_eq!(source, cause.to_string());
    assert!(source.contains("Connection refused"), "{source}");
    assert_eq!(cause.io_kind(), Some(std::io::ErrorKind::ConnectionRefused));
    assert!(
        !err.to_string().contains(&source),
        "the cause is printed once, by whoever walks the chain"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_password_is_an_auth_error_without_the_password() {
    let t = TestDb::new().await;
    let (scheme_user, host_db) = t.url.split_once('@').expect("url with credentials");
    let user = scheme_user
        .trim_start_matches("postgresql://")
        .split(':')
        .next()
        .unwrap_or("postgres")
        .to_string();
    let url = format!("postgresql://{user}:not-the-password-42@{host_db}");
    let db = Db::connect(DbConfig::from_url(&format!("{url}?sslmode=disable")).expect("url")).expect("pool");
    let err = db.conn().await.expect_err("wrong password");
    let text = format!("{err} {err:?}");
    assert!(matches!(err, Error::Auth { .. }), "{err:?}");
    assert!(
        text.contains(&format!("authentication failed for user `{user}`")),
        "{text}"
    );
    assert!(!text.contains("not-the-password-42"), "{text}");
}

#[test]
fn a_malformed_url_is_a_config_error_without_the_password() {
    for url in [
        "postgresql://u:hunter2secret@host:99999/db",
        "http://u:hunter2secret@host/db",
        "postgresql://u:hunter2secret@h/db?connection_limit=-1",
    ] {
        let err = DbConfig::from_url(url).expect_err(url);
        let text = format!("{err} {err:?}");
        assert!(matches!(err, Error::Config(_)), "{url}: {err:?}");
        assert!(!text.contains("hunter2secret"), "{text}");
    }
}

/// Collects the `trato_hive::query` events emitted on this thread.
mod capture {
    use std::sync::{Arc, Mutex};
    use tracing::field::{Field, Visit};
    use tracing::span::{Attributes, Id, Record};
    use tracing::{Event, Metadata, Subscriber};

    #[derive(Clone, Default)]
    pub struct Capture(pub Arc<Mutex<Vec<String>>>);

    struct Fields(String);
    impl Visit for Fields {
        fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
            self.0.push_str(&format!("{}={:?} ", field.name(), value));
        }
    }

    impl Subscriber for Capture {
        fn enabled(&self, m: &Metadata<'_>) -> bool {
            m.target().starts_with("trato_hive")
        }
        fn new_span(&self, _: &Attributes<'_>) -> Id {
            Id::from_u64(1)
        }
        fn record(&self, _: &Id, _: &Record<'_>) {}
        fn record_follows_from(&self, _: &Id, _: &Id) {}
        fn event(&self, e: &Event<'_>) {
            let mut f = Fields(String::new());
            e.record(&mut f);
            if let Ok(mut v) = self.0.lock() {
                v.push(f.0);
            }
        }
        fn enter(&self, _: &Id) {}
        fn exit(&self, _: &Id) {}
    }
}

#[test]
fn statements_are_logged_only_when_asked() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("rt");
    let capture = capture::Capture::default();
    let _guard = tracing::subscriber::set_default(capture.clone());
    rt.block_on(async {
        let t = TestDb::new().await;
        let quiet = t.pool("");
        quiet.query("SELECT 1 AS quiet", &[]).await.expect("query");
        let mut cfg = DbConfig::from_url(&format!("{}?sslmode=disable", t.url)).expect("url");
        cfg.log_queries = true;
        let loud = Db::connect(cfg).expect("pool");
        loud.query("SELECT $1::int AS loud", &[&7i32]).await.expect("query");
    });
    let events = capture.0.lock().expect("events").clone();
    assert!(!events.iter().any(|e| e.contains("quiet")), "{events:?}");
    let loud: Vec<&String> = events.iter().filter(|e| e.contains("SELECT $1::int AS loud")).collect();
    assert_eq!(loud.len(), 1, "{events:?}");
    assert!(
        loud[0].contains("params=1") && loud[0].contains("rows=1 ") && loud[0].contains("elapsed_us="),
        "{}",
        loud[0]
    );
    assert!(
        !events.iter().any(|e| e.contains("postgres:")),
        "no URL or password in logs: {events:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_is_the_version_asked_for() {
    let t = TestDb::new().await;
    let num: String = t.pool("").query("SHOW server_version_num", &[]).await.expect("version")[0].get(0);
    let major: u32 = num.parse::<u32>().expect("number") / 10_000;
    assert!(major >= 16, "PostgreSQL {major} is below the supported floor");
    if let Ok(asked) = std::env::var("TRATO_PG_VERSION") {
        if std::env::var("DATABASE_URL").is_err() {
            assert_eq!(
                major.to_string(),
                asked,
                "TRATO_PG_VERSION={asked} but the server is {num}"
            );
        }
    }
}
