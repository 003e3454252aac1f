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

use trato_hive_runtime::{Db, Error, MemberScope};

/// Members reach their organization's data through a scope; VIEWERs get a read-only one.
impl trato_hive_runtime::Membership for OrganizationMember {
    const USER_COLUMN: &'static str = "user_id";
    const ROLE_COLUMN: &'static str = "role";

    fn role_can_write(role: &str) -> bool {
        role != OrganizationRole::Viewer.db_value()
    }
}

/// Checks that `user_id` is a member of `organization_id` and returns the scope their role allows:
/// [`MemberScope::Writer`] for OWNER, ADMIN and MEMBER, [`MemberScope::Reader`] for VIEWER.
pub async fn scope(db: &Db, user_id: &str, organization_id: &str) -> Result<MemberScope, Error> {
    db.scope::<OrganizationMember>(user_id, organization_id).await
}
