// A partial model's fields are fields of the model, with the model's types.
use trato_hive_db::runtime::Select;
use trato_hive_db::*;

#[derive(Select)]
#[select(model = Deal)]
struct DealCard {
    name: String,
    headline: String,
    probability: i32,
}

fn main() {}
