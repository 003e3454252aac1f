//! The sample application's data layer: the models generated from `schema.prisma` by `trato generate`
//! (its generator block says where they go, and the seed command). The membership wiring is generated too,
//! from `@@membership(user: accountId, role: role, readOnly: [GUEST])` and the `@@writableBy` lists: GUESTs
//! read, EDITORs write, OWNERs also manage the workspace and its members. Nothing is written by hand.

#[rustfmt::skip]
mod generated;

pub use generated::*;
pub use trato_hive_runtime as runtime;

use runtime::{Db, DbConfig, Error, Migrator};

/// The application's own login: what every request runs as, under row-level security.
const APP_USER: &str = "projects_app";
const APP_PASSWORD: &str = "app-password";

/// Start-up: the pending migrations applied (none after `trato migrate deploy`) and the application's login
/// created, both as the database owner (`DIRECT_URL`, from the environment or `.env`, as for `trato
/// migrate`); then the pool, as that login. Returns the pool and how many migrations it applied.
pub async fn start() -> Result<(Db, usize), Error> {
    let owner_url = runtime::env_var("DIRECT_URL")
        .ok_or_else(|| Error::Config("set DIRECT_URL to the database owner's URL".into()))?;
    let owner = DbConfig::from_url(&owner_url)?;
    let applied = migrator().deploy(&owner).await?;
    Migrator::create_app_login(&owner, APP_USER, APP_PASSWORD).await?;
    let (rest, query) = owner_url.split_once('?').unwrap_or((&owner_url, ""));
    let host_db = rest.rsplit_once('@').map_or(rest, |(_, h)| h);
    let app_url = format!("postgresql://{APP_USER}:{APP_PASSWORD}@{host_db}?{query}");
    Ok((Db::connect(DbConfig::from_url(&app_url)?)?, applied.len()))
}
