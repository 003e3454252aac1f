//! Runtime of the Trato Hive data layer. Generic: it knows no particular schema.
//!
//! For now it holds the model metadata that the derive macros fill in ([`Model`], [`ModelMeta`]) and the
//! re-exports that generated code reaches through one hidden path ([`__private`]). The pooled client,
//! transactions, tenant scopes and the migrator land here next (see ARCHITECTURE.md).

mod meta;

pub use meta::*;
pub use trato_macros::{Model, PgEnum};

/// What generated code and macro output need, behind one path, so that a crate holding generated code
/// depends on this crate alone. Not a public API: it may change in any release.
#[doc(hidden)]
pub mod __private {
    pub use bytes;
    pub use chrono;
    pub use postgres_types;
    pub use rust_decimal;
    pub use serde;
    pub use serde_json;
    pub use uuid;

    pub use crate::meta::enum_from_str_error;
}
