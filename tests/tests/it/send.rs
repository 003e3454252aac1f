//! What a web server spawns is `Send`: this module compiles only if the futures of the scoped and plain
//! boxed transactions, `paginate` and the repositories can go into `tokio::spawn` on a multi-thread runtime;
//! the test runs them there.

use trato_hive_db::runtime::{Db, Filter, Query, ReadWrite, TenantScope, TxOptions};
use trato_hive_db::*;
use trato_tests::TestDb;

/// Every operation a request handler does, spawned.
async fn spawned(db: Db, scope: TenantScope<ReadWrite>) -> (i64, i64, usize, i64) {
    let s = scope.clone();
    let counted = tokio::spawn(async move {
        s.transaction_boxed(TxOptions::default(), |tx| {
            Box::pin(async move {
                tx.repo::<Company>()
                    .create(CompanyCreate::new("Spawned".into()))
                    .await?;
                tx.repo::<Company>().count(Filter::all()).await
            })
        })
        .await
    });
    let s = scope.clone();
    let paged = tokio::spawn(async move { s.paginate(Query::new, 1, 20, Deal::COMPANY).await.map(|p| p.total) });
    let listed = tokio::spawn(async move { scope.repo::<Company>().find_many(Query::new()).await.map(|c| c.len()) });
    let plain = tokio::spawn(async move {
        db.transaction_boxed(TxOptions::default(), |tx| {
            Box::pin(async move { Ok(tx.query_one("SELECT 41 + 1", &[]).await?.get::<_, i32>(0) as i64) })
        })
        .await
    });
    (
        counted.await.expect("join").expect("transaction"),
        paged.await.expect("join").expect("paginate"),
        listed.await.expect("join").expect("find"),
        plain.await.expect("join").expect("plain"),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scoped_work_runs_inside_tokio_spawn() {
    let t = TestDb::new().await;
    crate::repo::members(&t).await;
    let db = t.app_pool("");
    let scope = crate::repo::writer(&db, "u_owner", "org_a").await;
    let (companies, deals, _, answer) = spawned(db, scope).await;
    assert_eq!((companies, deals, answer), (1, 0, 42));
}
