//! Partial models (issue 16): `#[derive(Select)]` structs read only their columns, through the same
//! tenant predicate, soft-delete rule, filters and ordering as `find_many`.

use trato_hive_db::runtime::{Query, Select};
use trato_hive_db::*;
use trato_tests::TestDb;

use crate::repo::{members, writer};

/// A deal card: what a deal list shows, without the description.
#[derive(Debug, PartialEq, Select)]
#[select(model = Deal)]
struct DealCard {
    name: String,
    stage: DealStage,
    company_id: Option<String>,
    probability: Option<i32>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn partial_models_read_only_their_columns_in_the_tenant() {
    let t = TestDb::new().await;
    members(&t).await;
    let db = t.app_pool("");
    let (a, b) = (writer(&db, "u_owner", "org_a").await, writer(&db, "u_b", "org_b").await);
    for (name, p) in [("beta", 20), ("alpha", 60), ("gone", 5)] {
        a.repo::<Deal>()
            .create(DealCreate::new(name.into()).probability(p).description("secret"))
            .await
            .expect("deal");
    }
    b.repo::<Deal>()
        .create(DealCreate::new("theirs".into()))
        .await
        .expect("theirs");
    a.repo::<Deal>()
        .delete_many(Deal::NAME.eq("gone"))
        .await
        .expect("soft delete");
    // The application role may no longer read the description: a partial model without it still works,
    // which shows the statement names only the selection's columns.
    t.pool("")
        .conn()
        .await
        .expect("conn")
        .batch_execute(
            "REVOKE SELECT ON deals FROM trato_app;
             GRANT SELECT (id, organization_id, company_id, name, type, stage, value, currency, probability,
                           expected_close_date, created_at, updated_at, deleted_at) ON deals TO trato_app;",
        )
        .await
        .expect("column grants");
    let cards: Vec<DealCard> = a
        .repo::<Deal>()
        .select(Query::new().filter(Deal::PROBABILITY.ge(10)).order_by(Deal::NAME.asc()))
        .await
        .expect("select");
    let expected = |name: &str, p| DealCard {
        name: name.into(),
        stage: DealStage::Sourcing,
        company_id: None,
        probability: Some(p),
    };
    assert_eq!(cards, [expected("alpha", 60), expected("beta", 20)]);
    let first: Option<DealCard> = b.repo::<Deal>().select_first(Query::new()).await.expect("theirs");
    assert_eq!(first.map(|c| c.name).as_deref(), Some("theirs"));
    // The whole model reads the description, which this role may not.
    let whole = a.repo::<Deal>().find_many(Query::new()).await;
    assert!(whole.is_err(), "{whole:?}");
}
