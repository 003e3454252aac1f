//! Studio: browse a Trato Hive database in a browser (`trato studio`). Server-rendered pages from the
//! schema file's models, every tenant read through the application's own tenant scope (the application
//! role, forced row-level security, the tenant bound), safe on a shared machine by construction: loopback
//! only, a one-time token for a session cookie, a `Host` allow-list, `Origin` and CSRF checks on writes,
//! a strict CSP, no script, nothing fetched from anywhere. A database that does not look like a
//! development one is refused unless forced, and then opened read-only.

/// Runs `$body` with the organization's write scope bound to `$s` and the acting member's user id to
/// `$actor`: the member's scope when Studio acts as one (a read-only role: 403, nothing written), a
/// read-only one when Studio is read-only (the database refuses the write), else the system scope.
macro_rules! with_write_scope {
    ($app:expr, $org:expr, |$s:ident, $actor:ident| $body:expr) => {{
        let $actor = crate::acting::current($app, $org).map(|(u, _)| u);
        match crate::acting::member_scope($app, $org).await? {
            Some(trato_hive_runtime::MemberScope::Reader(s)) => {
                return Err(crate::Page::Status(
                    axum::http::StatusCode::FORBIDDEN,
                    format!(
                        "acting as a member whose role `{}` reads only: nothing was written",
                        s.role()
                    ),
                ))
            }
            _ if $app.read_only => {
                let $s = crate::acting::read_scope($app, $org).await?;
                $body
            }
            Some(trato_hive_runtime::MemberScope::Writer($s)) => $body,
            Some(trato_hive_runtime::MemberScope::Manager($s)) => $body,
            None => {
                let $s = $app.system.tenant($org).await.map_err(crate::fail)?;
                let $actor: Option<String> = None;
                $body
            }
        }
    }};
}

mod acting;
mod batch;
mod catalog;
mod console;
mod data;
mod diagram;
mod edit;
mod grid;
mod guard;
mod health;
mod inspect;
mod log;
mod migrations;
mod pages;
mod record;
mod undo;
mod write;

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{bail, Context};
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use maud::Markup;
use trato_hive_runtime::{Db, DbConfig, Migrator, ReadOnly, SystemScope, TenantScope};

pub use catalog::{Catalog, Kind};
use data::View;
use pages::Place;

/// How Studio starts.
#[derive(Debug, Clone)]
pub struct Config {
    /// The schema file.
    pub schema: PathBuf,
    /// The database, as its owner (the development database).
    pub db: DbConfig,
    /// The port on 127.0.0.1 (0: any free one).
    pub port: u16,
    /// Every transaction `READ ONLY`.
    pub read_only: bool,
    /// Open a database that does not look like a development one (then read-only).
    pub force_non_dev: bool,
    /// The model Studio records its writes in, for a schema without `@@auditLog` whose audit sink is written
    /// by hand (e.g. `Activity`).
    pub audit_log: Option<String>,
}

/// What every handler shares.
pub(crate) struct App {
    /// The schema's models.
    pub catalog: Catalog,
    /// The port it listens on (the `Host` allow-list names it).
    pub port: u16,
    /// The one-time token of the printed URL.
    pub token: String,
    /// Whether the token was exchanged already (it works once).
    pub token_spent: std::sync::atomic::AtomicBool,
    /// The session cookie's value the token is exchanged for.
    pub session: String,
    /// The CSRF field every form carries (checked on every write).
    pub csrf: String,
    /// Who Studio acts as in each organization (user id, role), when it acts as a member.
    pub acting: std::sync::Mutex<std::collections::HashMap<String, (String, String)>>,
    /// Where the project's migrations are, for the migrations page.
    migrations: migrations::Source,
    /// The statements Studio ran (the query log).
    log: log::Log,
    /// The dispatcher that records them, set around each request.
    dispatch: tracing::Dispatch,
    /// What the migrations say of the database (pending, problems), refreshed every 30 s for the sidebar.
    pub badge: std::sync::Mutex<Option<String>>,
    /// Every transaction `READ ONLY`.
    pub read_only: bool,
    /// Opened with `--force-non-dev`.
    pub forced: bool,
    owner: Db,
    app: Db,
    app_user: String,
    system: SystemScope,
}

