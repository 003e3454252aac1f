//! The SeaORM peer (`--features sea-orm`), used as SeaORM's documentation recommends: entities derived with
//! `DeriveEntityModel`, `DeriveActiveEnum` enums, the query builder for what it can express (finds, counts,
//! inserts, the loader for relations, `insert_many`), and `Statement` for the audited update it cannot.
//! Like raw, it runs as the owner with the tenant in the WHERE clause, through its own pool of 10.

use sea_orm::entity::prelude::*;
use sea_orm::{
    AccessMode, ActiveValue::Set, ConnectOptions, Database, DatabaseConnection, DbBackend, IsolationLevel, LoaderTrait,
    PaginatorTrait, QueryOrder, QuerySelect, Statement, TransactionTrait,
};

use crate::raw::document_audit_params;
use crate::{audit_params, raw_sql, Scenario, Setup, BULK, CHUNKS};

#[derive(Debug, Clone, Copy, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "Enum", enum_name = "DealStage")]
pub enum Stage {
    #[sea_orm(string_value = "SOURCING")]
    Sourcing,
    #[sea_orm(string_value = "INITIAL_REVIEW")]
    InitialReview,
    #[sea_orm(string_value = "PRELIMINARY_DUE_DILIGENCE")]
    PreliminaryDueDiligence,
    #[sea_orm(string_value = "DEEP_DUE_DILIGENCE")]
    DeepDueDiligence,
    #[sea_orm(string_value = "NEGOTIATION")]
    Negotiation,
    #[sea_orm(string_value = "CLOSING")]
    Closing,
    #[sea_orm(string_value = "CLOSED_WON")]
    ClosedWon,
    #[sea_orm(string_value = "CLOSED_LOST")]
    ClosedLost,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "Enum", enum_name = "DealType")]
pub enum Kind {
    #[sea_orm(string_value = "ACQUISITION")]
    Acquisition,
    #[sea_orm(string_value = "INVESTMENT")]
    Investment,
    #[sea_orm(string_value = "PARTNERSHIP")]
    Partnership,
    #[sea_orm(string_value = "OTHER")]
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "Enum", enum_name = "CompanyStatus")]
pub enum CompanyStatus {
    #[sea_orm(string_value = "PROSPECT")]
    Prospect,
    #[sea_orm(string_value = "RESEARCHING")]
    Researching,
    #[sea_orm(string_value = "ENGAGED")]
    Engaged,
    #[sea_orm(string_value = "PIPELINE")]
    Pipeline,
    #[sea_orm(string_value = "ARCHIVED")]
    Archived,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "Enum", enum_name = "ActivityType")]
pub enum ActivityKind {
    #[sea_orm(string_value = "DOCUMENT_UPLOADED")]
    DocumentUploaded,
    #[sea_orm(string_value = "DOCUMENT_PROCESSED")]
    DocumentProcessed,
    #[sea_orm(string_value = "DEAL_CREATED")]
    DealCreated,
    #[sea_orm(string_value = "DEAL_STAGE_CHANGED")]
    DealStageChanged,
    #[sea_orm(string_value = "COMPANY_ADDED")]
    CompanyAdded,
    #[sea_orm(string_value = "AI_QUERY")]
    AiQuery,
    #[sea_orm(string_value = "USER_ACTION")]
    UserAction,
}

pub mod deal {
    use super::{Kind, Stage};
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "deals")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub organization_id: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub company_id: Option<String>,
        pub name: String,
        #[sea_orm(column_name = "type")]
        pub kind: Kind,
        pub stage: Stage,
        pub value: Option<Decimal>,
        pub currency: String,
        pub probability: Option<i32>,
        pub expected_close_date: Option<Date>,
        pub description: Option<String>,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
        pub deleted_at: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        #[sea_orm(
            belongs_to = "super::company::Entity",
            from = "Column::CompanyId",
            to = "super::company::Column::Id"
        )]
        Company,
    }

    impl Related<super::company::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::Company.def()
        }
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod company {
    use super::CompanyStatus;
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "companies")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub organization_id: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
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
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
        pub deleted_at: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        #[sea_orm(has_many = "super::deal::Entity")]
        Deals,
    }

    impl Related<super::deal::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::Deals.def()
        }
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod activity {
    use super::ActivityKind;
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "activities")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub organization_id: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub user_id: Option<String>,
        pub deal_id: Option<String>,
        pub document_id: Option<String>,
        #[sea_orm(column_name = "type")]
        pub kind: ActivityKind,
        pub description: String,
        pub metadata: Option<Json>,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod document_chunk {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "document_chunks")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub organization_id: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub document_id: String,
        pub content: String,
        pub chunk_index: i32,
        pub page_number: Option<i32>,
        pub vector_id: Option<String>,
        pub metadata: Option<Json>,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// SeaORM's connections: the owner's for the scenarios, the application role's for bulk create.
