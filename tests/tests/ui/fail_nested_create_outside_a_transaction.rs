// A nested create is two statements: it runs in a transaction (`scope.create_with`, or a transaction's
// repository), never on a scope's repository, where each statement would commit on its own.
use trato_hive_db::*;

async fn create(scope: runtime::TenantScope<runtime::ReadWrite>) {
    let _ = scope
        .repo::<Deal>()
        .create_with(DealCreate::new("x".into()), Deal::DOCUMENTS.create(vec![]))
        .await;
}

fn main() {
    let _ = create;
}
