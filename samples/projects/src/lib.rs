//! The sample application's data layer: the models generated from `schema.prisma` (by
//! `cargo xtask codegen --schema samples/projects/schema.prisma --out samples/projects/src/generated
//! --migrations samples/projects/migrations`). The membership wiring is generated too, from
//! `@@membership(user: accountId, role: role, readOnly: [GUEST])` and the `@@writableBy` lists: GUESTs read,
//! EDITORs write, OWNERs also manage the workspace and its members. Nothing is written by hand.

#[rustfmt::skip]
mod generated;

pub use generated::*;
pub use trato_hive_runtime as runtime;
