//! `cargo xtask bench db [--quick | --callgrind] [--only TEXT] [--peers sqlx,sea-orm,diesel-async]`: the
//! generated repositories against hand-written tokio-postgres with prepared statements running the same
//! SQL, and against the peers compiled in by their cargo features, measured in one run on one server this
//! binary starts.
//!
//! Ours runs as an application does: as the application role, tenant-scoped (each statement pipelined with
//! `BEGIN`, the tenant binding and `COMMIT`), under row-level security. Raw runs the same statement on its
//! own, as the table owner, each statement prepared once: on one held connection and through a pool. The
//! cost of binding the tenant is inside the ratio, on purpose. Peers (`sqlx_peer`, `sea_orm_peer`,
//! `diesel_peer`) run raw's statements their own documented way, as the owner. Rounds are interleaved in
//! shuffled order, the sides in a different order every round; each round gives a ratio per scenario; the
//! report gives the median ratio and its interquartile range, and flags scenarios whose raw timings varied
//! by more than 10% between rounds. Every side's results are compared (checksums) before timing, so all do
//! the same work. `--callgrind` counts client-side instructions per operation instead (run under valgrind
//! by xtask), ours and raw.

use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use std::collections::HashMap;
use std::sync::Mutex;
use tokio_postgres::types::ToSql;

use tokio_postgres::{Client, NoTls, Statement};
use trato_hive_db::runtime::{Db, DbConfig, Migrator, Query, ReadWrite, TenantScope, TxOptions};
use trato_hive_db::*;

use ours::ours;
use raw::raw;
pub(crate) use raw::{audit_params, raw_sql};

mod ours;
mod raw;

#[cfg(feature = "diesel-async")]
mod diesel_peer;
#[cfg(feature = "sea-orm")]
mod sea_orm_peer;
#[cfg(feature = "sqlx")]
mod sqlx_peer;

const ORGS: usize = 10;
const COMPANIES_PER_ORG: usize = 1_000;
const DEALS_PER_ORG: usize = 10_000;
/// Rows per bulk create.
const BULK: usize = 10_000;
/// Chunks per document in the nested create.
const CHUNKS: usize = 5;

/// The connections every scenario runs on: ours, raw tokio-postgres, and the peers built in.
pub struct Setup {
    /// Raw, held: one connection as the owner, each statement prepared once (the floor).
    raw: Client,
    raw_stmts: Mutex<HashMap<String, Statement>>,
    /// Raw, pooled: a deadpool of 10 connections as the owner, statements prepared once per connection.
    raw_pool: deadpool_postgres::Pool,
    /// The application role's own connection, for the raw side of bulk create (which must pass RLS too).
    raw_app: Client,
    db: Db,
    scope: TenantScope<ReadWrite>,
    tenant: String,
    deal_ids: Vec<String>,
    #[cfg(feature = "sqlx")]
    sqlx: sqlx_peer::Pools,
    #[cfg(feature = "sea-orm")]
    sea_orm: sea_orm_peer::Pools,
    #[cfg(feature = "diesel-async")]
    diesel: diesel_peer::Pools,
}

/// Who runs an operation: ours, raw (held or pooled), or a peer compiled in by its cargo feature.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Side {
    Ours,
    RawHeld,
    RawPooled,
    #[cfg(feature = "sqlx")]
    Sqlx,
    #[cfg(feature = "sea-orm")]
    SeaOrm,
    #[cfg(feature = "diesel-async")]
    DieselAsync,
}

impl Side {
    /// Every side this binary was built with, in report order.
    fn all() -> Vec<Side> {
        vec![
            Side::Ours,
            Side::RawHeld,
            Side::RawPooled,
            #[cfg(feature = "sqlx")]
            Side::Sqlx,
            #[cfg(feature = "sea-orm")]
            Side::SeaOrm,
            #[cfg(feature = "diesel-async")]
            Side::DieselAsync,
        ]
    }