/// A running Studio.
pub struct Studio {
    /// Where it listens (always 127.0.0.1).
    pub addr: SocketAddr,
    /// The one-time token of its URL.
    pub token: String,
    /// Whether it opened the database read-only.
    pub read_only: bool,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
    app: Arc<App>,
}

impl Studio {
    /// The URL to open: the token, once, for a session cookie.
    pub fn url(&self) -> String {
        self.url_for("/")
    }

    /// The CSRF value of its forms (for tests that forge a request a page would not offer).
    #[doc(hidden)]
    pub fn csrf(&self) -> &str {
        &self.app.csrf
    }

    /// The URL of `path` (e.g. `/o/<organization id>`) with the token.
    pub fn url_for(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}?token={}", self.addr.port(), self.token)
    }

    /// Stops serving and closes the pools.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        let _ = self.task.await;
        self.app.owner.close();
        self.app.app.close();
    }
}

/// Why `cfg`'s database does not look like a development one, if it does not: not on this machine,
/// TLS required (servers that want TLS are rarely laptops), or `APP_ENV` / `TRATO_ENV` saying
/// production or staging.
pub fn not_development(db: &DbConfig) -> Option<String> {
    for var in ["APP_ENV", "TRATO_ENV"] {
        if let Some(v) = trato_hive_runtime::env_var(var) {
            if ["production", "staging"].contains(&v.to_ascii_lowercase().as_str()) {
                return Some(format!("{var}={v}"));
            }
        }
    }
    if !db.is_local() {
        return Some(format!("the database is on {}, not this machine", db.host_port()));
    }
    use trato_hive_runtime::SslMode;
    if matches!(db.ssl_mode, SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull) {
        return Some("the URL requires TLS".into());
    }
    None
}

