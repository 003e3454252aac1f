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
    assert!(spec_examples::other_tenant_sees_nothing(&alice, &erin)
        .await
        .expect("isolation"));
    spec_examples::disconnect(&db);
    assert!(db.is_closed());
}
