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

/// Deals per stage, from typed raw SQL.
#[derive(Debug, PartialEq)]
struct StageTotal {
    stage: DealStage,
    deals: i64,
}

/// A deal with its document count and its kind (a column named by a Rust keyword).
#[derive(Debug, PartialEq)]
struct DealDocuments {
    deal: String,
    r#type: DealType,
    company_id: Option<String>,
    documents: i64,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typed_raw_sql_fills_structs_in_the_tenant() {
    use trato_hive_db::runtime::{query_as, TxOptions};
    let t = TestDb::new().await;
    members(&t).await;
    let db = t.app_pool("");
    let (a, b) = (writer(&db, "u_owner", "org_a").await, writer(&db, "u_b", "org_b").await);
    for (name, p) in [("one", 80), ("two", 40), ("three", 90)] {
        let d = a
            .repo::<Deal>()
            .create(DealCreate::new(name.into()).probability(p))
            .await
            .expect("deal");
        if name == "one" {
            for i in 0..2 {
                a.repo::<Document>()
                    .create(DocumentCreate::new(format!("d{i}"), "s3://x".into()).deal_id(d.id.clone()))
                    .await
                    .expect("doc");
            }
        }
    }
    for i in 0..4 {
        b.repo::<Deal>()
            .create(DealCreate::new(format!("b{i}")).probability(99))
            .await
            .expect("theirs");
    }
    let totals = a
        .query(query_as!(
            StageTotal,
            "SELECT d.stage, count(*) AS deals FROM {Deal} d WHERE d.probability >= $1 GROUP BY d.stage",
            50
        ))
        .await
        .expect("totals");
    assert_eq!(
        totals,
        [StageTotal {
            stage: DealStage::Sourcing,
            deals: 2
        }]
    );
    let rows = a
        .query(query_as!(
            DealDocuments,
            "SELECT d.name AS deal, d.type, d.company_id, count(x.id) AS documents
             FROM {Deal} d LEFT JOIN {Document} x ON x.deal_id = d.id AND x.file_url IS NOT NULL
             GROUP BY d.id, d.name, d.type, d.company_id ORDER BY documents DESC, deal"
        ))
        .await
        .expect("join");
    let counts: Vec<(&str, i64)> = rows.iter().map(|r| (r.deal.as_str(), r.documents)).collect();
    assert_eq!(counts, [("one", 2), ("three", 0), ("two", 0)]);
    assert!(rows
        .iter()
        .all(|r| r.r#type == DealType::Acquisition && r.company_id.is_none()));
    // In a transaction, with one model and unqualified names.
    let seen = b
        .transaction_boxed(TxOptions::default(), |tx| {
            Box::pin(async move {
                tx.query(query_as!(
                    StageTotal,
                    "SELECT stage, count(*) AS deals FROM {Deal} GROUP BY stage"
                ))
                .await
            })
        })
        .await
        .expect("tx");
    assert_eq!(
        seen,
        [StageTotal {
            stage: DealStage::Sourcing,
            deals: 4
        }]
    );
}