/// Reads the schema, checks the database, creates Studio's own login (a member of the application role,
/// with a fresh password), and serves on 127.0.0.1.
pub async fn start(cfg: Config) -> anyhow::Result<Studio> {
    let src = std::fs::read_to_string(&cfg.schema).with_context(|| format!("reading {}", cfg.schema.display()))?;
    let (schema, diagnostics) = trato_codegen::check(&src);
    let Some(schema) = schema else {
        bail!(
            "{} has errors: run `trato validate`\n{}",
            cfg.schema.display(),
            trato_codegen::render(&cfg.schema.display().to_string(), &src, &diagnostics)
        );
    };
    let migrations = migrations::Source::of(&cfg.schema, &schema);
    let mut catalog = Catalog::from_schema(&schema);
    if let Some(name) = &cfg.audit_log {
        if catalog.audit.is_none() {
            catalog
                .use_audit_log(name)
                .map_err(|e| anyhow::anyhow!("--audit-log: {e}"))?;
        }
    }
    let owner_cfg = cfg.db.clone();
    let (mut read_only, mut forced) = (cfg.read_only, false);
    if let Some(why) = not_development(&owner_cfg) {
        if !cfg.force_non_dev {
            bail!("refusing to open a database that does not look like a development one ({why}); pass --force-non-dev to open it read-only");
        }
        (read_only, forced) = (true, true);
    }
    let owner = Db::connect(owner_cfg.clone())?;
    let types = owner
        .query(
            "SELECT c.relname::text, a.attname::text, format_type(a.atttypid, a.atttypmod)
               FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
              WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'v', 'm', 'p')
                AND pg_catalog.pg_table_is_visible(c.oid)",
            &[],
        )
        .await
        .context("reading the database's columns")?;
    let types: Vec<(String, String, String)> = types.iter().map(|r| (r.get(0), r.get(1), r.get(2))).collect();
    catalog.set_sql_types(&types);
    // Studio's own login: a member of the application role, so RLS applies to everything it reads.
    let database = owner_cfg.dbname().unwrap_or("postgres").to_string();
    let app_user: String = format!("trato_studio@{database}").chars().take(63).collect();
    let password = trato_hive_runtime::ids::secret_hex::<16>();
    Migrator::reset_app_login(&owner_cfg, &app_user, &password)
        .await
        .context("creating Studio's login (is the schema migrated? `trato migrate deploy`)")?;
    // Guardrails, enforced by the database for every session of Studio's login: no statement runs longer
    // than 5 s, no transaction idles open; and a small pool (Studio is one person's tool).
    owner
        .execute(
            &format!("ALTER ROLE {} SET statement_timeout = '5s'", data::q(&app_user)),
            &[],
        )
        .await
        .context("limiting Studio's statements")?;
    owner
        .execute(
            &format!(
                "ALTER ROLE {} SET idle_in_transaction_session_timeout = '30s'",
                data::q(&app_user)
            ),
            &[],
        )
        .await
        .context("limiting Studio's transactions")?;
    let mut app_cfg = owner_cfg.with_login(&app_user, &password);
    app_cfg.connection_limit = 4;
    app_cfg.log_queries = true;
    let app = Db::connect(app_cfg)?;
    let system = app.system_untyped("studio", catalog.membership);
    let log: log::Log = Default::default();
    let listener = tokio::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, cfg.port))).await?;
    let addr = listener.local_addr()?;
    let state = Arc::new(App {
        catalog,
        port: addr.port(),
        token: trato_hive_runtime::ids::secret_hex::<16>(),
        token_spent: std::sync::atomic::AtomicBool::new(false),
        session: trato_hive_runtime::ids::secret_hex::<32>(),
        csrf: trato_hive_runtime::ids::secret_hex::<32>(),
        acting: std::sync::Mutex::new(std::collections::HashMap::new()),
        migrations,
        dispatch: log::dispatch(&log),
        log,
        badge: std::sync::Mutex::new(None),
        read_only,
        forced,
        owner,
        app,
        app_user,
        system,
    });
    let router = Router::new()
        .route("/", get(home))
        .route("/assets/studio.css", get(css))
        .route("/assets/studio.js", get(js))
        .route("/health", get(health_page))
        .route("/diagram", get(diagram_page))
        .route("/migrations", get(migrations_page))
        .route("/o/{org}/diagram", get(org_diagram_page))
        .route("/o/{org}", get(org_home))
        .route("/o/{org}/act", axum::routing::post(acting::act))
        .route("/o/{org}/sql", get(console::show).post(console::run))
        .route("/o/{org}/undo", axum::routing::post(undo::undo))
        .route("/o/{org}/m/{model}", get(grid::tenant_grid))
        .route("/o/{org}/m/{model}/inspect", get(inspect_page))
        .route("/o/{org}/m/{model}/new", get(write::new_form).post(write::create))
        .route("/o/{org}/m/{model}/batch", axum::routing::post(batch::save))
        .route(
            "/o/{org}/m/{model}/r/{key}/delete",
            get(write::confirm).post(write::delete),
        )
        .route(
            "/o/{org}/m/{model}/r/{key}",
            get(record::tenant_record).post(record::tenant_save),
        )
        .route("/m/{model}", get(grid::global_grid))
        .route("/m/{model}/r/{key}", get(record::global_record))
        .route("/log", get(log_page))
        .layer(axum::middleware::from_fn_with_state(state.clone(), record_statements))
        .layer(axum::middleware::from_fn_with_state(state.clone(), guard::guard))
        .with_state(state.clone());
    // The sidebar's migrations badge: the migrator's status (no shadow database), every 30 s.
    let watched = state.clone();
    let watcher = tokio::spawn(async move {
        loop {
            let badge = migrations::badge(&watched.migrations, watched.owner.config()).await;
            if let Ok(mut b) = watched.badge.lock() {
                *b = badge;
            }
            tokio::time::sleep(std::time::Duration::from_secs(30)).await;
        }
    });
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, router)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await;
        watcher.abort();
    });
    Ok(Studio {
        addr,
        token: state.token.clone(),
        read_only,
        stop,
        task,
        app: state,
    })
}

