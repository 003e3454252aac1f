//! The sqlx peer (`--features sqlx`), used as sqlx's documentation recommends: a `PgPool` of 10, runtime
//! `query_as` into `#[derive(FromRow)]` structs, `#[derive(sqlx::Type)]` enums, and sqlx's own per-connection
//! cache of prepared statements. (The compile-time checked `query_as!` macros need a database while
//! building; at run time they execute the same prepared statements.) It runs the SQL raw runs, as the owner
//! with the tenant in the WHERE clause, as an application without row-level security would.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::Row as _;

// The schema's enum types have mixed-case names: sqlx resolves `type_name` as SQL (`$1::regtype`), so the
// names are quoted, as sqlx's documentation says for case-sensitive names.
use crate::raw::{chunk_columns, document_audit_params};
use crate::{attach, audit_params, group, keys_of, raw_sql, Scenario, Setup, BULK};

#[derive(sqlx::Type, Clone, Copy, Debug)]
#[sqlx(type_name = "\"DealStage\"", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Stage {
    Sourcing,
    InitialReview,
    PreliminaryDueDiligence,
    DeepDueDiligence,
    Negotiation,
    Closing,
    ClosedWon,
    ClosedLost,
}

#[derive(sqlx::Type, Clone, Copy, Debug)]
#[sqlx(type_name = "\"DealType\"", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Kind {
    Acquisition,
    Investment,
    Partnership,
    Other,
}

#[derive(sqlx::Type, Clone, Copy, Debug)]
#[sqlx(type_name = "\"CompanyStatus\"", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CompanyStatus {
    Prospect,
    Researching,
    Engaged,
    Pipeline,
    Archived,
}

#[derive(sqlx::Type, Clone, Copy, Debug)]
#[sqlx(type_name = "\"ActivityType\"", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ActivityKind {
    DocumentUploaded,
    DocumentProcessed,
    DealCreated,
    DealStageChanged,
    CompanyAdded,
    AiQuery,
    UserAction,
}

/// Every column decoded, as a hand-written mapping does (the scenarios read only some of them).
#[allow(dead_code)]
#[derive(sqlx::FromRow, Debug, Clone)]
pub struct Deal {
    pub id: String,
    pub organization_id: String,
    pub company_id: Option<String>,
    pub name: String,
    #[sqlx(rename = "type")]
    pub kind: Kind,
    pub stage: Stage,
    pub value: Option<Decimal>,
    pub currency: String,
    pub probability: Option<i32>,
    pub expected_close_date: Option<NaiveDate>,
    pub description: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}

/// Every column decoded, as a hand-written mapping does (the scenarios read only some of them).
#[allow(dead_code)]
#[derive(sqlx::FromRow, Debug, Clone)]
pub struct Company {
    pub id: String,
    pub organization_id: String,
    pub name: String,
    pub domain: Option<String>,
    pub industry: Option<String>,
    pub sector: Option<String>,
    pub description: Option<String>,
    pub employees: Option<i32>,
    pub revenue: Option<Decimal>,
    pub location: Option<String>,
    pub website: Option<String>,
    pub status: CompanyStatus,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}

/// Every column decoded, as a hand-written mapping does (the scenarios read only some of them).
#[allow(dead_code)]
#[derive(sqlx::FromRow, Debug, Clone)]
pub struct Activity {
    pub id: String,
    pub organization_id: String,
    pub user_id: Option<String>,
    pub deal_id: Option<String>,
    pub document_id: Option<String>,
    #[sqlx(rename = "type")]
    pub kind: ActivityKind,
    pub description: String,
    pub metadata: Option<serde_json::Value>,
    pub created_at: DateTime<Utc>,
}

/// sqlx's pools: the owner's for the scenarios, the application role's for bulk create (under RLS).
pub struct Pools {
    pub owner: PgPool,
    pub app: PgPool,
}

impl Pools {
    pub async fn connect(owner: &str, app: &str) -> anyhow::Result<Pools> {
        Ok(Pools {
            owner: PgPoolOptions::new().max_connections(10).connect(owner).await?,
            app: PgPoolOptions::new().max_connections(1).connect(app).await?,
        })
    }
}

