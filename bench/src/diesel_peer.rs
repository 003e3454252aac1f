//! The diesel-async peer (`--features diesel-async`), used as diesel's documentation recommends: `table!`
//! schemas, `Queryable` + `Selectable` structs selected with `as_select()`, custom SQL types for the enums,
//! `belonging_to` + `grouped_by` for relations, `insert_into(..).values(&rows)` for many rows, and
//! `sql_query` for the audited update the DSL cannot express; diesel-async's deadpool of 10 connections.
//! Like raw, it runs as the owner with the tenant in the WHERE clause.

use std::io::Write as _;

use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::pg::{Pg, PgValue};
use diesel::prelude::*;
use diesel::serialize::{self, IsNull, Output, ToSql};
use diesel::sql_types::{Array, Integer, Nullable, Text};
use diesel_async::pooled_connection::deadpool::Pool;
use diesel_async::pooled_connection::AsyncDieselConnectionManager;
use diesel_async::scoped_futures::ScopedFutureExt;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};

use crate::raw::{chunk_columns, document_audit_params};
use crate::{attach, audit_params, keys_of, raw_sql, Scenario, Setup, BULK};

/// A PostgreSQL enum: its diesel SQL type and a Rust enum that converts to and from its labels.
macro_rules! pg_enum {
    ($sql:ident = $pg:literal, $rust:ident { $($variant:ident = $label:literal),+ $(,)? }) => {
        #[derive(diesel::sql_types::SqlType, diesel::query_builder::QueryId)]
        #[diesel(postgres_type(name = $pg))]
        pub struct $sql;

        #[derive(Debug, Clone, Copy, PartialEq, Eq, AsExpression, FromSqlRow)]
        #[diesel(sql_type = $sql)]
        pub enum $rust {
            $($variant),+
        }

        impl ToSql<$sql, Pg> for $rust {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
                out.write_all(match self {
                    $($rust::$variant => $label.as_bytes()),+
                })?;
                Ok(IsNull::No)
            }
        }

        impl FromSql<$sql, Pg> for $rust {
            fn from_sql(bytes: PgValue<'_>) -> deserialize::Result<Self> {
                match bytes.as_bytes() {
                    $(b if b == $label.as_bytes() => Ok($rust::$variant),)+
                    other => Err(format!("unknown {} label {:?}", $pg, String::from_utf8_lossy(other)).into()),
                }
            }
        }
    };
}

pg_enum!(DealStageSql = "DealStage", Stage {
    Sourcing = "SOURCING",
    InitialReview = "INITIAL_REVIEW",
    PreliminaryDueDiligence = "PRELIMINARY_DUE_DILIGENCE",
    DeepDueDiligence = "DEEP_DUE_DILIGENCE",
    Negotiation = "NEGOTIATION",
    Closing = "CLOSING",
    ClosedWon = "CLOSED_WON",
    ClosedLost = "CLOSED_LOST",
});
pg_enum!(DealTypeSql = "DealType", Kind {
    Acquisition = "ACQUISITION",
    Investment = "INVESTMENT",
    Partnership = "PARTNERSHIP",
    Other = "OTHER",
});
pg_enum!(CompanyStatusSql = "CompanyStatus", CompanyStatus {
    Prospect = "PROSPECT",
    Researching = "RESEARCHING",
    Engaged = "ENGAGED",
    Pipeline = "PIPELINE",
    Archived = "ARCHIVED",
});
pg_enum!(ActivityTypeSql = "ActivityType", ActivityKind {
    DocumentUploaded = "DOCUMENT_UPLOADED",
    DocumentProcessed = "DOCUMENT_PROCESSED",
    DealCreated = "DEAL_CREATED",
    DealStageChanged = "DEAL_STAGE_CHANGED",
    CompanyAdded = "COMPANY_ADDED",
    AiQuery = "AI_QUERY",
    UserAction = "USER_ACTION",
});

mod schema {
    diesel::table! {
        use diesel::sql_types::*;
        use super::super::{DealStageSql, DealTypeSql};

        deals (organization_id, id) {
            id -> Text,
            organization_id -> Text,
            company_id -> Nullable<Text>,
            name -> Text,
            #[sql_name = "type"]
            kind -> DealTypeSql,
            stage -> DealStageSql,
            value -> Nullable<Numeric>,
            currency -> Varchar,
            probability -> Nullable<Int4>,
            expected_close_date -> Nullable<Date>,
            description -> Nullable<Text>,
            created_at -> Timestamptz,
            updated_at -> Timestamptz,
            deleted_at -> Nullable<Timestamptz>,
        }
    }