/// A response of a page or a plain error.
pub(crate) enum Page {
    Html(Markup),
    Status(StatusCode, String),
}

impl IntoResponse for Page {
    fn into_response(self) -> Response {
        match self {
            Page::Html(m) => m.into_response(),
            Page::Status(s, text) => (s, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], text).into_response(),
        }
    }
}

pub(crate) fn fail(e: impl std::fmt::Display) -> Page {
    Page::Status(StatusCode::INTERNAL_SERVER_ERROR, e.to_string())
}

/// A POSTed form, refused (403) without the CSRF field of Studio's pages.
pub(crate) fn form(app: &App, body: &[u8]) -> Result<Vec<(String, String)>, Page> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body)
        .map_err(|_| Page::Status(StatusCode::BAD_REQUEST, "an unreadable form".into()))?;
    if !guard::same_secret(field(&pairs, "csrf"), &app.csrf) {
        return Err(Page::Status(
            StatusCode::FORBIDDEN,
            "a write needs the form's CSRF field: reload the page".into(),
        ));
    }
    Ok(pairs)
}

/// The value of a form's field `name` (empty when absent).
pub(crate) fn field<'a>(pairs: &'a [(String, String)], name: &str) -> &'a str {
    pairs.iter().find(|(k, _)| k == name).map_or("", |(_, v)| v.as_str())
}

/// A schema whose writes are audited gets Studio's writes only with an audit log to record them in.
pub(crate) fn audit_ready(app: &App) -> Result<(), Page> {
    if app.catalog.audited && app.catalog.audit.is_none() {
        return Err(Page::Status(
            StatusCode::FORBIDDEN,
            "this schema's writes are audited but it names no audit log (@@auditLog): start Studio with --audit-log MODEL to record its writes there; nothing was written".into(),
        ));
    }
    Ok(())
}

/// A failed write as the page says it: read-only (25006) 403, a value the database refused 400.
pub(crate) fn write_error(e: trato_hive_runtime::Error) -> Page {
    match e.code() {
        Some("25006") => Page::Status(
            StatusCode::FORBIDDEN,
            "Studio is read-only: the database refused the write (READ ONLY transaction)".into(),
        ),
        Some(c) if c.starts_with("22") || c.starts_with("23") => {
            Page::Status(StatusCode::BAD_REQUEST, format!("not saved: {e}"))
        }
        _ => fail(e),
    }
}

pub(crate) fn pairs(query: Option<String>) -> Result<Vec<(String, String)>, Page> {
    serde_urlencoded::from_str(&query.unwrap_or_default())
        .map_err(|_| Page::Status(StatusCode::BAD_REQUEST, "an unreadable query string".into()))
}

async fn css() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        include_str!("../assets/studio.css"),
    )
}

async fn js() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        include_str!("../assets/studio.js"),
    )
}

/// The organizations (the tenant root's rows, read as the owner: the one thing Studio reads across
/// tenants), by label.
async fn organizations(app: &App) -> Result<Vec<(String, String)>, Page> {
    let Some(root) = app.catalog.root.as_deref().and_then(|r| app.catalog.model(r)) else {
        return Ok(Vec::new());
    };
    let (Some(key), Some(label)) = (root.key.first().and_then(|k| root.column(k)), root.column(root.label())) else {
        return Ok(Vec::new());
    };
    let sql = format!(
        "SELECT {}::text, {}::text FROM {} ORDER BY 2 LIMIT 500",
        data::q(&key.column),
        data::q(&label.column),
        root.table_sql
    );
    let rows = app.owner.query(&sql, &[]).await.map_err(fail)?;
    Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
}

async fn home(State(app): State<Arc<App>>) -> Page {
    let orgs = match organizations(&app).await {
        Ok(o) => o,
        Err(p) => return p,
    };
    let place = Place { org: None, model: None };
    Page::Html(pages::layout(
        &app,
        &place,
        &[],
        "Organizations",
        pages::home(&app, &orgs),
    ))
}