pub struct Pools {
    pub owner: DatabaseConnection,
    pub app: DatabaseConnection,
}

impl Pools {
    pub async fn connect(owner: &str, app: &str) -> anyhow::Result<Pools> {
        let mut o = ConnectOptions::new(owner);
        o.max_connections(10);
        let mut a = ConnectOptions::new(app);
        a.max_connections(1);
        Ok(Pools {
            owner: Database::connect(o).await?,
            app: Database::connect(a).await?,
        })
    }
}

/// The tenant's live deals: what every deal query starts from.
fn deals(t: &str) -> Select<deal::Entity> {
    deal::Entity::find()
        .filter(deal::Column::OrganizationId.eq(t))
        .filter(deal::Column::DeletedAt.is_null())
}

fn companies(t: &str) -> Select<company::Entity> {
    company::Entity::find()
        .filter(company::Column::OrganizationId.eq(t))
        .filter(company::Column::DeletedAt.is_null())
}

/// One operation of a scenario through SeaORM; the same checksum as ours and raw.
pub async fn run(s: &Setup, sc: Scenario, i: usize) -> anyhow::Result<u64> {
    let db = &s.sea_orm.owner;
    let t = s.tenant.as_str();
    let id = s.deal_ids[i % s.deal_ids.len()].as_str();
    Ok(match sc {
        Scenario::FindById => find(db, t, id).await?.map_or(0, |d| d.probability.unwrap_or(0) as u64),
        Scenario::FindMany100 => deals(t)
            .filter(deal::Column::Stage.eq(Stage::Negotiation))
            .order_by_asc(deal::Column::Name)
            .limit(100)
            .all(db)
            .await?
            .iter()
            .map(|d| d.probability.unwrap_or(0) as u64)
            .sum(),
        Scenario::Count => {
            deals(t)
                .filter(deal::Column::Stage.eq(Stage::Closing))
                .count(db)
                .await?
        }
        Scenario::InsertOne => activity::ActiveModel {
            organization_id: Set(t.to_string()),
            id: Set(trato_hive_db::runtime::ids::cuid()),
            kind: Set(ActivityKind::AiQuery),
            description: Set(format!("q{i}")),
            ..Default::default()
        }
        .insert(db)
        .await?
        .description
        .len() as u64,
        Scenario::UpdateById => update(db, t, id, Some((i % 100) as i32)).await?,
        Scenario::Increment => {
            // The audited increment: a raw `Statement`, as for the audited update.
            audited_update(&raw_sql().increment, db, t, id, Some(1)).await?;
            1
        }
        Scenario::Counts100 => {
            let parents = companies(t)
                .order_by_asc(company::Column::Id)
                .limit(100)
                .all(db)
                .await?;
            let ids: Vec<String> = parents.iter().map(|p| p.id.clone()).collect();
            let counts: Vec<(Option<String>, i64)> = deals(t)
                .select_only()
                .column(deal::Column::CompanyId)
                .column_as(deal::Column::Id.count(), "n")
                .filter(deal::Column::CompanyId.is_in(ids))
                .group_by(deal::Column::CompanyId)
                .into_tuple()
                .all(db)
                .await?;
            counts.iter().map(|(_, n)| *n as u64).sum()
        }
        Scenario::Read1000 => deals(t).order_by_asc(deal::Column::Id).limit(1000).all(db).await?.len() as u64,
        Scenario::Read10000 => deals(t).limit(10_000).all(db).await?.len() as u64,
        Scenario::Include100 => {
            let parents = companies(t)
                .order_by_asc(company::Column::Id)
                .limit(100)
                .all(db)
                .await?;
            let children = parents.load_many(deals(t).order_by_asc(deal::Column::Id), db).await?;
            parents.into_iter().zip(children).map(|(_, d)| d.len() as u64).sum()
        }
        Scenario::PageWithTotal => {
            let tx = db
                .begin_with_config(Some(IsolationLevel::RepeatableRead), Some(AccessMode::ReadOnly))
                .await?;
            let query = || deals(t).filter(deal::Column::Stage.eq(Stage::Sourcing));
            let items = query()
                .order_by_asc(deal::Column::Id)
                .offset(40)
                .limit(20)
                .all(&tx)
                .await?;
            let related = items.load_one(companies(t), &tx).await?;
            let total = query().count(&tx).await?;
            tx.commit().await?;
            let items: Vec<(deal::Model, Option<company::Model>)> = items.into_iter().zip(related).collect();
            total + items.len() as u64
        }
        Scenario::TxReadWrite => {
            let tx = db.begin().await?;
            let d = find(&tx, t, id).await?.map_or(0, |d| d.probability.unwrap_or(0));
            update(&tx, t, id, Some((d + 1) % 100)).await?;
            tx.commit().await?;
            1
        }
        Scenario::NestedCreate => {
            // The audited document insert as a raw `Statement` (a CTE the builder cannot express), then the
            // chunks with `insert_many`, returning them, in one transaction.
            let tx = db.begin().await?;
            let id = trato_hive_db::runtime::ids::cuid();
            let (k, d, m, a, f, r, u) = document_audit_params();
            let doc = tx
                .query_one(Statement::from_sql_and_values(
                    DbBackend::Postgres,
                    &raw_sql().document,
                    [
                        t.into(),
                        id.clone().into(),
                        format!("doc {i}").into(),
                        "s3://bench".into(),
                        k.into(),
                        d.into(),
                        m.into(),
                        a.into(),
                        f.into(),
                        r.into(),
                        u.into(),
                    ],
                ))
                .await?;
            let chunks = (0..CHUNKS).map(|k| document_chunk::ActiveModel {
                organization_id: Set(t.to_string()),
                id: Set(trato_hive_db::runtime::ids::cuid()),
                document_id: Set(id.clone()),
                content: Set(format!("chunk {k}")),
                chunk_index: Set(k as i32),
                ..Default::default()
            });
            let chunks = document_chunk::Entity::insert_many(chunks)
                .exec_with_returning_many(&tx)
                .await?;
            tx.commit().await?;
            u64::from(doc.is_some()) + chunks.len() as u64
        }
        Scenario::BulkCreate => {
            // As raw: the application role under RLS; SeaORM's way of inserting many rows is insert_many.
            let tx = s.sea_orm.app.begin().await?;
            tx.execute(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT trato_set_tenant($1)",
                [t.into()],
            ))
            .await?;
            let rows = (0..BULK).map(|k| activity::ActiveModel {
                organization_id: Set(t.to_string()),
                id: Set(trato_hive_db::runtime::ids::cuid()),
                kind: Set(ActivityKind::UserAction),
                description: Set(format!("bulk {i} {k}")),
                ..Default::default()
            });
            let n = activity::Entity::insert_many(rows).exec_without_returning(&tx).await?;
            tx.commit().await?;
            n
        }
    })
}

