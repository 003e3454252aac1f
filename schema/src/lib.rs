//! `trato-hive-db`: the Trato Hive data layer that applications import.
//!
//! The models and enums are generated from `schema/schema.prisma` by `cargo xtask codegen` into
//! `src/generated/` (committed; CI fails when they are stale). The runtime is re-exported, so this is the
//! only crate an application depends on.

#[rustfmt::skip]
mod generated;

pub use generated::*;
pub use trato_hive_runtime as runtime;
pub use trato_hive_runtime::{Model, ModelMeta, TenancyMeta};
