//! Cross-crate tests. The library holds code generated from fixture schemas (`tests/schemas/`), so that
//! building this crate proves the generated code compiles, and the database test harness ([`harness`]);
//! `tests/tests/` exercises both.

#[rustfmt::skip]
pub mod all_types;
/// Generated from `codegen/test_data/valid/tenancy.prisma`: a tenant-aware schema of its own (tenant-owned
/// many-to-many included).
#[rustfmt::skip]
pub mod tenancy;
/// Generated from `codegen/test_data/valid/multi_schema.prisma`: Prisma's multi-schema (tables, enums, a
/// join table and a view in three PostgreSQL schemas).
#[rustfmt::skip]
pub mod multi_schema;
pub mod harness;

pub use harness::TestDb;

/// The tenancy fixture has no membership model; a system scope needs one only for its audit sink, so
/// `Project` stands in (no sink: nothing is audited). Tests reach that schema's data through
/// `db.system::<tenancy::Project>(reason)`.
impl trato_hive_runtime::Membership for tenancy::Project {
    const USER_COLUMN: &'static str = "name";
    const ROLE_COLUMN: &'static str = "name";

    fn role_can_write(_: &str) -> bool {
        true
    }
}
