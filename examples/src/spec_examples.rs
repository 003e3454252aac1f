//! The examples of the spec (`@trato-hive/db`, sections 6, 11 and 12), written with the generated API. Each
//! returns what it made so that the tests can check it.

use trato_hive_db::runtime::{Db, Error, Filter, Page, Query, TenantScope, TxOptions};
use trato_hive_db::*;

/// Create, read with relations, update, delete, list with pagination and count.
pub async fn basic_queries(scope: &TenantScope) -> Result<(Deal, usize, i64), Error> {
    let deals = scope.repo::<Deal>();
    // Create (the organization comes from the scope).
    let deal = deals
        .create(
            DealCreate::new("Project Sky".into())
                .r#type(DealType::Acquisition)
                .stage(DealStage::Sourcing)
                .company_id("seed-co-acme"),
        )
        .await?;
    // Read with relations.
    let with_relations = deals
        .find_many_with(Deal::ID.eq(deal.id.clone()), (Deal::COMPANY, Deal::DOCUMENTS))
        .await?;
    assert!(with_relations
        .first()
        .is_some_and(|(_, (company, _))| company.is_some()));
    // Update.
    let updated = deals
        .update(
            deal.id.clone(),
            DealUpdate::default()
                .stage(DealStage::DeepDueDiligence)
                .probability(Some(75)),
        )
        .await?;
    // List with pagination.
    let page = deals
        .find_many_with(
            Query::new()
                .filter(Deal::STAGE.eq(DealStage::Sourcing))
                .order_by(Deal::CREATED_AT.desc())
                .skip(0)
                .take(10),
            Deal::COMPANY,
        )
        .await?;
    // Count.
    let total = deals.count(Filter::all()).await?;
    // Delete (a soft delete: Deal has deletedAt).
    deals.delete(deal.id.clone()).await?;
    Ok((updated, page.len(), total))
}

/// The company + deal + activity transaction: all three, or none.
pub async fn create_company_deal_and_activity(
    scope: &TenantScope,
    company_name: &str,
    actor: &str,
) -> Result<Deal, Error> {
    let company_name = company_name.to_string();
    scope
        .transaction(TxOptions::default(), async |tx| {
            let company = tx
                .repo::<Company>()
                .create(CompanyCreate::new(company_name.clone()))
                .await?;
            let deal = tx
                .repo::<Deal>()
                .create(
                    DealCreate::new(format!("Acquire {}", company.name))
                        .r#type(DealType::Acquisition)
                        .stage(DealStage::Sourcing)
                        .company_id(company.id),
                )
                .await?;
            tx.repo::<Activity>()
                .create(
                    ActivityCreate::new(ActivityType::DealCreated, format!("Created deal \"{}\"", deal.name))
                        .deal_id(deal.id.clone())
                        .user_id(actor),
                )
                .await?;
            Ok(deal)
        })
        .await
}

/// The pagination helper (`paginateDeals`).
pub async fn paginate_deals(
    scope: &TenantScope,
    stage: DealStage,
    page: i64,
    page_size: i64,
) -> Result<Page<(Deal, Option<Company>)>, Error> {
    scope
        .paginate(
            || {
                Query::new()
                    .filter(Deal::STAGE.eq(stage))
                    .order_by(Deal::CREATED_AT.desc())
                    .order_by(Deal::ID.asc())
            },
            page,
            page_size,
            Deal::COMPANY,
        )
        .await
}

/// The deal list with each deal's document count (one statement for the deals, one grouped statement for
/// the counts), newest first.
pub async fn deals_with_document_counts(scope: &TenantScope, take: i64) -> Result<Vec<(Deal, i64)>, Error> {
    scope
        .repo::<Deal>()
        .find_many_with(
            Query::new().order_by(Deal::CREATED_AT.desc()).take(take),
            Deal::DOCUMENTS.count(),
        )
        .await
}

/// A card of the deal board: the columns the board shows, read without the rest of the row.
#[derive(Debug, Clone, PartialEq, trato_hive_db::runtime::Select)]
#[select(model = Deal)]
pub struct DealCard {
    /// The deal's id, for the link.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its stage: the board's column.
    pub stage: DealStage,
    /// Likelihood of closing, 0 to 100.
    pub probability: Option<i32>,
}

/// The deal board: a card per deal of the stages shown, most likely first.
pub async fn deal_board(scope: &TenantScope, stages: Vec<DealStage>) -> Result<Vec<DealCard>, Error> {
    scope
        .repo::<Deal>()
        .select(
            Query::new()
                .filter(Deal::STAGE.is_in(stages))
                .order_by(Deal::PROBABILITY.desc().nulls_last()),
        )
        .await
}

/// A deal created with its first documents, in one transaction.
pub async fn create_deal_with_documents(
    scope: &TenantScope,
    name: &str,
    documents: &[(&str, &str)],
) -> Result<(Deal, Vec<Document>), Error> {
    let children = documents
        .iter()
        .map(|(name, url)| DocumentCreate::new(name.to_string(), url.to_string()))
        .collect();
    scope
        .create_with(DealCreate::new(name.to_string()), Deal::DOCUMENTS.create(children))
        .await
}

/// Moves a deal's probability up by `points`, computed by the database (concurrent bumps all count).
pub async fn raise_probability(scope: &TenantScope, deal_id: &str, points: i32) -> Result<Deal, Error> {
    scope
        .repo::<Deal>()
        .update_set(deal_id.to_string(), [Deal::PROBABILITY.increment(points)])
        .await
}

/// The spec's multi-tenancy test: another organization's deal is not found.
pub async fn other_tenant_sees_nothing(mine: &TenantScope, theirs: &TenantScope) -> Result<bool, Error> {
    let deal = mine.repo::<Deal>().create(DealCreate::new("Org 1 Deal".into())).await?;
    Ok(theirs.repo::<Deal>().find_by_id(deal.id).await?.is_none())
}

/// The disconnect of scripts.
pub fn disconnect(db: &Db) {
    db.close();
}