/// One operation of a scenario through sqlx; the same checksum as ours and raw.
pub async fn run(s: &Setup, sc: Scenario, i: usize) -> anyhow::Result<u64> {
    let pool = &s.sqlx.owner;
    let t = s.tenant.as_str();
    let sql = raw_sql();
    let id = s.deal_ids[i % s.deal_ids.len()].as_str();
    Ok(match sc {
        Scenario::FindById => sqlx::query_as::<_, Deal>(&sql.find_by_id)
            .bind(t)
            .bind(id)
            .bind(1i64)
            .fetch_optional(pool)
            .await?
            .map_or(0, |d| d.probability.unwrap_or(0) as u64),
        Scenario::FindMany100 => sqlx::query_as::<_, Deal>(&sql.find_many)
            .bind(t)
            .bind(Stage::Negotiation)
            .bind(100i64)
            .fetch_all(pool)
            .await?
            .iter()
            .map(|d| d.probability.unwrap_or(0) as u64)
            .sum(),
        Scenario::Count => {
            sqlx::query_scalar::<_, i64>(&sql.count)
                .bind(t)
                .bind(Stage::Closing)
                .fetch_one(pool)
                .await? as u64
        }
        Scenario::InsertOne => sqlx::query_as::<_, Activity>(&sql.insert)
            .bind(t)
            .bind(trato_hive_db::runtime::ids::cuid())
            .bind(ActivityKind::AiQuery)
            .bind(format!("q{i}"))
            .fetch_one(pool)
            .await?
            .description
            .len() as u64,
        Scenario::UpdateById => update(pool, t, id, Some((i % 100) as i32)).await?,
        Scenario::Increment => {
            audited_update(&sql.increment, pool, t, id, Some(1)).await?;
            1
        }
        Scenario::Counts100 => {
            let parents = sqlx::query_as::<_, Company>(&sql.parents)
                .bind(t)
                .bind(100i64)
                .fetch_all(pool)
                .await?;
            let ids: Vec<&str> = parents.iter().map(|p| p.id.as_str()).collect();
            sqlx::query_as::<_, (Option<String>, i64)>(&sql.counts)
                .bind(t)
                .bind(&ids)
                .fetch_all(pool)
                .await?
                .iter()
                .map(|(_, n)| *n as u64)
                .sum()
        }
        Scenario::Read1000 => sqlx::query_as::<_, Deal>(&sql.read_1000)
            .bind(t)
            .bind(1000i64)
            .fetch_all(pool)
            .await?
            .len() as u64,
        Scenario::Read10000 => sqlx::query_as::<_, Deal>(&sql.read_10000)
            .bind(t)
            .bind(10_000i64)
            .fetch_all(pool)
            .await?
            .len() as u64,
        Scenario::Include100 => {
            let parents = sqlx::query_as::<_, Company>(&sql.parents)
                .bind(t)
                .bind(100i64)
                .fetch_all(pool)
                .await?;
            let ids: Vec<&str> = parents.iter().map(|p| p.id.as_str()).collect();
            let deals = sqlx::query_as::<_, Deal>(&sql.children)
                .bind(t)
                .bind(&ids)
                .fetch_all(pool)
                .await?;
            group(parents, deals, |p| &p.id, |d| d.company_id.as_deref())
                .iter()
                .map(|(_, d)| d.len() as u64)
                .sum()
        }
        Scenario::PageWithTotal => {
            let mut tx = pool.begin().await?;
            sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
                .execute(&mut *tx)
                .await?;
            let items = sqlx::query_as::<_, Deal>(&sql.page)
                .bind(t)
                .bind(Stage::Sourcing)
                .bind(20i64)
                .bind(40i64)
                .fetch_all(&mut *tx)
                .await?;
            let companies = sqlx::query_as::<_, Company>(&sql.page_companies)
                .bind(t)
                .bind(keys_of(&items, |d| d.company_id.as_deref()))
                .fetch_all(&mut *tx)
                .await?;
            let total = sqlx::query_scalar::<_, i64>(&sql.count)
                .bind(t)
                .bind(Stage::Sourcing)
                .fetch_one(&mut *tx)
                .await?;
            tx.commit().await?;
            let items = attach(items, companies, |d| d.company_id.as_deref(), |c| &c.id);
            total as u64 + items.len() as u64
        }
        Scenario::TxReadWrite => {
            let mut tx = pool.begin().await?;
            let d = sqlx::query_as::<_, Deal>(&sql.find_by_id)
                .bind(t)
                .bind(id)
                .bind(1i64)
                .fetch_optional(&mut *tx)
                .await?
                .map_or(0, |d| d.probability.unwrap_or(0));
            update(&mut *tx, t, id, Some((d + 1) % 100)).await?;
            tx.commit().await?;
            1
        }
        Scenario::NestedCreate => {
            // Both statements in a transaction; sqlx decodes each returned row (into its id here).
            let mut tx = pool.begin().await?;
            let doc_id = trato_hive_db::runtime::ids::cuid();
            let (k, d, m, a, f, r, u) = document_audit_params();
            let docs = sqlx::query(&sql.document)
                .bind(t)
                .bind(&doc_id)
                .bind(format!("doc {i}"))
                .bind("s3://bench")
                .bind(k)
                .bind(d)
                .bind(m)
                .bind(a)
                .bind(f)
                .bind(r)
                .bind(u)
                .fetch_all(&mut *tx)
                .await?;
            let (ids, contents, indexes, documents) = chunk_columns(&doc_id);
            let chunks = sqlx::query(&sql.chunks)
                .bind(t)
                .bind(&ids)
                .bind(&contents)
                .bind(&indexes)
                .bind(&documents)
                .fetch_all(&mut *tx)
                .await?;
            tx.commit().await?;
            let ids: Vec<String> = docs.iter().chain(&chunks).map(|r| r.get::<String, _>("id")).collect();
            ids.len() as u64
        }
        Scenario::BulkCreate => {
            // As raw: the application role (COPY FROM is refused under RLS), UNNEST of one array per column.
            let ids: Vec<String> = (0..BULK).map(|_| trato_hive_db::runtime::ids::cuid()).collect();
            let descriptions: Vec<String> = (0..BULK).map(|k| format!("bulk {i} {k}")).collect();
            let kinds: Vec<ActivityKind> = vec![ActivityKind::UserAction; BULK];
            let mut tx = s.sqlx.app.begin().await?;
            sqlx::query("SELECT trato_set_tenant($1)")
                .bind(t)
                .execute(&mut *tx)
                .await?;
            let n = sqlx::query("INSERT INTO \"activities\" (\"organization_id\", \"id\", \"type\", \"description\") SELECT $1, * FROM UNNEST($2::text[], $3::\"ActivityType\"[], $4::text[])")
                .bind(t)
                .bind(&ids)
                .bind(&kinds)
                .bind(&descriptions)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            tx.commit().await?;
            n
        }
    })
}

