// A tenant-owned model has no repository outside a tenant scope.
use trato_hive_db::*;

async fn leak(db: &runtime::Db) {
    let _ = db.repo::<Deal>().find_many(runtime::Filter::all()).await;
}

fn main() {}
