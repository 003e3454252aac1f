// Global models are not tenant-owned: `repo` of a scope does not take them (use `global`).
use trato_hive_db::*;

async fn users(scope: runtime::TenantScope) {
    let _ = scope.repo::<User>().count(runtime::Filter::all()).await;
}

fn main() {}