/// The audited update (the change and its audit row), as raw and ours run it.
pub async fn update<'e>(
    exec: impl sqlx::PgExecutor<'e>,
    tenant: &str,
    id: &str,
    probability: Option<i32>,
) -> anyhow::Result<u64> {
    audited_update(&raw_sql().update, exec, tenant, id, probability).await
}

/// An audited update of a deal's probability (`$1` is the value, or what is added to it).
async fn audited_update<'e>(
    sql: &str,
    exec: impl sqlx::PgExecutor<'e>,
    tenant: &str,
    id: &str,
    probability: Option<i32>,
) -> anyhow::Result<u64> {
    let (k, d, m, a, f, r, u) = audit_params();
    let row = sqlx::query(sql)
        .bind(probability)
        .bind(tenant)
        .bind(id)
        .bind(k)
        .bind(d)
        .bind(m)
        .bind(a)
        .bind(f)
        .bind(r)
        .bind(u)
        .fetch_optional(exec)
        .await?;
    Ok(row.map_or(0, |r| r.get::<Option<i32>, _>("probability").unwrap_or(0) as u64))
}

/// A find by id for the concurrency scenario.
pub async fn find(pool: &PgPool, tenant: &str, id: &str) -> anyhow::Result<Option<Deal>> {
    Ok(sqlx::query_as::<_, Deal>(&raw_sql().find_by_id)
        .bind(tenant)
        .bind(id)
        .bind(1i64)
        .fetch_optional(pool)
        .await?)
}
