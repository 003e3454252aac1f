#[derive(trato_hive_runtime::Model)]
#[model(table = "deals", primary_key("id"), tabel = "x")]
struct Deal {
    #[model(default = "random")]
    id: String,
    #[model(colum = "n")]
    name: String,
}

fn main() {
    // The stub expansion keeps this compiling: only the attribute errors are reported.
    let _ = <Deal as trato_hive_runtime::Model>::META;
}