    fn name(self) -> &'static str {
        match self {
            Side::Ours => "ours",
            Side::RawHeld => "raw held",
            Side::RawPooled => "raw pooled",
            #[cfg(feature = "sqlx")]
            Side::Sqlx => "sqlx",
            #[cfg(feature = "sea-orm")]
            Side::SeaOrm => "sea-orm",
            #[cfg(feature = "diesel-async")]
            Side::DieselAsync => "diesel-async",
        }
    }

    /// The peers (not ours, not raw).
    fn is_peer(self) -> bool {
        !matches!(self, Side::Ours | Side::RawHeld | Side::RawPooled)
    }

    async fn run(self, s: &Setup, sc: Scenario, i: usize) -> anyhow::Result<u64> {
        match self {
            Side::Ours => ours(s, sc, i).await,
            Side::RawHeld => raw(s, sc, i, false).await,
            Side::RawPooled => raw(s, sc, i, true).await,
            #[cfg(feature = "sqlx")]
            Side::Sqlx => sqlx_peer::run(s, sc, i).await,
            #[cfg(feature = "sea-orm")]
            Side::SeaOrm => sea_orm_peer::run(s, sc, i).await,
            #[cfg(feature = "diesel-async")]
            Side::DieselAsync => diesel_peer::run(s, sc, i).await,
        }
    }
}

/// A tiny deterministic PRNG (xorshift64*).
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn cols(meta: &runtime::ModelMeta) -> String {
    meta.columns
        .iter()
        .map(|c| format!("t.\"{}\"", c.column))
        .collect::<Vec<_>>()
        .join(", ")
}

async fn setup(url_owner: &str, url_app: &str) -> anyhow::Result<Setup> {
    let (raw, conn) = tokio_postgres::connect(url_owner, NoTls).await?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    raw.batch_execute(&format!(
        "INSERT INTO users (id, email, updated_at) SELECT 'u' || g, 'u' || g || '@x', now() FROM generate_series(1, 10000) g;
         INSERT INTO organizations (id, name, slug, updated_at) SELECT 'org' || o, 'Org ' || o, 'org-' || o, now() FROM generate_series(1, {ORGS}) o;
         INSERT INTO organization_members (id, organization_id, user_id, role, updated_at) SELECT 'm' || o, 'org' || o, 'u' || o, 'OWNER', now() FROM generate_series(1, {ORGS}) o;
         INSERT INTO companies (id, organization_id, name, employees, updated_at)
           SELECT 'c' || o || '_' || g, 'org' || o, 'Company ' || g, g % 500, now() FROM generate_series(1, {ORGS}) o, generate_series(1, {COMPANIES_PER_ORG}) g;
         INSERT INTO deals (id, organization_id, company_id, name, stage, value, probability, updated_at)
           SELECT 'd' || o || '_' || g, 'org' || o, 'c' || o || '_' || (g % {COMPANIES_PER_ORG} + 1), 'Deal ' || g,
                  (ARRAY['SOURCING','INITIAL_REVIEW','NEGOTIATION','CLOSING'])[g % 4 + 1]::\"DealStage\", g, g % 100, now()
           FROM generate_series(1, {ORGS}) o, generate_series(1, {DEALS_PER_ORG}) g;
         ANALYZE;"
    ))
    .await
    .context("seeding")?;
    let (raw_app, conn) = tokio_postgres::connect(url_app, NoTls).await?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    let db = Db::connect(DbConfig::from_url(&format!(
        "{url_app}?sslmode=disable&connection_limit=10"
    ))?)?;
    let scope = scope(&db, "u1", "org1").await?.write()?;
    let raw_pool = deadpool_postgres::Pool::builder(deadpool_postgres::Manager::from_config(
        url_owner.parse()?,
        NoTls,
        deadpool_postgres::ManagerConfig {
            recycling_method: deadpool_postgres::RecyclingMethod::Fast,
        },
    ))
    .max_size(10)
    .build()?;
    let deal_ids = (1..=DEALS_PER_ORG).map(|g| format!("d1_{g}")).collect();
    Ok(Setup {
        raw,
        raw_stmts: Mutex::new(HashMap::new()),
        raw_pool,
        raw_app,
        db,
        scope,
        tenant: "org1".into(),
        deal_ids,
        #[cfg(feature = "sqlx")]
        sqlx: sqlx_peer::Pools::connect(url_owner, url_app).await?,
        #[cfg(feature = "sea-orm")]
        sea_orm: sea_orm_peer::Pools::connect(url_owner, url_app).await?,
        #[cfg(feature = "diesel-async")]
        diesel: diesel_peer::Pools::connect(url_owner, url_app).await?,
    })
}

