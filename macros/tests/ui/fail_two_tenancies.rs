#[derive(trato_hive_runtime::Model)]
#[model(table = "deals", primary_key("id"), tenant_key = "organization_id", global)]
struct Deal {
    id: String,
    organization_id: String,
}

fn main() {}
