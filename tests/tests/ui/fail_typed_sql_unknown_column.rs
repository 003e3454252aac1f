// query_as! checks each column reference against the model of its table.
use trato_hive_db::runtime::{query_as, ReadWrite, TenantScope};
use trato_hive_db::*;

struct Row {
    name: String,
}

async fn f(scope: &TenantScope<ReadWrite>) {
    let _ = scope
        .query(query_as!(Row, "SELECT d.name FROM {Deal} d WHERE d.probabilty > $1", 50))
        .await;
}

fn main() {}
