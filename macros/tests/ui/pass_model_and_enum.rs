use trato_hive_runtime::{Model, PgEnum, TenancyMeta};

#[derive(PgEnum, Debug, Clone, Copy, PartialEq)]
#[pg_enum(type_name = "Stage")]
enum Stage {
    #[pg_enum(rename = "OPEN")]
    Open,
    #[pg_enum(rename = "WON", db_name = "won")]
    Won,
}

#[derive(Model, Clone)]
#[model(name = "Organization", table = "organizations", primary_key("id"), tenant_root)]
#[allow(dead_code)]
struct Organization {
    id: String,
}

#[derive(Model, Clone)]
#[model(name = "Deal", table = "deals", primary_key("organization_id", "id"))]
#[model(tenant_key = "organization_id")]
#[model(relation(field = "organization", target = "Organization", kind = "many_to_one", name = "DealToOrganization", fields("organization_id"), references("id")))]
#[allow(dead_code)]
struct Deal {
    #[model(default = "cuid")]
    id: String,
    organization_id: String,
    #[model(column = "stage_value", default = "literal")]
    stage: Stage,
}

fn main() {
    assert_eq!(<Deal as trato_hive_runtime::Model>::META.tenancy, TenancyMeta::Owned { key: "organization_id" });
    assert_eq!(<Deal as trato_hive_runtime::Model>::META.columns[2].column, "stage_value");
    // The create input has no tenant key; defaulted fields are optional.
    let input = DealCreate::new().stage(Stage::Won);
    assert_eq!(input.stage, Some(Stage::Won));
    let _ = Deal::ORGANIZATION;
    let _ = Deal::STAGE.eq(Stage::Open);
    assert_eq!(Stage::Won.db_value(), "won");
    assert_eq!("OPEN".parse::<Stage>(), Ok(Stage::Open));
}