/// What a scenario does once: ours or raw. Returns a checksum of what it read or wrote.
#[derive(Clone, Copy, Debug)]
pub enum Scenario {
    /// One row by primary key.
    FindById,
    /// Up to 100 rows: a filter, an order, a limit.
    FindMany100,
    /// A count.
    Count,
    /// One insert.
    InsertOne,
    /// One update by primary key.
    UpdateById,
    /// 1,000 rows.
    Read1000,
    /// 10,000 rows.
    Read10000,
    /// 100 companies with their deals.
    Include100,
    /// A page of 20 and the total count.
    PageWithTotal,
    /// A transaction that reads, then writes.
    TxReadWrite,
    /// A bulk create of 10,000 rows.
    BulkCreate,
    /// 100 companies with how many deals each has (relation counts).
    Counts100,
    /// A probability incremented by the database, by id (audited).
    Increment,
    /// A document created with its chunks, in one transaction (the document audited).
    NestedCreate,
}

const SCENARIOS: &[(Scenario, &str, usize)] = &[
    (Scenario::FindById, "find by id", 400),
    (Scenario::FindMany100, "find many (filter, order, limit 100)", 100),
    (Scenario::Count, "count", 200),
    (Scenario::InsertOne, "insert one", 200),
    (Scenario::UpdateById, "update by id", 200),
    (Scenario::Read1000, "read 1,000 rows", 20),
    (Scenario::Read10000, "read 10,000 rows", 4),
    (Scenario::Include100, "100 companies with their deals", 10),
    (Scenario::Counts100, "100 companies with their deal counts", 10),
    (Scenario::Increment, "increment by id (audited)", 200),
    (
        Scenario::NestedCreate,
        "nested create: a document and its 5 chunks (one transaction, audited)",
        100,
    ),
    (Scenario::PageWithTotal, "page of 20 + total (one snapshot)", 50),
    (Scenario::TxReadWrite, "transaction: read then write", 100),
    (
        Scenario::BulkCreate,
        "bulk create 10,000 rows (raw: UNNEST as the app role, RLS on)",
        1,
    ),
];

/// What a hand-written application does with parents and their children (one-to-many): each parent gets
/// its own, in the children's order.
fn group<P, C>(
    parents: Vec<P>,
    children: Vec<C>,
    pk: impl Fn(&P) -> &str,
    fk: impl Fn(&C) -> Option<&str>,
) -> Vec<(P, Vec<C>)> {
    let mut by: HashMap<String, Vec<C>> = HashMap::new();
    for c in children {
        if let Some(k) = fk(&c) {
            by.entry(k.to_string()).or_default().push(c);
        }
    }
    parents
        .into_iter()
        .map(|p| {
            let mine = by.remove(pk(&p)).unwrap_or_default();
            (p, mine)
        })
        .collect()
}

/// Each item with its to-one related row (which several items may share).
fn attach<I, P: Clone>(
    items: Vec<I>,
    related: Vec<P>,
    fk: impl Fn(&I) -> Option<&str>,
    pk: impl Fn(&P) -> &str,
) -> Vec<(I, Option<P>)> {
    let by: HashMap<&str, &P> = related.iter().map(|p| (pk(p), p)).collect();
    items
        .into_iter()
        .map(|i| {
            let p = fk(&i).and_then(|k| by.get(k)).map(|p| (*p).clone());
            (i, p)
        })
        .collect()
}

