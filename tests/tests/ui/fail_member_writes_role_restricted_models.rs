// A writer's scope (a MEMBER's) has no write methods for the models `@@writableBy([OWNER, ADMIN])` restricts:
// the organization and its memberships. A manager's scope (`.manage()`) has them.
use trato_hive_db::runtime::{ReadWrite, TenantScope};
use trato_hive_db::*;

async fn member_promotes_themself(scope: TenantScope<ReadWrite>) {
    let _ = scope
        .repo::<OrganizationMember>()
        .update("m".to_string(), OrganizationMemberUpdate::default().role(OrganizationRole::Owner))
        .await;
    let _ = scope.repo::<OrganizationMember>().create(OrganizationMemberCreate::new("u".into())).await;
    let _ = scope.root::<Organization>().update("org".to_string(), OrganizationUpdate::default().name("x")).await;
}

fn main() {
    drop(member_promotes_themself);
}