    diesel::table! {
        use diesel::sql_types::*;
        use super::super::CompanyStatusSql;

        companies (organization_id, id) {
            id -> Text,
            organization_id -> Text,
            name -> Text,
            domain -> Nullable<Text>,
            industry -> Nullable<Text>,
            sector -> Nullable<Text>,
            description -> Nullable<Text>,
            employees -> Nullable<Int4>,
            revenue -> Nullable<Numeric>,
            location -> Nullable<Text>,
            website -> Nullable<Text>,
            status -> CompanyStatusSql,
            created_at -> Timestamptz,
            updated_at -> Timestamptz,
            deleted_at -> Nullable<Timestamptz>,
        }
    }

    diesel::table! {
        use diesel::sql_types::*;
        use super::super::ActivityTypeSql;

        activities (organization_id, id) {
            id -> Text,
            organization_id -> Text,
            user_id -> Nullable<Text>,
            deal_id -> Nullable<Text>,
            document_id -> Nullable<Text>,
            #[sql_name = "type"]
            kind -> ActivityTypeSql,
            description -> Text,
            metadata -> Nullable<Jsonb>,
            created_at -> Timestamptz,
        }
    }

    diesel::allow_tables_to_appear_in_same_query!(deals, companies, activities);
}

use schema::{activities, companies, deals};

type Timestamp = chrono::DateTime<chrono::Utc>;

/// Every column decoded, as a hand-written mapping does (the scenarios read only some of them).
#[allow(dead_code)]
#[derive(Debug, Clone, Queryable, Selectable, Identifiable, Associations)]
#[diesel(table_name = deals, primary_key(id), belongs_to(Company))]
#[diesel(check_for_backend(Pg))]
pub struct Deal {
    pub id: String,
    pub organization_id: String,
    pub company_id: Option<String>,
    pub name: String,
    pub kind: Kind,
    pub stage: Stage,
    pub value: Option<bigdecimal::BigDecimal>,
    pub currency: String,
    pub probability: Option<i32>,
    pub expected_close_date: Option<chrono::NaiveDate>,
    pub description: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub deleted_at: Option<Timestamp>,
}

#[allow(dead_code)]
#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = companies, primary_key(id))]
#[diesel(check_for_backend(Pg))]
pub struct Company {
    pub id: String,
    pub organization_id: String,
    pub name: String,
    pub domain: Option<String>,
    pub industry: Option<String>,
    pub sector: Option<String>,
    pub description: Option<String>,
    pub employees: Option<i32>,
    pub revenue: Option<bigdecimal::BigDecimal>,
    pub location: Option<String>,
    pub website: Option<String>,
    pub status: CompanyStatus,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub deleted_at: Option<Timestamp>,
}

#[allow(dead_code)]
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = activities)]
#[diesel(check_for_backend(Pg))]
pub struct Activity {
    pub id: String,
    pub organization_id: String,
    pub user_id: Option<String>,
    pub deal_id: Option<String>,
    pub document_id: Option<String>,
    pub kind: ActivityKind,
    pub description: String,
    pub metadata: Option<serde_json::Value>,
    pub created_at: Timestamp,
}

#[derive(Insertable)]
#[diesel(table_name = activities)]
struct NewActivity<'a> {
    organization_id: &'a str,
    id: String,
    kind: ActivityKind,
    description: String,
}

/// What the audited update returns that the scenarios read.
#[derive(QueryableByName)]
struct Updated {
    #[diesel(sql_type = Nullable<Integer>)]
    probability: Option<i32>,
}

/// The id of a row a nested create's statements return.
#[derive(QueryableByName)]
struct Created {
    #[diesel(sql_type = Text)]
    id: String,
}

/// diesel-async's pools: the owner's for the scenarios, the application role's for bulk create.
pub struct Pools {
    pub owner: Pool<AsyncPgConnection>,
    pub app: Pool<AsyncPgConnection>,
}

impl Pools {
    pub async fn connect(owner: &str, app: &str) -> anyhow::Result<Pools> {
        let pool = |url: &str, size: usize| {
            Pool::builder(AsyncDieselConnectionManager::<AsyncPgConnection>::new(url))
                .max_size(size)
                .build()
        };
        Ok(Pools {
            owner: pool(owner, 10)?,
            app: pool(app, 1)?,
        })
    }
}