pub async fn find(db: &impl ConnectionTrait, t: &str, id: &str) -> anyhow::Result<Option<deal::Model>> {
    Ok(deals(t).filter(deal::Column::Id.eq(id)).one(db).await?)
}

/// The audited update (the change and its audit row in one statement), which the query builder cannot
/// express: a raw `Statement`, as SeaORM's documentation shows for such queries.
pub async fn update(db: &impl ConnectionTrait, t: &str, id: &str, probability: Option<i32>) -> anyhow::Result<u64> {
    audited_update(&raw_sql().update, db, t, id, probability).await
}

/// An audited update of a deal's probability (`$1` is the value, or what is added to it).
async fn audited_update(
    sql: &str,
    db: &impl ConnectionTrait,
    t: &str,
    id: &str,
    probability: Option<i32>,
) -> anyhow::Result<u64> {
    let (k, d, m, a, f, r, u) = audit_params();
    let row = db
        .query_one(Statement::from_sql_and_values(
            DbBackend::Postgres,
            sql,
            [
                probability.into(),
                t.into(),
                id.into(),
                k.into(),
                d.into(),
                m.into(),
                a.into(),
                f.into(),
                r.into(),
                u.into(),
            ],
        ))
        .await?;
    Ok(row.map_or(Ok(0), |r| {
        r.try_get::<Option<i32>>("", "probability")
            .map(|p| p.unwrap_or(0) as u64)
    })?)
}
