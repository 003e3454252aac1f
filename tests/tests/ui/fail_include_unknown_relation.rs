// Including a relation the model does not have.
use trato_hive_db::*;

async fn load(scope: runtime::TenantScope) {
    let _ = scope.repo::<Deal>().find_many_with(runtime::Query::new(), Deal::CHUNKS).await;
}

fn main() {}