/// One operation of a scenario through diesel-async; the same checksum as ours and raw.
pub async fn run(s: &Setup, sc: Scenario, i: usize) -> anyhow::Result<u64> {
    let t = s.tenant.as_str();
    let id = s.deal_ids[i % s.deal_ids.len()].as_str();
    if matches!(sc, Scenario::BulkCreate) {
        return bulk(s, t, i).await;
    }
    let mut pooled = s.diesel.owner.get().await?;
    let conn: &mut AsyncPgConnection = &mut pooled;
    Ok(match sc {
        Scenario::FindById => find(conn, t, id)
            .await?
            .map_or(0, |d| d.probability.unwrap_or(0) as u64),
        Scenario::FindMany100 => deals::table
            .filter(deals::organization_id.eq(t))
            .filter(deals::deleted_at.is_null())
            .filter(deals::stage.eq(Stage::Negotiation))
            .order(deals::name.asc())
            .limit(100)
            .select(Deal::as_select())
            .load(conn)
            .await?
            .iter()
            .map(|d| d.probability.unwrap_or(0) as u64)
            .sum(),
        Scenario::Count => count(conn, t, Stage::Closing).await?,
        Scenario::InsertOne => diesel::insert_into(activities::table)
            .values((
                activities::organization_id.eq(t),
                activities::id.eq(trato_hive_db::runtime::ids::cuid()),
                activities::kind.eq(ActivityKind::AiQuery),
                activities::description.eq(format!("q{i}")),
            ))
            .returning(Activity::as_returning())
            .get_result(conn)
            .await?
            .description
            .len() as u64,
        Scenario::UpdateById => update(conn, t, id, Some((i % 100) as i32)).await?,
        Scenario::Increment => {
            audited_update(&raw_sql().increment, conn, t, id, Some(1)).await?;
            1
        }
        Scenario::Counts100 => {
            let parents: Vec<Company> = companies::table
                .filter(companies::organization_id.eq(t))
                .filter(companies::deleted_at.is_null())
                .order(companies::id.asc())
                .limit(100)
                .select(Company::as_select())
                .load(conn)
                .await?;
            let ids: Vec<&str> = parents.iter().map(|p| p.id.as_str()).collect();
            let counts: Vec<(Option<String>, i64)> = deals::table
                .filter(deals::organization_id.eq(t))
                .filter(deals::deleted_at.is_null())
                .filter(deals::company_id.eq_any(&ids))
                .group_by(deals::company_id)
                .select((deals::company_id, diesel::dsl::count_star()))
                .load(conn)
                .await?;
            counts.iter().map(|(_, n)| *n as u64).sum()
        }
        Scenario::Read1000 => deals::table
            .filter(deals::organization_id.eq(t))
            .filter(deals::deleted_at.is_null())
            .order(deals::id.asc())
            .limit(1000)
            .select(Deal::as_select())
            .load(conn)
            .await?
            .len() as u64,
        Scenario::Read10000 => deals::table
            .filter(deals::organization_id.eq(t))
            .filter(deals::deleted_at.is_null())
            .limit(10_000)
            .select(Deal::as_select())
            .load(conn)
            .await?
            .len() as u64,
        Scenario::Include100 => {
            let parents: Vec<Company> = companies::table
                .filter(companies::organization_id.eq(t))
                .filter(companies::deleted_at.is_null())
                .order(companies::id.asc())
                .limit(100)
                .select(Company::as_select())
                .load(conn)
                .await?;
            let children: Vec<Deal> = Deal::belonging_to(&parents)
                .filter(deals::organization_id.eq(t))
                .filter(deals::deleted_at.is_null())
                .order(deals::id.asc())
                .select(Deal::as_select())
                .load(conn)
                .await?;
            children
                .grouped_by(&parents)
                .into_iter()
                .zip(&parents)
                .map(|(d, _)| d.len() as u64)
                .sum()
        }
        Scenario::PageWithTotal => {
            conn.build_transaction()
                .repeatable_read()
                .read_only()
                .run(|conn| {
                    async move {
                        let items: Vec<Deal> = deals::table
                            .filter(deals::organization_id.eq(t))
                            .filter(deals::deleted_at.is_null())
                            .filter(deals::stage.eq(Stage::Sourcing))
                            .order(deals::id.asc())
                            .limit(20)
                            .offset(40)
                            .select(Deal::as_select())
                            .load(conn)
                            .await?;
                        let related: Vec<Company> = companies::table
                            .filter(companies::organization_id.eq(t))
                            .filter(companies::deleted_at.is_null())
                            .filter(companies::id.eq_any(keys_of(&items, |d| d.company_id.as_deref())))
                            .select(Company::as_select())
                            .load(conn)
                            .await?;
                        let total = count(conn, t, Stage::Sourcing).await?;
                        let items = attach(items, related, |d| d.company_id.as_deref(), |c| &c.id);
                        Ok::<_, anyhow::Error>(total + items.len() as u64)
                    }
                    .scope_boxed()
                })
                .await?
        }
        Scenario::TxReadWrite => {
            conn.transaction(|conn| {
                async move {
                    let d = find(conn, t, id).await?.map_or(0, |d| d.probability.unwrap_or(0));
                    update(conn, t, id, Some((d + 1) % 100)).await?;
                    Ok::<_, anyhow::Error>(1)
                }
                .scope_boxed()
            })
            .await?
        }
        Scenario::NestedCreate => {
            // Both statements as `sql_query` in a transaction (the audited insert is a CTE, the chunks one
            // UNNEST of arrays), each returned row read into its id.
            conn.transaction(|conn| {
                async move {
                    let doc_id = trato_hive_db::runtime::ids::cuid();
                    let (k, d, m, a, f, r, u) = document_audit_params();
                    let docs: Vec<Created> = diesel::sql_query(&raw_sql().document)
                        .bind::<Text, _>(t)
                        .bind::<Text, _>(&doc_id)
                        .bind::<Text, _>(format!("doc {i}"))
                        .bind::<Text, _>("s3://bench")
                        .bind::<Text, _>(k)
                        .bind::<Text, _>(d)
                        .bind::<Text, _>(m)
                        .bind::<Text, _>(a)
                        .bind::<Text, _>(f)
                        .bind::<Nullable<Text>, _>(r)
                        .bind::<Nullable<Text>, _>(u)
                        .load(conn)
                        .await?;
                    let (ids, contents, indexes, documents) = chunk_columns(&doc_id);
                    let chunks: Vec<Created> = diesel::sql_query(&raw_sql().chunks)
                        .bind::<Text, _>(t)
                        .bind::<Array<Text>, _>(ids)
                        .bind::<Array<Text>, _>(contents)
                        .bind::<Array<Integer>, _>(indexes)
                        .bind::<Array<Text>, _>(documents)
                        .load(conn)
                        .await?;
                    Ok::<_, anyhow::Error>(docs.iter().chain(&chunks).filter(|c| !c.id.is_empty()).count() as u64)
                }
                .scope_boxed()
            })
            .await?
        }
        Scenario::BulkCreate => unreachable!("handled above"),
    })
}