/// Whether `org` is a row of the tenant root (asked as the owner, by key: however many there are).
async fn organization_exists(app: &App, org: &str) -> Result<bool, Page> {
    let Some(root) = app.catalog.root.as_deref().and_then(|r| app.catalog.model(r)) else {
        return Ok(false);
    };
    let Some(key) = root.key.first().and_then(|k| root.column(k)) else {
        return Ok(false);
    };
    let sql = format!(
        "SELECT EXISTS (SELECT 1 FROM {} WHERE {}::text = $1)",
        root.table_sql,
        data::q(&key.column)
    );
    let rows = app.owner.query(&sql, &[&org]).await.map_err(fail)?;
    Ok(rows.first().is_some_and(|r| r.get::<_, bool>(0)))
}

/// The tenant's read scope: the application role, this tenant bound, `READ ONLY`.
pub(crate) async fn scope(app: &App, org: &str) -> Result<TenantScope<ReadOnly>, Page> {
    if !organization_exists(app, org).await? {
        return Err(Page::Status(StatusCode::NOT_FOUND, format!("no organization `{org}`")));
    }
    acting::read_scope(app, org).await
}

/// Each tenant model's row count in this scope (bounded), in one read-only transaction.
pub(crate) async fn counts(app: &App, scope: &TenantScope<ReadOnly>, org: &str) -> Result<Vec<(String, i64)>, Page> {
    let models: Vec<&catalog::Model> = app.catalog.models.iter().filter(|m| m.kind != Kind::Global).collect();
    let statements = models
        .iter()
        .map(|m| {
            data::count_sql(
                m,
                Some(org),
                &View {
                    page: 1,
                    size: 1,
                    ..View::default()
                },
            )
        })
        .collect();
    let results = data::in_scope(scope, statements).await.map_err(fail)?;
    Ok(models
        .iter()
        .zip(results)
        .map(|(m, rows)| (m.name.clone(), rows.first().map_or(0, |r| r.get::<_, i64>(0))))
        .collect())
}

async fn org_home(State(app): State<Arc<App>>, Path(org): Path<String>) -> Page {
    let run = async {
        let scope = scope(&app, &org).await?;
        let counts = counts(&app, &scope, &org).await?;
        let place = Place {
            org: Some(&org),
            model: None,
        };
        let members = acting::members(&app, &org).await?;
        let body = maud::html! { h1 { "Organization " (org) } p { "Pick a model on the left." } (members) };
        Ok::<_, Page>(Page::Html(pages::layout(&app, &place, &counts, &org, body)))
    };
    run.await.unwrap_or_else(|p| p)
}

/// Whether Studio offers writes of `m` in `org`: not read-only, not acting as a read-only role, not a
/// view, and (for a schema that audits) with an audit log to record them in.
pub(crate) fn writable(app: &App, org: Option<&str>, m: &catalog::Model) -> bool {
    let Some(org) = org else { return false };
    let reader = matches!(
        acting::current(app, org),
        Some((_, role)) if app.catalog.members.as_ref().is_some_and(|(_, spec)| spec.read_only.contains(&role))
    );
    !app.read_only && !reader && !m.view && (app.catalog.audit.is_some() || !app.catalog.audited)
}

pub(crate) fn model<'a>(app: &'a App, name: &str, tenant: bool) -> Result<&'a catalog::Model, Page> {
    app.catalog
        .model(name)
        .filter(|m| (m.kind != Kind::Global) == tenant)
        .ok_or_else(|| Page::Status(StatusCode::NOT_FOUND, format!("no model `{name}` here")))
}

