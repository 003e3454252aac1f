//! The sample application's data layer: the models generated from `schema.prisma` (by
//! `cargo xtask codegen --schema samples/projects/schema.prisma --out samples/projects/src/generated
//! --migrations samples/projects/migrations`) and the membership wiring.

#[rustfmt::skip]
mod generated;

pub use generated::*;
pub use trato_hive_runtime as runtime;

/// Members reach their workspace through scopes: GUESTs read, EDITORs write, OWNERs also manage the
/// workspace and its members (`@@writableBy([OWNER])` in the schema).
impl runtime::Membership for Member {
    const USER_COLUMN: &'static str = Member::ACCOUNT_ID.name;
    const ROLE_COLUMN: &'static str = Member::ROLE.name;
    const RANKS: &'static [&'static str] = Role::DB_VALUES;

    fn role_can_write(role: &str) -> bool {
        role != Role::Guest.db_value()
    }

    fn role_can_manage(role: &str) -> bool {
        <Workspace as runtime::Model>::META.write_roles.contains(&role)
    }
}
