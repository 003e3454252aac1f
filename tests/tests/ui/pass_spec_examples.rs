// The spec's examples, as they are written with the generated API (compiled, not run).
use trato_hive_db::runtime::{sql, Case, Db, Filter, Query, TxOptions};
use trato_hive_db::*;

async fn examples(db: &Db) -> Result<(), runtime::Error> {
    let scope = scope(db, "cm1user123", "cm1org123").await?.write()?;
    let deals = scope.repo::<Deal>();
    let deal = deals.create(DealCreate::new("Project Sky".into()).r#type(DealType::Acquisition).stage(DealStage::Sourcing).company_id("cm1company456")).await?;
    let _with_company_and_documents = deals.find_many_with(Deal::ID.eq(deal.id.clone()), (Deal::COMPANY, Deal::DOCUMENTS)).await?;
    deals.update(deal.id.clone(), DealUpdate::default().stage(DealStage::DeepDueDiligence).probability(Some(75))).await?;
    deals.delete(deal.id.clone()).await?;
    let _page = deals
        .find_many_with(Query::new().filter(Deal::STAGE.eq(DealStage::Sourcing)).order_by(Deal::CREATED_AT.desc()).skip(20).take(10), Deal::COMPANY)
        .await?;
    let _total = deals.count(Filter::all()).await?;
    // A nullable field takes its value or an Option of it, in create and update inputs alike.
    let _ = DealCreate::new("x".into()).company_id(Some("c1".to_string())).probability(None);
    let _ = DealCreate::new("x".into()).company_id("c1".to_string()).probability(5);
    let _ = DealUpdate::default().company_id("c1").probability(5);
    let _ = DealUpdate::default().company_id(None).probability(Some(5));
    // README's tour, beyond the spec: a nested create, counts, computed updates, ...OrThrow.
    let (_sky, _docs) = scope
        .create_with(
            DealCreate::new("Sky II".into()),
            Deal::DOCUMENTS.create(vec![DocumentCreate::new("NDA".into(), "s3://nda".into())]),
        )
        .await?;
    let _counted = deals.find_many_with(Query::new().take(20), Deal::DOCUMENTS.count()).await?;
    deals.update_set(deal.id.clone(), [Deal::PROBABILITY.increment(10)]).await?;
    let _sky = deals.find_unique_or_throw(Deal::ID, deal.id.clone()).await?;
    {
        use runtime::aggregate::{count, sum, Compare};
        let _by_stage = deals
            .group_by_keys((Deal::STAGE, Deal::TYPE), (count(), sum(Deal::VALUE)), Filter::all(), count().gt(1))
            .await?;
    }
    let _acme = scope.repo::<Company>().find_many(Company::NAME.contains("acme", Case::Insensitive)).await?;
    let _rows = scope.raw(sql!("SELECT name FROM deals WHERE stage = $1", DealStage::Closing)).await?;
    scope
        .transaction(TxOptions::default(), async |tx| {
            let company = tx.repo::<Company>().create(CompanyCreate::new("Acme Inc".into())).await?;
            let deal = tx.repo::<Deal>().create(DealCreate::new("Acquire Acme".into()).company_id(company.id)).await?;
            tx.repo::<Activity>().create(ActivityCreate::new(ActivityType::DealCreated, format!("Created deal \"{}\"", deal.name)).deal_id(deal.id)).await?;
            Ok(())
        })
        .await?;
    let reader = scope.clone().read_only();
    let _ = reader.repo::<Deal>().count(Filter::all()).await?;
    let _user = db.repo::<User>().find_first(User::EMAIL.eq("admin@demo.com")).await?;
    Ok(())
}

fn main() {
    let _ = examples;
}
