//! The audit trail (`@@audit`: one Activity row per write, in the same statement) and soft delete
//! (`@softDelete`: hidden from reads, counts and includes; names reusable; hard delete is explicit).

use trato_hive_db::runtime::{Filter, Query, TxOptions};
use trato_hive_db::*;
use trato_tests::TestDb;

use crate::repo::{members, writer};

async fn activities(t: &TestDb) -> Vec<(String, String, Option<String>, serde_json::Value)> {
    let rows = t
        .pool("")
        .query(
            // created_at has millisecond precision: ties go by the writing transaction (xmin), not the random id.
            "SELECT type::text, organization_id, user_id, metadata FROM activities ORDER BY created_at, xmin::text::bigint, id",
            &[],
        )
        .await
        .expect("activities");
    rows.iter()
        .map(|r| {
            (
                r.get(0),
                r.get(1),
                r.get(2),
                r.get::<_, Option<serde_json::Value>>(3).unwrap_or_default(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_write_to_an_audited_model_records_exactly_one_activity() {
    let t = TestDb::new().await;
    members(&t).await;
    let db = t.app_pool("");
    let a = writer(&db, "u_owner", "org_a").await;
    let company = a
        .repo::<Company>()
        .create(CompanyCreate::new("Acme".into()))
        .await
        .expect("company");
    let deal = a
        .repo::<Deal>()
        .create(DealCreate::new("Buy Acme".into()).company_id(company.id.clone()))
        .await
        .expect("deal");
    a.repo::<Deal>()
        .update(deal.id.clone(), DealUpdate::default().stage(DealStage::Negotiation))
        .await
        .expect("stage");
    a.repo::<Deal>()
        .update(deal.id.clone(), DealUpdate::default().probability(Some(40)))
        .await
        .expect("probability");
    a.repo::<Deal>().delete(deal.id.clone()).await.expect("delete");
    let log = activities(&t).await;
    let kinds: Vec<&str> = log.iter().map(|(k, ..)| k.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "COMPANY_ADDED",
            "DEAL_CREATED",
            "DEAL_STAGE_CHANGED",
            "USER_ACTION",
            "USER_ACTION"
        ]
    );
    assert!(log
        .iter()
        .all(|(_, org, actor, _)| org == "org_a" && actor.as_deref() == Some("u_owner")));
    assert_eq!(log[2].3["fields"], serde_json::json!(["stage"]));
    assert_eq!(log[4].3["action"], "delete");
    assert_eq!(log[1].3["id"], serde_json::json!(deal.id));
    // Activities point at their deal, and the deal's audit rows are reachable from it.
    let linked: i64 = t
        .pool("")
        .query("SELECT count(*) FROM activities WHERE deal_id = $1", &[&deal.id])
        .await
        .expect("linked")[0]
        .get(0);
    assert_eq!(linked, 4);
    // Bulk writes record one row per changed row.
    let n = a
        .repo::<Company>()
        .create_many((0..5).map(|i| CompanyCreate::new(format!("bulk {i}"))).collect())
        .await
        .expect("bulk");
    assert_eq!(n, 5);
    let changed = a
        .repo::<Company>()
        .update_many(
            Company::NAME.starts_with("bulk", runtime::Case::Sensitive),
            CompanyUpdate::default().industry(Some("x".into())),
        )
        .await
        .expect("update many");
    assert_eq!(changed, 5);
    assert_eq!(activities(&t).await.len(), 5 + 5 + 5);
    // Activity itself is not audited: writing it directly adds just itself.
    a.repo::<Activity>()
        .create(ActivityCreate::new(ActivityType::AiQuery, "asked".into()))
        .await
        .expect("activity");
    assert_eq!(activities(&t).await.len(), 16);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_transaction_leaves_no_activity_and_the_system_reason_is_recorded() {
    let t = TestDb::new().await;
    members(&t).await;
    let db = t.app_pool("");
    let a = writer(&db, "u_owner", "org_a").await;
    let failed = a
        .transaction(TxOptions::default(), async |tx| {
            tx.repo::<Company>().create(CompanyCreate::new("Doomed".into())).await?;
            tx.repo::<Deal>()
                .create(DealCreate::new("x".into()).company_id("missing"))
                .await
        })
        .await;
    assert!(failed.is_err());
    assert!(
        activities(&t).await.is_empty(),
        "the rolled-back company left no activity"
    );
    // A write refused by a constraint outside a transaction leaves none either.
    a.repo::<Company>()
        .create(CompanyCreate::new("Once".into()))
        .await
        .expect("first");
    assert!(a
        .repo::<Company>()
        .create(CompanyCreate::new("Once".into()))
        .await
        .is_err());
    assert_eq!(activities(&t).await.len(), 1);

    let sys = system(&db, "GDPR export 2026-11")
        .tenant("org_a")
        .await
        .expect("system");
    sys.repo::<Company>()
        .create(CompanyCreate::new("From a job".into()))
        .await
        .expect("system write");
    let log = activities(&t).await;
    let last = log.last().expect("activity");
    assert_eq!(last.2, None, "no user acted");
    assert_eq!(last.3["reason"], "GDPR export 2026-11");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn soft_deleted_rows_are_hidden_unless_asked_for_and_their_names_can_be_reused() {
    let t = TestDb::new().await;
    members(&t).await;
    let db = t.app_pool("");
    let a = writer(&db, "u_owner", "org_a").await;
    let acme = a
        .repo::<Company>()
        .create(CompanyCreate::new("Acme".into()))
        .await
        .expect("company");
    let deal = a
        .repo::<Deal>()
        .create(DealCreate::new("Buy Acme".into()).company_id(acme.id.clone()))
        .await
        .expect("deal");
    let deleted = a.repo::<Company>().delete(acme.id.clone()).await.expect("soft delete");
    assert!(deleted.deleted_at.is_some());

    let companies = a.repo::<Company>();
    assert_eq!(companies.find_by_id(acme.id.clone()).await.expect("find"), None);
    assert!(companies.find_many(Query::new()).await.expect("many").is_empty());
    assert_eq!(companies.count(Filter::all()).await.expect("count"), 0);
    let with_company = a
        .repo::<Deal>()
        .find_many_with(Query::new(), Deal::COMPANY)
        .await
        .expect("include");
    assert_eq!(with_company[0].1, None, "includes skip deleted rows");
    assert_eq!(
        a.repo::<Deal>()
            .count(Deal::COMPANY.is(Filter::all()))
            .await
            .expect("relation filter"),
        0
    );
    assert!(
        matches!(
            companies.delete(acme.id.clone()).await,
            Err(runtime::Error::NotFound { .. })
        ),
        "already deleted"
    );
    // The opt-in sees it.
    assert_eq!(
        a.repo::<Company>()
            .with_deleted()
            .find_by_id(acme.id.clone())
            .await
            .expect("find")
            .map(|c| c.name),
        Some("Acme".into())
    );
    assert_eq!(
        a.repo::<Company>()
            .with_deleted()
            .count(Filter::all())
            .await
            .expect("count"),
        1
    );
    // The unique name applies to live rows only.
    let again = companies
        .create(CompanyCreate::new("Acme".into()))
        .await
        .expect("name reused");
    assert_ne!(again.id, acme.id);
    assert!(matches!(
        companies.create(CompanyCreate::new("Acme".into())).await,
        Err(runtime::Error::UniqueViolation { .. })
    ));
    // Hard delete is explicit and removes the row; the deal keeps its row with the company nulled.
    a.repo::<Company>()
        .hard_delete(acme.id.clone())
        .await
        .expect("hard delete");
    assert_eq!(
        a.repo::<Company>()
            .with_deleted()
            .count(Company::ID.eq(acme.id.clone()))
            .await
            .expect("count"),
        0
    );
    let deal = a
        .repo::<Deal>()
        .find_by_id(deal.id)
        .await
        .expect("find")
        .expect("deal stays");
    assert_eq!(deal.company_id, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_helper_reads_items_and_total_in_one_snapshot() {
    let t = TestDb::new().await;
    members(&t).await;
    let db = t.app_pool("");
    let a = writer(&db, "u_owner", "org_a").await;
    let n = a
        .repo::<Deal>()
        .create_many(
            (0..23)
                .map(|i| {
                    DealCreate::new(format!("deal {i:02}")).stage(if i % 2 == 0 {
                        DealStage::Sourcing
                    } else {
                        DealStage::Closing
                    })
                })
                .collect(),
        )
        .await
        .expect("deals");
    assert_eq!(n, 23);
    let page = a
        .paginate(
            || {
                Query::new()
                    .filter(Deal::STAGE.eq(DealStage::Sourcing))
                    .order_by(Deal::NAME.asc())
            },
            2,
            5,
            Deal::COMPANY,
        )
        .await
        .expect("page");
    assert_eq!((page.page, page.page_size, page.total, page.total_pages), (2, 5, 12, 3));
    let names: Vec<&str> = page.items.iter().map(|(d, _)| d.name.as_str()).collect();
    assert_eq!(names, ["deal 10", "deal 12", "deal 14", "deal 16", "deal 18"]);
    let last = a
        .paginate(
            || Query::new().filter(Deal::STAGE.eq(DealStage::Sourcing)),
            3,
            5,
            Deal::COMPANY,
        )
        .await
        .expect("last page");
    assert_eq!(last.items.len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keyset_pages_neither_repeat_nor_skip_under_concurrent_inserts_and_cursors_are_bound() {
    let t = TestDb::new().await;
    members(&t).await;
    let db = t.app_pool("connection_limit=4");
    let a = writer(&db, "u_owner", "org_a").await;
    let b = writer(&db, "u_b", "org_b").await;
    a.repo::<Company>()
        .create_many((0..200).map(|i| CompanyCreate::new(format!("c{i:03}"))).collect())
        .await
        .expect("companies");
    let existing: std::collections::BTreeSet<String> = a
        .repo::<Company>()
        .find_many(Query::new())
        .await
        .expect("all")
        .into_iter()
        .map(|c| c.id)
        .collect();

    // Insert while paging.
    let writer_scope = a.clone();
    let inserter = tokio::spawn(async move {
        for i in 0..100 {
            writer_scope
                .repo::<Company>()
                .create(CompanyCreate::new(format!("new{i:03}")))
                .await
                .expect("insert");
        }
    });
    let mut seen: Vec<String> = Vec::new();
    let mut cursor: Option<String> = None;
    let mut first_cursor = None;
    loop {
        let page = a
            .repo::<Company>()
            .find_page(Filter::all(), runtime::Direction::Forward, cursor.as_deref(), 17)
            .await
            .expect("page");
        seen.extend(page.items.iter().map(|c| c.id.clone()));
        if first_cursor.is_none() {
            first_cursor = page.next.clone();
        }
        match page.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    inserter.await.expect("inserter");
    let unique: std::collections::BTreeSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "a row was repeated");
    assert!(
        existing.iter().all(|id| unique.contains(id)),
        "a row that existed when paging began was skipped"
    );
    assert!(seen.windows(2).all(|w| w[0] < w[1]), "pages are in key order");

    // A cursor of org_a is refused in org_b's scope, and a tampered one anywhere.
    let cursor = first_cursor.expect("more than one page");
    let foreign = b
        .repo::<Company>()
        .find_page(Filter::all(), runtime::Direction::Forward, Some(&cursor), 17)
        .await;
    assert!(matches!(foreign, Err(runtime::Error::InvalidCursor)), "{foreign:?}");
    let other_model = a
        .repo::<Deal>()
        .find_page(Filter::all(), runtime::Direction::Forward, Some(&cursor), 17)
        .await;
    assert!(matches!(other_model, Err(runtime::Error::InvalidCursor)));
    let mut tampered = cursor.clone();
    let last = tampered.pop().expect("char");
    tampered.push(if last == '0' { '1' } else { '0' });
    assert!(matches!(
        a.repo::<Company>()
            .find_page(Filter::all(), runtime::Direction::Forward, Some(&tampered), 17)
            .await,
        Err(runtime::Error::InvalidCursor)
    ));
    assert!(matches!(
        a.repo::<Company>()
            .find_page(Filter::all(), runtime::Direction::Backward, Some(&cursor), 17)
            .await,
        Err(runtime::Error::InvalidCursor)
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upsert_records_the_create_or_the_update_it_turned_out_to_be() {
    let t = TestDb::new().await;
    members(&t).await;
    let db = t.app_pool("");
    let a = writer(&db, "u_owner", "org_a").await;
    let companies = a.repo::<Company>();
    let upsert = |employees: i32| {
        companies.upsert(
            Company::BY_NAME,
            CompanyCreate::new("Acme".into()).industry("saas"),
            CompanyUpdate::default().employees(Some(employees)),
        )
    };
    let inserted = upsert(10).await.expect("insert");
    let updated = upsert(20).await.expect("update");
    assert_eq!(inserted.id, updated.id);
    assert_eq!((inserted.employees, updated.employees), (None, Some(20)));
    let log = activities(&t).await;
    let seen: Vec<(&str, &serde_json::Value, &serde_json::Value)> = log
        .iter()
        .map(|(kind, _, _, meta)| (kind.as_str(), &meta["action"], &meta["fields"]))
        .collect();
    assert_eq!(
        seen,
        [
            (
                "COMPANY_ADDED",
                &serde_json::json!("create"),
                &serde_json::json!(["id", "name", "industry"])
            ),
            (
                "USER_ACTION",
                &serde_json::json!("update"),
                &serde_json::json!(["employees"])
            ),
        ]
    );
    assert!(log.iter().all(|(_, org, actor, meta)| org == "org_a"
        && actor.as_deref() == Some("u_owner")
        && meta["id"] == serde_json::json!(inserted.id)));
    // The system scope's reason reaches an upsert's audit row too.
    let sys = system(&db, "nightly import").tenant("org_a").await.expect("system");
    sys.repo::<Company>()
        .upsert(
            Company::BY_NAME,
            CompanyCreate::new("Acme".into()),
            CompanyUpdate::default(),
        )
        .await
        .expect("no-op update");
    let log = activities(&t).await;
    assert_eq!(log.len(), 3);
    assert_eq!(log[2].3["reason"], "nightly import");
    assert_eq!(log[2].3["action"], "update");
}