/// Rows of `statements` run in the tenant's scope, or (global models) on Studio's application login.
pub(crate) async fn run(
    app: &App,
    scope: Option<&TenantScope<ReadOnly>>,
    statements: Vec<data::Sql>,
) -> Result<Vec<Vec<trato_hive_runtime::Row>>, Page> {
    match scope {
        Some(s) => data::in_scope(s, statements).await.map_err(fail),
        None => {
            let mut out = Vec::new();
            for s in statements {
                let params: Vec<&(dyn trato_hive_runtime::ToSql + Sync)> = s
                    .params
                    .iter()
                    .map(|p| p as &(dyn trato_hive_runtime::ToSql + Sync))
                    .collect();
                out.push(app.app.query(&s.text, &params).await.map_err(fail)?);
            }
            Ok(out)
        }
    }
}

/// A tenant grid's view inspected: SQL, the repository call, and the plan from inside the tenant's
/// transaction.
async fn inspect_page(
    State(app): State<Arc<App>>,
    Path((org, name)): Path<(String, String)>,
    RawQuery(q): RawQuery,
) -> Response {
    let run = async {
        let m = model(&app, &name, true)?;
        let view = View::parse(m, &pairs(q)?).map_err(|e| Page::Status(StatusCode::BAD_REQUEST, e))?;
        let scope = scope(&app, &org).await?;
        let sql = data::rows_sql(m, Some(&org), &view, 200);
        let explain = data::Sql {
            text: format!("EXPLAIN (FORMAT JSON) {}", sql.text),
            params: sql.params.clone(),
        };
        let rows = data::in_scope(&scope, vec![explain]).await.map_err(fail)?;
        let plan = rows
            .first()
            .and_then(|r| r.first())
            .and_then(|r| r.try_get::<_, serde_json::Value>(0).ok())
            .map(|v| serde_json::to_string_pretty(&v).unwrap_or_default())
            .unwrap_or_default();
        let back = format!(
            "{}?{}",
            pages::grid_url(Some(&org), &m.name),
            view.query(Some(view.page), None)
        );
        let place = Place {
            org: Some(&org),
            model: Some(&m.name),
        };
        let body = inspect::page(m, &view, &sql, &plan, &back);
        Ok::<_, Page>(pages::layout(&app, &place, &[], &m.name, body).into_response())
    };
    run.await.unwrap_or_else(|p| p.into_response())
}

/// Each request runs with Studio's query-log dispatcher, so the statements it causes are recorded.
async fn record_statements(
    State(app): State<Arc<App>>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    use tracing::instrument::WithSubscriber;
    next.run(req).with_subscriber(app.dispatch.clone()).await
}

async fn log_page(State(app): State<Arc<App>>) -> Page {
    let place = Place { org: None, model: None };
    Page::Html(pages::layout(&app, &place, &[], "Query log", log::page(&app.log)))
}

async fn migrations_page(State(app): State<Arc<App>>, RawQuery(q): RawQuery) -> Page {
    let body = migrations::page(&app.migrations, app.owner.config(), q.as_deref() == Some("drift=1")).await;
    let place = Place { org: None, model: None };
    Page::Html(pages::layout(&app, &place, &[], "Migrations", body))
}

async fn diagram_page(State(app): State<Arc<App>>) -> Page {
    let place = Place { org: None, model: None };
    Page::Html(pages::layout(
        &app,
        &place,
        &[],
        "Schema",
        diagram::page(&app.catalog, None),
    ))
}

async fn org_diagram_page(State(app): State<Arc<App>>, Path(org): Path<String>) -> Page {
    if let Err(p) = scope(&app, &org).await {
        return p;
    }
    let place = Place {
        org: Some(&org),
        model: None,
    };
    Page::Html(pages::layout(
        &app,
        &place,
        &[],
        "Schema",
        diagram::page(&app.catalog, Some(&org)),
    ))
}

async fn health_page(State(app): State<Arc<App>>) -> Page {
    match health::checks(&app.owner, &app.app_user, &app.catalog).await {
        Ok(checks) => Page::Html(pages::layout(
            &app,
            &Place { org: None, model: None },
            &[],
            "Tenancy health",
            health::page(&checks),
        )),
        Err(e) => fail(e),
    }
}
