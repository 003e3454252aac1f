//! Ours: each scenario through the generated repositories, as the application role in a tenant scope.

use super::*;

pub(crate) async fn ours(s: &Setup, sc: Scenario, i: usize) -> anyhow::Result<u64> {
    let deals = s.scope.repo::<Deal>();
    Ok(match sc {
        Scenario::FindById => deals
            .find_by_id(s.deal_ids[i % s.deal_ids.len()].clone())
            .await?
            .map_or(0, |d| d.probability.unwrap_or(0) as u64),
        Scenario::FindMany100 => deals
            .find_many(
                Query::new()
                    .filter(Deal::STAGE.eq(DealStage::Negotiation))
                    .order_by(Deal::NAME.asc())
                    .take(100),
            )
            .await?
            .iter()
            .map(|d| d.probability.unwrap_or(0) as u64)
            .sum(),
        Scenario::Count => deals.count(Deal::STAGE.eq(DealStage::Closing)).await? as u64,
        Scenario::InsertOne => s
            .scope
            .repo::<Activity>()
            .create(ActivityCreate::new(ActivityType::AiQuery, format!("q{i}")))
            .await?
            .description
            .len() as u64,
        Scenario::UpdateById => deals
            .update(
                s.deal_ids[i % s.deal_ids.len()].clone(),
                DealUpdate::default().probability(Some((i % 100) as i32)),
            )
            .await?
            .probability
            .unwrap_or(0) as u64,
        Scenario::Read1000 => deals
            .find_many(Query::new().order_by(Deal::ID.asc()).take(1000))
            .await?
            .len() as u64,
        Scenario::Read10000 => deals.find_many(Query::new().take(10_000)).await?.len() as u64,
        Scenario::Include100 => s
            .scope
            .repo::<Company>()
            .find_many_with(Query::new().order_by(Company::ID.asc()).take(100), Company::DEALS)
            .await?
            .iter()
            .map(|(_, d)| d.len() as u64)
            .sum(),
        Scenario::Counts100 => s
            .scope
            .repo::<Company>()
            .find_many_with(
                Query::new().order_by(Company::ID.asc()).take(100),
                Company::DEALS.count(),
            )
            .await?
            .iter()
            .map(|(_, n)| *n as u64)
            .sum(),
        Scenario::Increment => {
            deals
                .update_set(
                    s.deal_ids[i % s.deal_ids.len()].clone(),
                    [Deal::PROBABILITY.increment(1)],
                )
                .await?;
            1
        }
        Scenario::NestedCreate => {
            let (doc, chunks) = s
                .scope
                .create_with(
                    DocumentCreate::new(format!("doc {i}"), "s3://bench".into()),
                    Document::CHUNKS.create(
                        (0..CHUNKS)
                            .map(|k| DocumentChunkCreate::new(String::new(), format!("chunk {k}"), k as i32))
                            .collect(),
                    ),
                )
                .await?;
            u64::from(!doc.id.is_empty()) + chunks.len() as u64
        }
        Scenario::PageWithTotal => {
            let page = s
                .scope
                .paginate(
                    || {
                        Query::new()
                            .filter(Deal::STAGE.eq(DealStage::Sourcing))
                            .order_by(Deal::ID.asc())
                    },
                    3,
                    20,
                    Deal::COMPANY,
                )
                .await?;
            page.total as u64 + page.items.len() as u64
        }
        Scenario::BulkCreate => {
            s.scope
                .repo::<Activity>()
                .create_many(
                    (0..BULK)
                        .map(|k| ActivityCreate::new(ActivityType::UserAction, format!("bulk {i} {k}")))
                        .collect(),
                )
                .await?
        }
        Scenario::TxReadWrite => {
            let id = s.deal_ids[i % s.deal_ids.len()].clone();
            s.scope
                .transaction(TxOptions::default(), async |tx| {
                    let d = tx
                        .repo::<Deal>()
                        .find_by_id(id.clone())
                        .await?
                        .map_or(0, |d| d.probability.unwrap_or(0));
                    tx.repo::<Deal>()
                        .update(id.clone(), DealUpdate::default().probability(Some((d + 1) % 100)))
                        .await?;
                    Ok(1u64)
                })
                .await?
        }
    })
}
