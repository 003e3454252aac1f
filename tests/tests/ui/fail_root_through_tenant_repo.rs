// The tenant root is reached only as the scope's own row (`root`), never as a tenant-owned repository.
use trato_hive_db::*;

async fn orgs(scope: runtime::TenantScope) {
    let _ = scope.repo::<Organization>().count(runtime::Filter::all()).await;
}

fn main() {}
