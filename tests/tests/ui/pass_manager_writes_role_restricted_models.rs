// An OWNER's or ADMIN's scope (`.manage()`) and the system scope write the organization and its memberships;
// a MEMBER's writes everything else.
use trato_hive_db::runtime::{Db, Error};
use trato_hive_db::*;

async fn manage(db: &Db) -> Result<(), Error> {
    let owner = scope(db, "u_owner", "org_a").await?.manage()?;
    owner
        .repo::<OrganizationMember>()
        .update("m".to_string(), OrganizationMemberUpdate::default().role(OrganizationRole::Admin))
        .await?;
    owner.root::<Organization>().update("org_a".to_string(), OrganizationUpdate::default().name("A")).await?;
    let sys = system(db, "support").tenant("org_a").await?;
    sys.repo::<OrganizationMember>().create(OrganizationMemberCreate::new("u".into())).await?;
    let member = scope(db, "u_member", "org_a").await?.write()?;
    member.repo::<Deal>().create(DealCreate::new("x".into())).await?;
    Ok(())
}

fn main() {
    drop(manage);
}