/// The distinct keys items point at, for one `= ANY($n)` statement.
fn keys_of<I>(items: &[I], fk: impl Fn(&I) -> Option<&str>) -> Vec<&str> {
    let mut keys: Vec<&str> = items.iter().filter_map(fk).collect();
    keys.sort_unstable();
    keys.dedup();
    keys
}

/// What a hand-written mapping does: every column of every row into the struct, each row as it arrives
/// (`query_raw`: the mapping overlaps the arrival of the next row, as ours does).
async fn decode<M: runtime::Model>(
    c: &Client,
    st: &Statement,
    params: &[&(dyn ToSql + Sync)],
) -> anyhow::Result<Vec<M>> {
    use futures_util::TryStreamExt as _;
    let rows = c.query_raw(st, params.iter().copied()).await?;
    let mut rows = std::pin::pin!(rows);
    let mut out = Vec::new();
    while let Some(row) = rows.try_next().await? {
        out.push(M::from_row(&row)?);
    }
    Ok(out)
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    if v.is_empty() {
        return f64::NAN;
    }
    v[v.len() / 2]
}

fn quartiles(v: &mut [f64]) -> (f64, f64) {
    v.sort_by(|a, b| a.total_cmp(b));
    if v.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    (v[v.len() / 4], v[(v.len() * 3 / 4).min(v.len() - 1)])
}

async fn time_ops(
    n: usize,
    start: usize,
    mut f: impl AsyncFnMut(usize) -> anyhow::Result<u64>,
) -> anyhow::Result<Duration> {
    let t = Instant::now();
    for i in 0..n {
        f(start + i).await?;
    }
    Ok(t.elapsed() / n as u32)
}

