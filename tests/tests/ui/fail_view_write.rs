// A view is read-only: no repository has create, update or delete for it, whatever the access.
use trato_hive_runtime::Db;
use trato_tests::all_types::MoodCount;

async fn write_a_view(db: Db) {
    let _ = db.repo::<MoodCount>().delete_many(trato_hive_runtime::Filter::all()).await;
}

async fn manager_writes_a_view(scope: trato_hive_runtime::TenantScope<trato_hive_runtime::Manage>) {
    let _ = scope.global::<MoodCount>().delete_many(trato_hive_runtime::Filter::all()).await;
}

fn main() {
    drop(write_a_view);
    drop(manager_writes_a_view);
}
