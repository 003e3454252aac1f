//! Transactions against a real server: commit, rollback on error and on panic, savepoints, isolation,
//! and retries of serialization failures.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use trato_hive_runtime::{Error, TxOptions};
use trato_tests::TestDb;

async fn count(db: &trato_hive_runtime::Db) -> i64 {
    db.conn()
        .await
        .expect("conn")
        .query_one("SELECT count(*) FROM t", &[])
        .await
        .expect("count")
        .get(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commits_on_ok_and_rolls_back_on_error() {
    let t = TestDb::new().await;
    let db = t.pool("");
    db.execute("CREATE TABLE t (v int)", &[]).await.expect("table");
    let n = db
        .transaction(TxOptions::default(), async |tx| {
            tx.execute("INSERT INTO t VALUES (1), (2)", &[]).await?;
            Ok(tx.query_one("SELECT count(*) FROM t", &[]).await?.get::<_, i64>(0))
        })
        .await
        .expect("commit");
    assert_eq!(n, 2);
    let err = db
        .transaction(TxOptions::default(), async |tx| {
            tx.execute("INSERT INTO t VALUES (3)", &[]).await?;
            Err::<(), _>(Error::NotFound {
                what: "something the closure needed".into(),
            })
        })
        .await
        .expect_err("closure failed");
    assert!(matches!(err, Error::NotFound { .. }));
    assert_eq!(count(&db).await, 2, "the failed transaction left nothing");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panic_inside_rolls_back_and_the_pool_recovers() {
    let t = TestDb::new().await;
    let db = t.pool("connection_limit=1");
    db.execute("CREATE TABLE t (v int)", &[]).await.expect("table");
    let db2 = db.clone();
    let joined = tokio::spawn(async move {
        db2.transaction(TxOptions::default(), async |tx| {
            tx.execute("INSERT INTO t VALUES (1)", &[]).await?;
            if tx.query_one("SELECT 1", &[]).await.is_ok() {
                panic!("application bug inside a transaction");
            }
            Ok(())
        })
        .await
    })
    .await;
    assert!(joined.is_err_and(|e| e.is_panic()));
    assert_eq!(count(&db).await, 0, "the panicking transaction was rolled back");
    assert_eq!(db.status().size, 1, "and its connection was reused, not leaked");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_savepoint_rolls_back_alone() {
    let t = TestDb::new().await;
    let db = t.pool("");
    db.execute("CREATE TABLE t (v int UNIQUE)", &[]).await.expect("table");
    let nested_err = db
        .transaction(TxOptions::default(), async |tx| {
            tx.execute("INSERT INTO t VALUES (1)", &[]).await?;
            let nested = tx
                .savepoint(async |sp| {
                    sp.execute("INSERT INTO t VALUES (2)", &[]).await?;
                    sp.execute("INSERT INTO t VALUES (1)", &[]).await // duplicate: fails
                })
                .await;
            let kept = tx
                .savepoint(async |sp| {
                    sp.execute("INSERT INTO t VALUES (3)", &[]).await?;
                    // Nested twice: a savepoint inside a savepoint.
                    sp.savepoint(async |inner| inner.execute("INSERT INTO t VALUES (4)", &[]).await)
                        .await
                })
                .await?;
            assert_eq!(kept, 1);
            Ok(nested.expect_err("duplicate value"))
        })
        .await
        .expect("outer transaction commits");
    assert!(matches!(nested_err, Error::UniqueViolation { .. }), "{nested_err:?}");
    let rows: Vec<i32> = db
        .query("SELECT v FROM t ORDER BY v", &[])
        .await
        .expect("rows")
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(rows, [1, 3, 4], "only the failed savepoint's rows are gone");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_only_transactions_refuse_writes() {
    let t = TestDb::new().await;
    let db = t.pool("");
    db.execute("CREATE TABLE t (v int)", &[]).await.expect("table");
    let err = db
        .transaction(TxOptions::repeatable_read().read_only(), async |tx| {
            tx.execute("INSERT INTO t VALUES (1)", &[]).await
        })
        .await
        .expect_err("read-only");
    assert_eq!(err.code(), Some("25006"), "{err:?}");
    let level: String = db
        .transaction(TxOptions::serializable(), async |tx| {
            Ok(tx.query_one("SHOW transaction_isolation", &[]).await?.get(0))
        })
        .await
        .expect("serializable");
    assert_eq!(level, "serializable");
}

/// Two serializable transactions that each read the table and then insert: a write skew PostgreSQL
/// refuses for one of them. A barrier makes both read before either writes, on the first attempt only.
async fn write_skew(
    db: &trato_hive_runtime::Db,
    opts: TxOptions,
    attempts: Arc<AtomicU32>,
    barrier: Arc<tokio::sync::Barrier>,
) -> Result<(), Error> {
    let first = Arc::new(AtomicU32::new(0));
    db.transaction(opts, async |tx| {
        attempts.fetch_add(1, Ordering::SeqCst);
        let sum: i64 = tx.query_one("SELECT coalesce(sum(v), 0) FROM t", &[]).await?.get(0);
        if first.fetch_add(1, Ordering::SeqCst) == 0 {
            barrier.wait().await;
        }
        tx.execute("INSERT INTO t VALUES ($1)", &[&(sum as i32 + 1)]).await?;
        Ok(())
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serialization_failures_are_retried_until_they_succeed() {
    let t = TestDb::new().await;
    let db = t.pool("");
    db.execute("CREATE TABLE t (v int)", &[]).await.expect("table");
    let attempts = Arc::new(AtomicU32::new(0));
    let barrier = Arc::new(tokio::sync::Barrier::new(2));
    let (a, b) = tokio::join!(
        write_skew(&db, TxOptions::serializable(), attempts.clone(), barrier.clone()),
        write_skew(&db, TxOptions::serializable(), attempts.clone(), barrier.clone()),
    );
    a.expect("first succeeds");
    b.expect("second succeeds");
    assert!(
        attempts.load(Ordering::SeqCst) >= 3,
        "one of them must have been retried"
    );
    assert_eq!(count(&db).await, 2);
    let values: Vec<i32> = db
        .query("SELECT v FROM t ORDER BY v", &[])
        .await
        .expect("rows")
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(values, [1, 2], "the retry saw the other's row: serializable outcome");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serialization_failures_without_retries_are_reported() {
    let t = TestDb::new().await;
    let db = t.pool("");
    db.execute("CREATE TABLE t (v int)", &[]).await.expect("table");
    let attempts = Arc::new(AtomicU32::new(0));
    let barrier = Arc::new(tokio::sync::Barrier::new(2));
    let opts = TxOptions::serializable().retries(0);
    let (a, b) = tokio::join!(
        write_skew(&db, opts, attempts.clone(), barrier.clone()),
        write_skew(&db, opts, attempts.clone(), barrier.clone()),
    );
    let failures: Vec<Error> = [a, b].into_iter().filter_map(Result::err).collect();
    assert_eq!(failures.len(), 1, "{failures:?}");
    assert!(
        matches!(&failures[0], Error::SerializationFailure { attempts: 1, code } if code == "40001"),
        "{failures:?}"
    );
    assert_eq!(attempts.load(Ordering::SeqCst), 2);
}