/// 32 tasks over a pool of 10: 80% reads by id, 20% updates. Returns (ops per second, p50, p99).
async fn concurrency(s: &Setup, side: Side, ops: usize) -> anyhow::Result<(f64, Duration, Duration)> {
    let sql = raw_sql();
    let started = Instant::now();
    let mut tasks = Vec::new();
    for task in 0..32 {
        let scope = s.scope.clone();
        let pool = s.raw_pool.clone();
        #[cfg(feature = "sqlx")]
        let sqlx_pool = s.sqlx.owner.clone();
        #[cfg(feature = "sea-orm")]
        let sea_orm_db = s.sea_orm.owner.clone();
        #[cfg(feature = "diesel-async")]
        let diesel_pool = s.diesel.owner.clone();
        let ids = s.deal_ids.clone();
        tasks.push(tokio::spawn(async move {
            let mut rng = Rng(0x9E37_79B9 ^ task as u64 | 1);
            let mut lat = Vec::with_capacity(ops / 32);
            for _ in 0..ops / 32 {
                let id = ids[rng.below(ids.len())].clone();
                let write = rng.below(5) == 0;
                let t = Instant::now();
                if side == Side::Ours {
                    if write {
                        scope
                            .repo::<Deal>()
                            .update(id, DealUpdate::default().probability(Some(7)))
                            .await?;
                    } else {
                        scope.repo::<Deal>().find_by_id(id).await?;
                    }
                } else if side.is_peer() {
                    #[cfg(feature = "sqlx")]
                    if side == Side::Sqlx {
                        if write {
                            sqlx_peer::update(&sqlx_pool, "org1", &id, Some(7)).await?;
                        } else {
                            sqlx_peer::find(&sqlx_pool, "org1", &id).await?;
                        }
                    }
                    #[cfg(feature = "sea-orm")]
                    if side == Side::SeaOrm {
                        if write {
                            sea_orm_peer::update(&sea_orm_db, "org1", &id, Some(7)).await?;
                        } else {
                            sea_orm_peer::find(&sea_orm_db, "org1", &id).await?;
                        }
                    }
                    #[cfg(feature = "diesel-async")]
                    if side == Side::DieselAsync {
                        let mut conn = diesel_pool.get().await?;
                        if write {
                            diesel_peer::update(&mut conn, "org1", &id, Some(7)).await?;
                        } else {
                            diesel_peer::find(&mut conn, "org1", &id).await?;
                        }
                    }
                } else {
                    let conn = pool.get().await?;
                    if write {
                        let st = conn.prepare_cached(&sql.update).await?;
                        let (k, d, m, a, f, r, u) = audit_params();
                        conn.query(&st, &[&Some(7i32), &"org1", &id, &k, &d, &m, &a, &f, &r, &u])
                            .await?;
                    } else {
                        let st = conn.prepare_cached(&sql.find_by_id).await?;
                        conn.query(&st, &[&"org1", &id, &1i64]).await?;
                    }
                }
                lat.push(t.elapsed());
            }
            Ok::<_, anyhow::Error>(lat)
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await??);
    }
    let elapsed = started.elapsed();
    all.sort();
    Ok((
        all.len() as f64 / elapsed.as_secs_f64(),
        all[all.len() / 2],
        all[all.len() * 99 / 100],
    ))
}

/// The physical limit of bulk create: `COPY ... FROM STDIN (FORMAT binary)` of the same rows, as the owner,
/// into a copy of the activities table (same columns, defaults, indexes) without row-level security, which
/// is the only kind of table PostgreSQL lets COPY FROM write. Returns the time per 10,000 rows.
async fn copy_limit(s: &Setup, i: usize) -> anyhow::Result<Duration> {
    use tokio_postgres::binary_copy::BinaryCopyInWriter;
    use tokio_postgres::types::Type;
    let c = &s.raw;
    // The enum's type as the server describes it (what COPY's binary writer checks values against).
    let kind = c.prepare("SELECT $1::\"ActivityType\"").await?.params()[0].clone();
    let t = Instant::now();
    c.batch_execute("BEGIN").await?;
    let sink = c
        .copy_in("COPY activities_unprotected (organization_id, id, type, description) FROM STDIN (FORMAT binary)")
        .await?;
    let mut w = std::pin::pin!(BinaryCopyInWriter::new(
        sink,
        &[Type::TEXT, Type::TEXT, kind, Type::TEXT]
    ));
    for k in 0..BULK {
        let (id, desc) = (runtime::ids::cuid(), format!("bulk {i} {k}"));
        w.as_mut()
            .write(&[&s.tenant, &id, &ActivityType::UserAction, &desc])
            .await?;
    }
    let n = w.finish().await?;
    c.batch_execute("COMMIT").await?;
    if n != BULK as u64 {
        bail!("COPY wrote {n} rows, not {BULK}");
    }
    Ok(t.elapsed())
}

/// A server of its own, migrated and seeded, with every connection the scenarios use.
async fn start() -> anyhow::Result<(trato_pg::Cluster, Setup, Client)> {
    let bin = trato_pg::ensure(None)?;
    let cluster = trato_pg::ephemeral(&bin)?;
    let owner = cluster.url("postgres");
    let admin = Db::connect(DbConfig::from_url(&format!("{owner}?sslmode=disable"))?)?;
    admin.execute("CREATE DATABASE bench", &[]).await?;
    admin.close();
    let owner = cluster.url("bench");
    let migrations = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../schema/migrations");
    let owner_cfg = DbConfig::from_url(&format!("{owner}?sslmode=disable"))?;
    Migrator::from_dir(&migrations)?.deploy(&owner_cfg).await?;
    Migrator::create_app_login(&owner_cfg, "bench_app", "app").await?;
    let (oc, conn) = tokio_postgres::connect(&owner, NoTls).await?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    oc.batch_execute("CREATE TABLE activities_unprotected (LIKE activities INCLUDING ALL);")
        .await?;
    let app = owner.replacen(&format!("postgres:{}", cluster.password), "bench_app:app", 1);
    eprintln!(
        "bench: seeding {ORGS} organizations, {} companies, {} deals",
        ORGS * COMPANIES_PER_ORG,
        ORGS * DEALS_PER_ORG
    );
    let s = setup(&owner, &app).await?;
    Ok((cluster, s, oc))
}

/// Operations per measured call in `--callgrind` mode (the client runs about 50 times slower under it).
fn callgrind_ops(sc: Scenario) -> usize {
    match sc {
        Scenario::BulkCreate | Scenario::Read10000 => 1,
        Scenario::Read1000 | Scenario::Include100 | Scenario::Counts100 => 3,
        _ => 20,
    }
}

/// The only code callgrind counts in `--callgrind` mode (`--toggle-collect=*trato_bench_measure*`, a dump
/// after each call): `n` operations of one scenario by one side, on the current thread, connection I/O
/// included.
#[inline(never)]
pub fn trato_bench_measure(
    rt: &tokio::runtime::Runtime,
    s: &Setup,
    sc: Scenario,
    side: usize,
    n: usize,
) -> anyhow::Result<()> {
    rt.block_on(async {
        for i in 0..n {
            match side {
                0 => ours(s, sc, 10_000 + i).await?,
                _ => raw(s, sc, 10_000 + i, false).await?,
            };
        }
        Ok(())
    })
}

/// `--callgrind`: client-side instructions per operation, ours and raw (held), deterministic whatever else
/// the machine does. Prints one manifest line per measured call, in the order of callgrind's dumps.
fn callgrind_mode(only: Option<&str>) -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let (cluster, s, _oc) = rt.block_on(start())?;
    for (sc, name, _) in SCENARIOS {
        if only.is_some_and(|o| !name.contains(o)) {
            continue;
        }
        for side in [0usize, 1] {
            // Warm up (statements prepared, pool connections open) outside the measured call.
            rt.block_on(async {
                match side {
                    0 => ours(&s, *sc, 9_000).await,
                    _ => raw(&s, *sc, 9_000, false).await,
                }
            })?;
            let n = callgrind_ops(*sc);
            trato_bench_measure(&rt, &s, *sc, side, n)?;
            println!("callgrind-run\t{name}\t{}\t{n}", ["ours", "raw"][side]);
        }
    }
    s.db.close();
    cluster.destroy()?;
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    // --only <text>: only the scenarios whose name contains it (for profiling one scenario).
    let only = args.iter().skip_while(|a| *a != "--only").nth(1).cloned();
    if args.iter().any(|a| a == "--callgrind") {
        return callgrind_mode(only.as_deref());
    }
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?
        .block_on(timed(args, only))
}

async fn timed(args: Vec<String>, only: Option<String>) -> anyhow::Result<()> {
    let quick = args.iter().any(|a| a == "--quick");
    // --smoke: one round of a few operations, to check that everything runs (the xtask test uses it).
    let smoke = args.iter().any(|a| a == "--smoke");
    let rounds = if smoke {
        1
    } else if quick {
        5
    } else {
        15
    };
    let out = args.iter().skip_while(|a| *a != "--out").nth(1).cloned();
    let (cluster, s, oc) = start().await?;
    let sides = Side::all();
    let selected: Vec<usize> = (0..SCENARIOS.len())
        .filter(|&k| only.as_ref().is_none_or(|o| SCENARIOS[k].1.contains(o.as_str())))
        .collect();

    // Same work: checksums of ours and raw agree before anything is timed.
    for &k in &selected {
        let (sc, name, _) = SCENARIOS[k];
        if matches!(
            sc,
            Scenario::InsertOne | Scenario::UpdateById | Scenario::TxReadWrite | Scenario::Increment
        ) {
            continue;
        }
        // Bulk create is compared by rows inserted (every side inserts BULK rows).
        let mut sums = Vec::new();
        for side in &sides {
            sums.push((side.name(), side.run(&s, sc, 7).await?));
        }
        if sums.iter().any(|(_, c)| *c != sums[0].1) {
            bail!("{name}: the sides computed different results: {sums:?}");
        }
    }

    // times[k][side]: µs per operation, one entry per round.
    let mut times: Vec<Vec<Vec<f64>>> = vec![vec![Vec::new(); sides.len()]; SCENARIOS.len()];
    let mut copy_times = Vec::new();
    let mut rng = Rng(42);
    for round in 0..rounds {
        let mut order = selected.clone();
        for i in (1..order.len()).rev() {
            order.swap(i, rng.below(i + 1));
        }
        for &k in &order {
            let (sc, _, n) = SCENARIOS[k];
            let n = if smoke {
                2
            } else if quick {
                (n / 2).max(2)
            } else {
                n
            };
            let base = round * 1000;
            // The sides in a different order every round.
            let mut turn: Vec<usize> = (0..sides.len()).collect();
            turn.rotate_left(round % sides.len());
            if round % 2 == 1 {
                turn.reverse();
            }
            for j in turn {
                let side = sides[j];
                let d = time_ops(n, base, async |i| side.run(&s, sc, i).await).await?;
                times[k][j].push(d.as_secs_f64() * 1e6);
            }
            if matches!(sc, Scenario::BulkCreate) {
                copy_times.push(copy_limit(&s, round).await?.as_secs_f64() * 1e6);
            }
        }
        eprintln!("bench: round {}/{rounds} done", round + 1);
    }

    let version: String = oc.query_one("SHOW server_version", &[]).await?.get(0);
    let mut report = String::new();
    report.push_str("# Benchmark results\n\n");
    report.push_str(&format!(
        "Generated by `cargo xtask bench db{}{}` on {} core(s), PostgreSQL {version} (local, `fsync=off`, `synchronous_commit=off`), \
         {ORGS} organizations, {} companies, {} deals; {rounds} interleaved rounds in shuffled order.\n\n",
        if quick { " --quick" } else { "" },
        {
            let peers: Vec<&str> = sides.iter().filter(|p| p.is_peer()).map(|p| p.name()).collect();
            if peers.is_empty() {
                String::new()
            } else {
                format!(" --peers {}", peers.join(","))
            }
        },
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        ORGS * COMPANIES_PER_ORG,
        ORGS * DEALS_PER_ORG
    ));
    report.push_str(
        "Ours: the generated repositories on their pool of 10, as the application role, tenant-scoped under \
         row-level security (every statement pipelined with `BEGIN; SET LOCAL trato.tenant_id = ...` and `COMMIT`). \
         Raw: tokio-postgres running the same SQL, each statement prepared once per connection, as the owner \
         (no RLS): on one held connection, and checked out of a deadpool of 10 per operation. Ratios are per \
         round, then the median over rounds, with the interquartile range. Peers, each compiled in by its cargo \
         feature (`cargo xtask bench db --peers sqlx,sea-orm,diesel-async`), run raw's SQL as the owner through their own pool of 10, \
         used as their documentation recommends.\n\n",
    );
    // Client-side instructions per operation, when xtask ran the callgrind mode first.
    let instr: HashMap<String, (f64, f64)> = match args.iter().skip_while(|a| *a != "--instr").nth(1) {
        Some(path) => std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {path}"))?
            .lines()
            .filter_map(|l| {
                let mut p = l.split('\t');
                Some((
                    p.next()?.to_string(),
                    (p.next()?.parse().ok()?, p.next()?.parse().ok()?),
                ))
            })
            .collect(),
        None => HashMap::new(),
    };
    let peers: Vec<(usize, Side)> = sides.iter().copied().enumerate().filter(|(_, p)| p.is_peer()).collect();
    let mut head = String::from(
        "| scenario | raw held µs/op | raw pooled µs/op | ours µs/op | ours / raw pooled | IQR | ours / raw held |",
    );
    let mut rule = String::from("|---|---:|---:|---:|---:|---|---:|");
    for (_, p) in &peers {
        head.push_str(&format!(" {0} µs/op | {0} / raw pooled | ours / {0} |", p.name()));
        rule.push_str("---:|---:|---:|");
    }
    if !instr.is_empty() {
        head.push_str(" ours instr/op | raw instr/op | ours − raw instr |");
        rule.push_str("---:|---:|---:|");
    }
    report.push_str(&format!("{head} note |\n{rule}---|\n"));
    let column = |k: usize, j: usize| -> &Vec<f64> { &times[k][j] };
    // Per round: a / b, then the median and quartiles over rounds.
    let ratio = |a: &[f64], b: &[f64]| -> Vec<f64> { a.iter().zip(b).map(|(x, y)| x / y).collect() };
    for &k in &selected {
        let name = SCENARIOS[k].1;
        let (o, h, p) = (column(k, 0), column(k, 1), column(k, 2));
        let (mut rp, mut rh) = (ratio(o, p), ratio(o, h));
        let mean = p.iter().sum::<f64>() / p.len() as f64;
        let sd = (p.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / p.len() as f64).sqrt();
        let noisy = if sd / mean > 0.10 {
            "raw baseline noisy (>10% between rounds)"
        } else {
            ""
        };
        let (q1, q3) = quartiles(&mut rp.clone());
        let mut line = format!(
            "| {name} | {:.0} | {:.0} | {:.0} | {:.3} | {q1:.3} – {q3:.3} | {:.3} |",
            median(&mut h.clone()),
            median(&mut p.clone()),
            median(&mut o.clone()),
            median(&mut rp),
            median(&mut rh),
        );
        for (j, _) in &peers {
            let x = column(k, *j);
            line.push_str(&format!(
                " {:.0} | {:.3} | {:.3} |",
                median(&mut x.clone()),
                median(&mut ratio(x, p)),
                median(&mut ratio(o, x)),
            ));
        }
        if !instr.is_empty() {
            match instr.get(name) {
                Some((io, ir)) => line.push_str(&format!(" {io:.0} | {ir:.0} | {:.0} |", io - ir)),
                None => line.push_str(" | | |"),
            }
        }
        report.push_str(&format!("{line} {noisy} |\n"));
    }
    if !instr.is_empty() {
        report.push_str(
            "\nInstructions per operation: client side only, counted by valgrind's callgrind in \
             `cargo xtask bench db --callgrind` (one thread, connection I/O included, raw on its held connection); \
             the same count on a busy or an idle machine.\n",
        );
    }
    if !copy_times.is_empty() {
        let k = SCENARIOS
            .iter()
            .position(|(sc, _, _)| matches!(sc, Scenario::BulkCreate))
            .expect("bulk create is a scenario");
        let ours_bulk = median(&mut times[k][0].clone());
        let copy = median(&mut copy_times);
        report.push_str(&format!(
            "\nBulk create's physical limit: `COPY ... FROM STDIN (FORMAT binary)` of the same {BULK} rows into a copy of \
             the table without row-level security (COPY FROM is refused under RLS): {copy:.0} µs; ours reaches \
             {:.2}x its throughput.\n",
            copy / ours_bulk
        ));
    }
    let ops = if smoke {
        64
    } else if quick {
        3_200
    } else {
        16_000
    };
    if only.is_none() || only.as_deref() == Some("concurrency") {
        report.push_str(&format!(
            "\n32 tasks over a pool of 10, 80% reads by id and 20% audited updates ({ops} operations each side):\n\n\
             | side | ops/s | p50 | p99 | throughput / raw |\n|---|---:|---:|---:|---:|\n"
        ));
        let mut results = Vec::new();
        for side in sides.iter().copied().filter(|s| *s != Side::RawHeld) {
            results.push((side, concurrency(&s, side, ops).await?));
        }
        let raw_tp = results
            .iter()
            .find(|(side, _)| *side == Side::RawPooled)
            .map_or(f64::NAN, |(_, r)| r.0);
        for (side, (tp, p50, p99)) in &results {
            report.push_str(&format!(
                "| {} | {tp:.0} | {p50:?} | {p99:?} | {:.3} |\n",
                side.name(),
                tp / raw_tp
            ));
        }
    }
    print!("{report}");
    if let Some(path) = out {
        std::fs::write(&path, &report).with_context(|| format!("cannot write {path}"))?;
    }
    s.db.close();
    cluster.destroy()?;
    Ok(())
}
