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

use trato_hive_runtime::{AuditAction, AuditSink, Db, Error, MemberScope, SystemScope};

/// Members reach their organization's data through a scope; VIEWERs get a read-only one, and only OWNERs
/// and ADMINs write the organization and its memberships (`@@writableBy` in the schema). Writes to
/// `@@audit` models are recorded as Activity rows.
impl trato_hive_runtime::Membership for OrganizationMember {
    const USER_COLUMN: &'static str = OrganizationMember::USER_ID.name;
    const ROLE_COLUMN: &'static str = OrganizationMember::ROLE.name;

    fn role_can_write(role: &str) -> bool {
        role != OrganizationRole::Viewer.db_value()
    }

    /// The roles a `@@writableBy` of the schema lists (OWNER and ADMIN): their scope is a manager's, whose
    /// type may write role-restricted models (which ones is checked per model, at run time and by the
    /// database).
    fn role_can_manage(role: &str) -> bool {
        [Organization::META.write_roles, OrganizationMember::META.write_roles]
            .iter()
            .any(|roles| roles.contains(&role))
    }

    /// The schema's `@@membership`: scopes bind the member's role and user id for the role policies
    /// (`@@writableBy`, and nobody raises their own role).
    const RANKS: &'static [&'static str] = OrganizationRole::DB_VALUES;

    fn audit_sink() -> Option<&'static AuditSink> {
        Some(&ACTIVITY_LOG)
    }
}

/// The audit trail is the Activity model (the spec's audit log).
static ACTIVITY_LOG: AuditSink = AuditSink {
    table: "activities",
    tenant_column: Activity::ORGANIZATION_ID.name,
    id_column: Activity::ID.name,
    type_column: Activity::TYPE.name,
    type_sql: "\"ActivityType\"",
    description_column: Activity::DESCRIPTION.name,
    metadata_column: Activity::METADATA.name,
    actor_column: Activity::USER_ID.name,
    kind: activity_type,
    links: &[
        ("Deal", Activity::DEAL_ID.name),
        ("Document", Activity::DOCUMENT_ID.name),
    ],
};

/// The ActivityType of a write: the specific ones the platform shows, `USER_ACTION` for the rest.
fn activity_type(model: &str, action: AuditAction, columns: &[&str]) -> &'static str {
    let kind = match (model, action) {
        ("Deal", AuditAction::Create) => ActivityType::DealCreated,
        ("Deal", AuditAction::Update) if columns.contains(&Deal::STAGE.name) => ActivityType::DealStageChanged,
        ("Company", AuditAction::Create) => ActivityType::CompanyAdded,
        ("Document", AuditAction::Create) => ActivityType::DocumentUploaded,
        ("Document", AuditAction::Update) if columns.contains(&Document::STATUS.name) => {
            ActivityType::DocumentProcessed
        }
        _ => ActivityType::UserAction,
    };
    kind.db_value()
}

/// The system scope, for cross-tenant jobs: the reason is logged and recorded in every audit row it writes.
pub fn system(db: &Db, reason: &str) -> SystemScope {
    db.system::<OrganizationMember>(reason)
}

/// "My organizations" (the organization switcher): every organization `user_id` belongs to, with the
/// membership that holds their role, read as that user (no system scope; nobody else's memberships and no
/// organization's data are visible to it).
pub async fn my_organizations(db: &Db, user_id: &str) -> Result<Vec<(Organization, OrganizationMember)>, Error> {
    db.memberships::<OrganizationMember, Organization>(user_id).await
}

/// Creates an organization with `owner_user_id` as its OWNER, in one transaction (sign-up): no system scope,
/// no id to generate up front. Returns the organization and the membership.
pub async fn create_organization(
    db: &Db,
    organization: OrganizationCreate,
    owner_user_id: &str,
) -> Result<(Organization, OrganizationMember), Error> {
    let owner = OrganizationMemberCreate::new(owner_user_id.to_string()).role(OrganizationRole::Owner);
    db.create_tenant::<Organization, OrganizationMember>(organization, owner)
        .await
}

/// Checks that `user_id` is a member of `organization_id` and returns the scope their role allows:
/// [`MemberScope::Manager`] for OWNER and ADMIN, [`MemberScope::Writer`] for MEMBER, [`MemberScope::Reader`]
/// for VIEWER.
pub async fn scope(db: &Db, user_id: &str, organization_id: &str) -> Result<MemberScope, Error> {
    db.scope::<OrganizationMember>(user_id, organization_id).await
}
