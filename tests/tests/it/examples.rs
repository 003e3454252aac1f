//! The example application against a real database: the seed is idempotent, and the spec's examples work.

use trato_example::{seed, spec_examples};
use trato_hive_db::runtime::Filter;
use trato_hive_db::*;
use trato_tests::TestDb;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_seed_is_idempotent_and_the_spec_examples_run() {
    let t = TestDb::new().await;
    let db = t.app_pool("");
    assert_eq!(seed::run(&db).await.expect("seed").created, 42);
    assert_eq!(seed::run(&db).await.expect("seed again").created, 0);

    let alice = scope(&db, "seed-user-alice", "seed-org-demo")
        .await
        .expect("member")
        .write()
        .expect("owner");
    let erin = scope(&db, "seed-user-erin", "seed-org-northwind")
        .await
        .expect("member")
        .write()
        .expect("owner");
    // Every stage has a deal; members of every role exist.
    let stages = alice
        .repo::<Deal>()
        .group_by(Deal::STAGE, Deal::VALUE, Filter::all())
        .await
        .expect("group by");
    assert_eq!(stages.len(), DealStage::VARIANTS.len());
    for role in OrganizationRole::VARIANTS {
        let n = alice
            .repo::<OrganizationMember>()
            .count(OrganizationMember::ROLE.eq(*role))
            .await
            .expect("count");
        assert_eq!(n, 1, "{role}");
    }

    let (updated, listed, total) = spec_examples::basic_queries(&alice).await.expect("basic queries");
    assert_eq!(
        (updated.stage, updated.probability),
        (DealStage::DeepDueDiligence, Some(75))
    );
    assert!(listed >= 1);
    assert_eq!(total, 9, "8 seeded deals and Project Sky");
    let deal = spec_examples::create_company_deal_and_activity(&alice, "Acme Inc", "seed-user-alice")
        .await
        .expect("transaction");
    assert_eq!(deal.name, "Acquire Acme Inc");
    let page = spec_examples::paginate_deals(&alice, DealStage::Sourcing, 1, 10)
        .await
        .expect("page");
    assert_eq!(page.total, 2);
    let counted = spec_examples::deals_with_document_counts(&alice, 50)
        .await
        .expect("counts");
    let deals = alice.repo::<Deal>().count(Filter::all()).await.expect("deals");
    assert_eq!(counted.len() as i64, deals);
    let documents = alice
        .repo::<Document>()
        .count(Document::DEAL_ID.is_not_null())
        .await
        .expect("documents");
    assert_eq!(counted.iter().map(|(_, n)| n).sum::<i64>(), documents);
    let likely = alice
        .repo::<Deal>()
        .find_first_or_throw(Deal::PROBABILITY.is_not_null())
        .await
        .expect("a seeded deal with a probability");
    let raised = spec_examples::raise_probability(&alice, &likely.id, 5)
        .await
        .expect("raise");
    assert_eq!(raised.probability, likely.probability.map(|p| p + 5));
    assert!(spec_examples::deals_with_document_counts(&erin, 50)
        .await
        .expect("theirs")
        .iter()
        .all(|(d, _)| d.organization_id != alice.tenant()));
    let board = spec_examples::deal_board(&alice, vec![DealStage::Sourcing, DealStage::DeepDueDiligence])
        .await
        .expect("board");
    let on_board = alice
        .repo::<Deal>()
        .count(Deal::STAGE.is_in(vec![DealStage::Sourcing, DealStage::DeepDueDiligence]))
        .await
        .expect("count");
    assert_eq!(board.len() as i64, on_board);
    assert!(board
        .windows(2)
        .all(|w| w[0].probability.unwrap_or(-1) >= w[1].probability.unwrap_or(-1)));
    assert!(spec_examples::other_tenant_sees_nothing(&alice, &erin)
        .await
        .expect("isolation"));
    spec_examples::disconnect(&db);
    assert!(db.is_closed());
}
