#[derive(trato_hive_runtime::Model)]
#[model(table = "t", primary_key("0"))]
struct Pair(String, String);

fn main() {}
