#[derive(trato_hive_runtime::Model)]
#[model(primary_key("id"))]
struct Deal {
    id: String,
}

fn main() {}
