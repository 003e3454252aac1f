#[derive(trato_hive_runtime::Model)]
#[model(table = "deals", primary_key("uid"), unique("nmae"))]
struct Deal {
    id: String,
    name: String,
}

fn main() {}
