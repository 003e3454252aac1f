//! The sample end to end: migrate, sign up two workspaces, work in them from a web handler and a spawned
//! task, and check that neither sees the other. `ADMIN_URL` (an owner of the database) runs the
//! migrations and creates the application's login; everything else runs as that login.

use axum::extract::{Path, State};
use axum::routing::get;
use axum::Router;
use projects_sample::runtime::{sql, Db, DbConfig, Error, Filter, Migrator, Query, TxOptions};
use projects_sample::*;

/// A request handler: the signed-in account's tasks in a workspace. Its future must be `Send` for axum.
async fn tasks(State(db): State<Db>, Path((account, workspace)): Path<(String, String)>) -> Result<String, String> {
    let scope = db
        .scope::<Member>(&account, &workspace)
        .await
        .map_err(|e| e.to_string())?
        .read();
    let n = scope
        .transaction_boxed(TxOptions::default(), |tx| {
            Box::pin(async move { tx.repo::<Task>().count(Filter::all()).await })
        })
        .await
        .map_err(|e| e.to_string())?;
    Ok(format!("{n} tasks"))
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Error> {
    let admin_url = std::env::var("ADMIN_URL").map_err(|_| Error::Config("set ADMIN_URL".into()))?;
    let admin = DbConfig::from_url(&admin_url)?;
    let applied = Migrator::new(MIGRATIONS).deploy(&admin).await?;
    println!("migrations applied: {}", applied.len());
    Migrator::create_app_login(&admin, "projects_app", "app-password").await?;
    let (rest, _) = admin_url.split_once('?').unwrap_or((&admin_url, ""));
    let host_db = rest.rsplit_once('@').map_or(rest, |(_, h)| h);
    let db = Db::connect(DbConfig::from_url(&format!(
        "postgresql://projects_app:app-password@{host_db}?sslmode=disable"
    ))?)?;

    // Accounts are global; a workspace and its owner are one call.
    let alice = db
        .repo::<Account>()
        .create(AccountCreate::new("alice@example.com".into()))
        .await?;
    let bob = db
        .repo::<Account>()
        .create(AccountCreate::new("bob@example.com".into()))
        .await?;
    let (acme, _) = db
        .create_tenant::<Workspace, Member>(
            WorkspaceCreate::new("Acme".into()),
            MemberCreate::new(alice.id.clone()).role(Role::Owner),
        )
        .await?;
    let (globex, _) = db
        .create_tenant::<Workspace, Member>(
            WorkspaceCreate::new("Globex".into()),
            MemberCreate::new(bob.id.clone()).role(Role::Owner),
        )
        .await?;

    // Alice works in Acme: a project, tasks, a label linked to a task (many-to-many).
    let owner = db.scope::<Member>(&alice.id, &acme.key).await?.manage()?;
    let project = owner
        .repo::<Project>()
        .create(ProjectCreate::new("Launch".into()))
        .await?;
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

    // A scoped transaction inside tokio::spawn on a multi-thread runtime.
    let spawned = owner.clone();
    let project_id = project.id.clone();
    let total = tokio::spawn(async move {
        spawned
            .transaction_boxed(TxOptions::default(), move |tx| {
                let project_id = project_id.clone();
                Box::pin(async move {
                    tx.repo::<Task>()
                        .create(TaskCreate::new(project_id, "Ship it".into()))
                        .await?;
                    tx.repo::<Task>().count(Filter::all()).await
                })
            })
            .await
    })
    .await
    .map_err(|e| Error::Connection(e.to_string()))??;
    println!("acme tasks: {total}");
    let with_labels = owner.repo::<Task>().find_many_with(Query::new(), Task::LABELS).await?;
    let labelled: Vec<String> = with_labels
        .iter()
        .filter(|(_, labels)| !labels.is_empty())
        .map(|(t, labels)| {
            format!(
                "{} [{}]",
                t.title,
                labels.iter().map(|l| l.name.as_str()).collect::<Vec<_>>().join(", ")
            )
        })
        .collect();
    println!("labelled: {}", labelled.join("; "));

    // Bob's own workspace sees nothing of Acme's; in Acme he is a guest and reads only.
    let bobs = db.scope::<Member>(&bob.id, &globex.key).await?.write()?;
    println!("globex tasks: {}", bobs.repo::<Task>().count(Filter::all()).await?);
    println!(
        "globex sees acme's task: {}",
        bobs.repo::<Task>().find_by_id(task.id.clone()).await?.is_some()
    );
    let guest = db.scope::<Member>(&bob.id, &acme.key).await?;
    println!("bob in acme: {}", guest.role());
    println!("bob may write in acme: {}", guest.clone().write().is_ok());
    let mine: Vec<String> = db
        .memberships::<Member, Workspace>(&bob.id)
        .await?
        .iter()
        .map(|(w, m)| format!("{} as {}", w.title, m.role))
        .collect();
    println!("bob's workspaces: {}", mine.join(", "));

    // The web handler, routed (axum needs its future to be Send) and called.
    let _app: Router = Router::new()
        .route("/accounts/{account}/workspaces/{workspace}/tasks", get(tasks))
        .with_state(db.clone());
    let answer = tasks(State(db.clone()), Path((bob.id.clone(), acme.key.clone()))).await;
    println!("handler, bob in acme: {}", answer.unwrap_or_else(|e| e));
    Ok(())
}
