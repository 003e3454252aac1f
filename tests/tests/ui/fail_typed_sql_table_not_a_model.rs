// query_as! names tables through their models, so that each one is checked.
use trato_hive_db::runtime::{query_as, ReadWrite, TenantScope};

struct Row {
    name: String,
}

async fn f(scope: &TenantScope<ReadWrite>) {
    let _ = scope.query(query_as!(Row, "SELECT d.name FROM deals d")).await;
    let _ = scope.query(query_as!(Row, "SELECT d.name FROM {Dael} d")).await;
}

fn main() {}
