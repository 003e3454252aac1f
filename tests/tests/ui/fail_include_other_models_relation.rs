// Including another model's relation.
use trato_hive_db::*;

async fn load(scope: runtime::TenantScope) {
    let _ = scope.repo::<Deal>().find_many_with(runtime::Query::new(), Document::CHUNKS).await;
}

fn main() {}
