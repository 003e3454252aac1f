//! The database test harness. With `DATABASE_URL` unset, one ephemeral PostgreSQL per test process
//! (started on first use, stopped and removed when the process exits, however it exits); with it set, that
//! server. Either way a template database with the Trato Hive migrations applied is prepared once, and
//! every test gets a fresh database created from it (`CREATE DATABASE ... TEMPLATE`), dropped when the test
//! ends, so tests run in parallel and never see each other's rows. A login role in the application role
//! (`trato_app`) is created too, so tests can connect as the application does.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

use trato_hive_runtime::{Db, DbConfig, Migrator};

/// The login role tests use to connect as the application (member of `trato_app`).
pub const APP_LOGIN: &str = "trato_app_login";
const APP_PASSWORD: &str = "app-password";

struct Server {
    /// Superuser URL of the maintenance database (`postgres`), without parameters.
    admin_url: String,
    template: String,
    /// Kept so the watchdog's target stays alive as long as the process; `None` for an external server.
    cluster: Option<trato_pg::Cluster>,
}

static SERVER: OnceLock<Result<Server, String>> = OnceLock::new();

fn server() -> &'static Server {
    let result = SERVER.get_or_init(|| {
        // Runs on its own thread and runtime: callers may be inside another runtime.
        std::thread::spawn(start_server)
            .join()
            .map_err(|_| "starting the test server panicked".to_string())?
    });
    match result {
        Ok(s) => s,
        Err(e) => panic!("cannot provide a test database: {e}"),
    }
}

fn start_server() -> Result<Server, String> {
    let (admin_url, cluster) = match std::env::var("DATABASE_URL") {
        Ok(url) if !url.is_empty() => (url.split('?').next().unwrap_or(&url).to_string(), None),
        _ => {
            let bin = trato_pg::ensure(None).map_err(|e| format!("{e:#}"))?;
            let cluster = trato_pg::ephemeral(&bin).map_err(|e| format!("{e:#}"))?;
            (cluster.url("postgres"), Some(cluster))
        }
    };
    let template = format!("trato_template_{}", std::process::id());
    block_on(async {
        let db = admin(&admin_url)?;
        db.execute(&format!("DROP DATABASE IF EXISTS {template}"), &[]).await?;
        db.execute(&format!("CREATE DATABASE {template}"), &[]).await?;
        db.close();
        let base = admin_url.rsplit_once('/').map_or(admin_url.as_str(), |(b, _)| b);
        let template_cfg = DbConfig::from_url(&format!("{base}/{template}?sslmode=disable"))?;
        Migrator::new(trato_hive_db::MIGRATIONS).deploy(&template_cfg).await?;
        Migrator::create_app_login(&template_cfg, APP_LOGIN, APP_PASSWORD).await?;
        Ok(())
    })
    .map_err(|e: trato_hive_runtime::Error| e.to_string())?;
    Ok(Server {
        admin_url,
        template,
        cluster,
    })
}

fn admin(admin_url: &str) -> Result<Db, trato_hive_runtime::Error> {
    Db::connect(DbConfig::from_url(&format!(
        "{admin_url}?sslmode=disable&connection_limit=2&pool_timeout=30"
    ))?)
}

fn block_on<T>(f: impl std::future::Future<Output = T>) -> T {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    rt.block_on(f)
}

/// A database of its own for one test.
pub struct TestDb {
    /// The database's name.
    pub name: String,
    /// Superuser URL of this database (no parameters: add your own after `?`).
    pub url: String,
    admin_url: String,
}

impl std::fmt::Debug for TestDb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestDb").field("name", &self.name).finish()
    }
}

/// The tenant binding a pooled connection of `db` carries outside any transaction (`""` when none: it must
/// always be none, since the runtime binds only with `SET LOCAL`).
pub async fn tenant_left_bound(db: &Db) -> String {
    db.conn()
        .await
        .expect("conn")
        .query_one("SELECT coalesce(current_setting('trato.tenant_id', true), '')", &[])
        .await
        .expect("setting")
        .get(0)
}

impl TestDb {
    /// A database with the Trato Hive schema (every migration applied).
    pub async fn new() -> TestDb {
        Self::create(Some(&server().template)).await
    }

    /// An empty database (PostgreSQL's `template0`), for migration tests.
    pub async fn empty() -> TestDb {
        Self::create(None).await
    }

    async fn create(template: Option<&str>) -> TestDb {
        static N: AtomicUsize = AtomicUsize::new(0);
        let server = server();
        let name = format!("test_{}_{}", std::process::id(), N.fetch_add(1, Ordering::SeqCst));
        let admin = admin(&server.admin_url).expect("admin pool");
        admin
            .execute(
                &format!("CREATE DATABASE {name} TEMPLATE {}", template.unwrap_or("template0")),
                &[],
            )
            .await
            .unwrap_or_else(|e| panic!("cannot create {name}: {e}"));
        admin.close();
        let base = server
            .admin_url
            .rsplit_once('/')
            .map_or(server.admin_url.as_str(), |(b, _)| b);
        TestDb {
            url: format!("{base}/{name}"),
            name,
            admin_url: server.admin_url.clone(),
        }
    }

    /// A pool on this database; `params` are URL parameters such as `connection_limit=1`.
    pub fn pool(&self, params: &str) -> Db {
        let sep = if params.is_empty() { "" } else { "&" };
        Db::connect(DbConfig::from_url(&format!("{}?sslmode=disable{sep}{params}", self.url)).expect("test URL"))
            .expect("pool")
    }

    /// A pool connected as the application's login role (no superuser, no ownership, RLS applies).
    pub fn app_pool(&self, params: &str) -> Db {
        Db::connect(self.config_as(APP_LOGIN, APP_PASSWORD, params)).expect("pool")
    }

    /// The configuration of this database as another login role.
    pub fn config_as(&self, user: &str, password: &str, params: &str) -> DbConfig {
        let (_, host_db) = self.url.split_once('@').expect("url with credentials");
        let sep = if params.is_empty() { "" } else { "&" };
        let url = format!("postgresql://{user}:{password}@{host_db}?sslmode=disable{sep}{params}");
        DbConfig::from_url(&url).expect("URL")
    }

    /// The configuration of this database (superuser), for the migrator.
    pub fn config(&self) -> DbConfig {
        DbConfig::from_url(&format!("{}?sslmode=disable", self.url)).expect("test URL")
    }

    /// The ephemeral cluster's binaries, when the harness started one (tests that need a server of their
    /// own use them).
    pub fn binaries() -> Option<trato_pg::Binaries> {
        server().cluster.as_ref().map(|c| c.bin.clone())
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let (name, admin_url) = (self.name.clone(), self.admin_url.clone());
        let _ = std::thread::spawn(move || {
            block_on(async {
                if let Ok(db) = admin(&admin_url) {
                    let _ = db
                        .execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"), &[])
                        .await;
                    db.close();
                }
            })
        })
        .join();
    }
}
