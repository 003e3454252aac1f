//! The sample application, after `trato migrate deploy` and `trato db seed`: work in the seeded workspaces
//! from a spawned task and a web handler, and check that neither workspace sees the other. `DIRECT_URL`
//! (the database owner) applies what is pending and creates the application's login; everything else runs
//! as that login.

use axum::extract::{Path, State};
use axum::routing::get;
use axum::Router;
use projects_sample::runtime::{Db, Error, Filter, Query, TxOptions};
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

/// The workspace `title` of an account, with its id.
async fn workspace_of(db: &Db, account: &str, title: &str) -> Result<Workspace, Error> {
    let found = db.memberships::<Member, Workspace>(account).await?;
    found
        .into_iter()
        .map(|(w, _)| w)
        .find(|w| w.title == title)
        .ok_or_else(|| Error::Config(format!("no workspace {title}: run `trato db seed` first")))
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Error> {
    let (db, applied) = start().await?;
    println!("migrations applied at start-up: {applied}");
    let account = |email: &'static str| {
        let db = db.clone();
        async move {
            db.repo::<Account>()
                .find_unique(Account::EMAIL, email.into())
                .await?
                .ok_or_else(|| Error::Config(format!("no account {email}: run `trato db seed` first")))
        }
    };
    let (alice, bob) = (account("alice@example.com").await?, account("bob@example.com").await?);
    let acme = workspace_of(&db, &alice.id, "Acme").await?;
    let globex = workspace_of(&db, &bob.id, "Globex").await?;
    let owner = db.scope::<Member>(&alice.id, &acme.key).await?.manage()?;
    let project = owner
        .repo::<Project>()
        .find_first(Query::new())
        .await?
        .ok_or_else(|| Error::Config("no project: run `trato db seed` first".into()))?;
    let task = owner
        .repo::<Task>()
        .find_first(Task::TITLE.eq("Write the README"))
        .await?
        .ok_or_else(|| Error::Config("no task: run `trato db seed` first".into()))?;

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
    // Task is @@audit: each write added an Event row (the schema's @@auditLog), with its author.
    let events: Vec<String> = owner
        .repo::<Event>()
        .find_many(Query::new().order_by(Event::AT.asc()))
        .await?
        .iter()
        .map(|e| format!("{} by {}", e.kind.db_value(), if e.account_id.as_deref() == Some(alice.id.as_str()) { "alice" } else { "?" }))
        .collect();
    println!("acme events: {}", events.join(", "));
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
    // Audit rows belong to the tenant of the write: Acme's are not Globex's.
    println!("globex events: {}", bobs.repo::<Event>().count(Filter::all()).await?);
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
