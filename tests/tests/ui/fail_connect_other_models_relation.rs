// A deal connects through a deal's relation only.
use trato_hive_db::*;

async fn connect(scope: runtime::TenantScope<runtime::ReadWrite>) {
    let _ = scope.repo::<Deal>().connect("d1".to_string(), Document::COMPANY, "c1".to_string()).await;
}

fn main() {
    let _ = connect;
}