/// As raw: the application role under RLS, in a transaction bound to the tenant; diesel's way of inserting
/// many rows is one multi-row INSERT of `Insertable` values (10,000 rows x 4 columns fit in its bind limit).
async fn bulk(s: &Setup, t: &str, i: usize) -> anyhow::Result<u64> {
    let rows: Vec<NewActivity> = (0..BULK)
        .map(|k| NewActivity {
            organization_id: t,
            id: trato_hive_db::runtime::ids::cuid(),
            kind: ActivityKind::UserAction,
            description: format!("bulk {i} {k}"),
        })
        .collect();
    let mut conn = s.diesel.app.get().await?;
    let n = conn
        .transaction(|conn| {
            async move {
                diesel::sql_query("SELECT trato_set_tenant($1)")
                    .bind::<Text, _>(t)
                    .execute(conn)
                    .await?;
                diesel::insert_into(activities::table).values(&rows).execute(conn).await
            }
            .scope_boxed()
        })
        .await?;
    Ok(n as u64)
}

pub async fn find(conn: &mut AsyncPgConnection, t: &str, id: &str) -> anyhow::Result<Option<Deal>> {
    Ok(deals::table
        .filter(deals::organization_id.eq(t))
        .filter(deals::deleted_at.is_null())
        .filter(deals::id.eq(id))
        .select(Deal::as_select())
        .first(conn)
        .await
        .optional()?)
}

async fn count(conn: &mut AsyncPgConnection, t: &str, stage: Stage) -> anyhow::Result<u64> {
    let n: i64 = deals::table
        .filter(deals::organization_id.eq(t))
        .filter(deals::deleted_at.is_null())
        .filter(deals::stage.eq(stage))
        .count()
        .get_result(conn)
        .await?;
    Ok(n as u64)
}

/// The audited update (the change and its audit row in one statement), which the DSL cannot express.
pub async fn update(conn: &mut AsyncPgConnection, t: &str, id: &str, probability: Option<i32>) -> anyhow::Result<u64> {
    audited_update(&raw_sql().update, conn, t, id, probability).await
}

/// An audited update of a deal's probability (`$1` is the value, or what is added to it).
async fn audited_update(
    sql: &str,
    conn: &mut AsyncPgConnection,
    t: &str,
    id: &str,
    probability: Option<i32>,
) -> anyhow::Result<u64> {
    let (k, d, m, a, f, r, u) = audit_params();
    let rows: Vec<Updated> = diesel::sql_query(sql)
        .bind::<Nullable<Integer>, _>(probability)
        .bind::<Text, _>(t)
        .bind::<Text, _>(id)
        .bind::<Text, _>(k)
        .bind::<Text, _>(d)
        .bind::<Text, _>(m)
        .bind::<Text, _>(a)
        .bind::<Text, _>(f)
        .bind::<Nullable<Text>, _>(r)
        .bind::<Nullable<Text>, _>(u)
        .load(conn)
        .await?;
    Ok(rows.into_iter().next().map_or(0, |r| r.probability.unwrap_or(0) as u64))
}
