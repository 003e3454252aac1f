//! `trato db seed` runs this (the generator block's `seed`): two workspaces with their owners, a project
//! with a task and a label in Acme, Bob as a guest there. Idempotent: a second run writes nothing.

use projects_sample::runtime::{sql, Error};
use projects_sample::*;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let (db, _) = start().await?;
    let accounts = db.repo::<Account>();
    if accounts.find_unique(Account::EMAIL, "alice@example.com".into()).await?.is_some() {
        println!("seed: already there, nothing written");
        return Ok(());
    }
    // Accounts are global; a workspace and its owner are one call.
    let alice = accounts.create(AccountCreate::new("alice@example.com".into())).await?;
    let bob = accounts.create(AccountCreate::new("bob@example.com".into())).await?;
    let (acme, _) = db
        .create_tenant::<Workspace, Member>(
            WorkspaceCreate::new("Acme".into()),
            MemberCreate::new(alice.id.clone()).role(Role::Owner),
        )
        .await?;
    db.create_tenant::<Workspace, Member>(
        WorkspaceCreate::new("Globex".into()),
        MemberCreate::new(bob.id.clone()).role(Role::Owner),
    )
    .await?;

    // Alice works in Acme: a project, a task, a label linked to it (many-to-many), Bob invited as a guest.
    let owner = db.scope::<Member>(&alice.id, &acme.key).await?.manage()?;
    let project = owner.repo::<Project>().create(ProjectCreate::new("Launch".into())).await?;
    let task = owner
        .repo::<Task>()
        .create(TaskCreate::new(project.id.clone(), "Write the README".into()))
        .await?;
    let label = owner.repo::<Label>().create(LabelCreate::new("docs".into())).await?;
    owner
        .raw(sql!(
            "INSERT INTO \"_LabelToTask\" (workspace_key, \"A\", \"B\") VALUES ($1, $2, $3)",
            acme.key.clone(),
            label.id.clone(),
            task.id.clone()
        ))
        .await?;
    owner
        .repo::<Member>()
        .create(MemberCreate::new(bob.id.clone()).role(Role::Guest))
        .await?;
    println!("seed: 2 accounts, 2 workspaces, 1 project, 1 task, 1 label written");
    Ok(())
}
