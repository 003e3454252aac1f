//! The query API beyond the spec's examples (issue 16), against a real server as the application role:
//! relation counts, `..._or_throw`, updates computed by the database. Each also tries another tenant's
//! rows: none is ever counted, found or changed.

use trato_hive_db::runtime::{Error, Filter, Query};
use trato_hive_db::*;
use trato_tests::TestDb;

use crate::repo::{members, writer};

/// Two deals of org_a with 2 and 0 documents (one more soft-deleted), one deal of org_b with 3.
async fn deals_with_documents(t: &TestDb) -> (Deal, Deal) {
    members(t).await;
    let db = t.app_pool("");
    let (a, b) = (writer(&db, "u_owner", "org_a").await, writer(&db, "u_b", "org_b").await);
    let busy = a
        .repo::<Deal>()
        .create(DealCreate::new("busy".into()))
        .await
        .expect("deal");
    let quiet = a
        .repo::<Deal>()
        .create(DealCreate::new("quiet".into()))
        .await
        .expect("deal");
    for i in 0..3 {
        let doc = a
            .repo::<Document>()
            .create(DocumentCreate::new(format!("d{i}"), "s3://a".into()).deal_id(busy.id.clone()))
            .await
            .expect("doc");
        if i == 2 {
            a.repo::<Document>().delete(doc.id).await.expect("soft delete");
        }
    }
    let theirs = b
        .repo::<Deal>()
        .create(DealCreate::new("theirs".into()))
        .await
        .expect("deal");
    for i in 0..3 {
        b.repo::<Document>()
            .create(DocumentCreate::new(format!("b{i}"), "s3://b".into()).deal_id(theirs.id.clone()))
            .await
            .expect("doc");
    }
    (busy, quiet)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relation_counts_count_this_tenants_visible_rows() {
    let t = TestDb::new().await;
    let (busy, quiet) = deals_with_documents(&t).await;
    let db = t.app_pool("");
    let a = writer(&db, "u_owner", "org_a").await;
    let rows = a
        .repo::<Deal>()
        .find_many_with(Query::new().order_by(Deal::NAME.asc()), Deal::DOCUMENTS.count())
        .await
        .expect("counts");
    let counts: Vec<(String, i64)> = rows.into_iter().map(|(d, n)| (d.name, n)).collect();
    assert_eq!(counts, [("busy".to_string(), 2), ("quiet".to_string(), 0)]);
    // Filtered, and beside another include.
    let rows = a
        .repo::<Deal>()
        .find_many_with(
            Deal::ID.eq(busy.id.clone()),
            (
                Deal::DOCUMENTS.count_where(Document::NAME.eq("d0".to_string())),
                Deal::DOCUMENTS,
            ),
        )
        .await
        .expect("filtered count");
    assert_eq!(rows[0].1 .0, 1);
    assert_eq!(rows[0].1 .1.len(), 2);
    // Another tenant's deal id, asked for by id from org_a: not there to count.
    let none = a
        .repo::<Deal>()
        .find_many_with(Deal::NAME.eq("theirs".to_string()), Deal::DOCUMENTS.count())
        .await
        .expect("nothing");
    assert!(none.is_empty());
    assert_eq!(quiet.name, "quiet");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn or_throw_finders_say_not_found() {
    let t = TestDb::new().await;
    let (busy, _) = deals_with_documents(&t).await;
    let db = t.app_pool("");
    let (a, b) = (writer(&db, "u_owner", "org_a").await, writer(&db, "u_b", "org_b").await);
    let found = a
        .repo::<Deal>()
        .find_unique_or_throw(Deal::ID, busy.id.clone())
        .await
        .expect("ours");
    assert_eq!(found.name, "busy");
    assert!(matches!(
        b.repo::<Deal>().find_unique_or_throw(Deal::ID, busy.id.clone()).await,
        Err(Error::NotFound { .. })
    ));
    assert!(matches!(
        b.repo::<Deal>()
            .find_first_or_throw(Deal::NAME.eq("busy".to_string()))
            .await,
        Err(Error::NotFound { .. })
    ));
    assert!(a.repo::<Deal>().find_first_or_throw(Filter::all()).await.is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn updates_computed_by_the_database_lose_nothing_and_stay_in_the_tenant() {
    let t = TestDb::new().await;
    let (busy, quiet) = deals_with_documents(&t).await;
    let db = t.app_pool("");
    let (a, b) = (writer(&db, "u_owner", "org_a").await, writer(&db, "u_b", "org_b").await);
    a.repo::<Deal>()
        .update_set(busy.id.clone(), [Deal::PROBABILITY.set(Some(10))])
        .await
        .expect("set");
    // Twenty concurrent increments, each its own statement: no lost update.
    let mut tasks = Vec::new();
    for _ in 0..20 {
        let (a, id) = (a.clone(), busy.id.clone());
        tasks.push(tokio::spawn(async move {
            a.repo::<Deal>().update_set(id, [Deal::PROBABILITY.increment(1)]).await
        }));
    }
    for task in tasks {
        task.await.expect("join").expect("increment");
    }
    let after = a
        .repo::<Deal>()
        .find_by_id(busy.id.clone())
        .await
        .expect("read")
        .expect("row");
    assert_eq!(after.probability, Some(30));
    let halved = a
        .repo::<Deal>()
        .update_set(
            busy.id.clone(),
            [Deal::PROBABILITY.divide(3), Deal::NAME.set("renamed".to_string())],
        )
        .await
        .expect("divide");
    assert_eq!((halved.probability, halved.name.as_str()), (Some(10), "renamed"));
    // NULL stays NULL, as in Prisma.
    let still = a
        .repo::<Deal>()
        .update_set(quiet.id.clone(), [Deal::PROBABILITY.increment(5)])
        .await
        .expect("null");
    assert_eq!(still.probability, None);
    // Another tenant: not found, and its rows untouched by a filter-wide update.
    assert!(matches!(
        b.repo::<Deal>()
            .update_set(busy.id.clone(), [Deal::PROBABILITY.increment(1)])
            .await,
        Err(Error::NotFound { .. })
    ));
    let changed = b
        .repo::<Deal>()
        .update_many_set(Filter::all(), [Deal::PROBABILITY.set(Some(99))])
        .await
        .expect("theirs");
    assert_eq!(changed, 1);
    let ours = a
        .repo::<Deal>()
        .find_by_id(busy.id.clone())
        .await
        .expect("read")
        .expect("row");
    assert_eq!(ours.probability, Some(10));
    // The tenant key is not assignable; an empty change is refused.
    assert!(matches!(
        a.repo::<Deal>()
            .update_set(busy.id.clone(), [Deal::ORGANIZATION_ID.set("org_b".to_string())])
            .await,
        Err(Error::Forbidden { .. })
    ));
    assert!(matches!(
        a.repo::<Deal>().update_set(busy.id.clone(), Vec::new()).await,
        Err(Error::Config(_))
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nulls_first_or_last_and_distinct() {
    let t = TestDb::new().await;
    members(&t).await;
    let db = t.app_pool("");
    let (a, b) = (writer(&db, "u_owner", "org_a").await, writer(&db, "u_b", "org_b").await);
    for (name, p, stage) in [
        ("n1", None, DealStage::Sourcing),
        ("p50", Some(50), DealStage::Sourcing),
        ("p90", Some(90), DealStage::Closing),
        ("p10", Some(10), DealStage::Closing),
    ] {
        // A nullable field's setter takes the value or an Option of it.
        a.repo::<Deal>()
            .create(DealCreate::new(name.into()).probability(p).stage(stage))
            .await
            .expect("deal");
    }
    b.repo::<Deal>()
        .create(DealCreate::new("foreign".into()).stage(DealStage::Negotiation))
        .await
        .expect("theirs");
    let names = |deals: Vec<Deal>| deals.into_iter().map(|d| d.name).collect::<Vec<_>>();
    let last = a
        .repo::<Deal>()
        .find_many(Query::new().order_by(Deal::PROBABILITY.desc().nulls_last()))
        .await
        .expect("nulls last");
    assert_eq!(names(last), ["p90", "p50", "p10", "n1"]);
    let first = a
        .repo::<Deal>()
        .find_many(Query::new().order_by(Deal::PROBABILITY.asc().nulls_first()))
        .await
        .expect("nulls first");
    assert_eq!(names(first), ["n1", "p10", "p50", "p90"]);
    // One deal per stage: the likeliest of each; another tenant's stage never appears.
    let best = a
        .repo::<Deal>()
        .find_many(
            Query::new()
                .distinct(Deal::STAGE)
                .order_by(Deal::PROBABILITY.desc().nulls_last()),
        )
        .await
        .expect("distinct");
    let mut best = names(best);
    best.sort();
    assert_eq!(best, ["p50", "p90"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn several_aggregates_and_groups_by_several_keys_with_having() {
    use trato_hive_db::runtime::aggregate::{avg, count, max, min, sum, Compare, Having};
    let t = TestDb::new().await;
    members(&t).await;
    let db = t.app_pool("");
    let (a, b) = (writer(&db, "u_owner", "org_a").await, writer(&db, "u_b", "org_b").await);
    for (name, p, stage, ty) in [
        ("s1", 10, DealStage::Sourcing, DealType::Acquisition),
        ("s2", 30, DealStage::Sourcing, DealType::Acquisition),
        ("s3", 50, DealStage::Sourcing, DealType::Investment),
        ("c1", 90, DealStage::Closing, DealType::Acquisition),
    ] {
        a.repo::<Deal>()
            .create(DealCreate::new(name.into()).probability(p).stage(stage).r#type(ty))
            .await
            .expect("deal");
    }
    b.repo::<Deal>()
        .create(
            DealCreate::new("foreign".into())
                .probability(1000)
                .stage(DealStage::Sourcing),
        )
        .await
        .expect("theirs");
    let deals = a.repo::<Deal>();
    let (n, total, mean, low, high) = deals
        .aggregate(
            Filter::all(),
            (
                count(),
                sum(Deal::PROBABILITY),
                avg(Deal::PROBABILITY),
                min(Deal::PROBABILITY),
                max(Deal::NAME),
            ),
        )
        .await
        .expect("aggregate");
    assert_eq!((n, total, low, high.as_deref()), (4, Some(180), Some(10), Some("s3")));
    assert_eq!(mean.map(|m| m.to_string()), Some("45.0000000000000000".into()));
    let groups = deals
        .group_by_keys(
            (Deal::STAGE, Deal::TYPE),
            (count(), sum(Deal::PROBABILITY)),
            Filter::all(),
            Having::all(),
        )
        .await
        .expect("group by");
    assert_eq!(
        groups,
        [
            ((DealStage::Sourcing, DealType::Acquisition), (2, Some(40))),
            ((DealStage::Sourcing, DealType::Investment), (1, Some(50))),
            ((DealStage::Closing, DealType::Acquisition), (1, Some(90))),
        ]
    );
    let busy = deals
        .group_by_keys(
            Deal::STAGE,
            (count(),),
            Filter::all(),
            count().gt(1).and(sum(Deal::PROBABILITY).lt(1000)),
        )
        .await
        .expect("having");
    assert_eq!(busy, [(DealStage::Sourcing, (3,))]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_writes_skip_duplicates_and_return_rows() {
    let t = TestDb::new().await;
    members(&t).await;
    let db = t.app_pool("");
    let (a, b) = (writer(&db, "u_owner", "org_a").await, writer(&db, "u_b", "org_b").await);
    // Another tenant's "Acme" is not a duplicate of ours (unique keys carry the tenant).
    b.repo::<Company>()
        .create(CompanyCreate::new("Acme".into()))
        .await
        .expect("theirs");
    let made = a
        .repo::<Company>()
        .create_many_and_return(vec![
            CompanyCreate::new("Acme".into()),
            CompanyCreate::new("Globex".into()),
        ])
        .await
        .expect("and return");
    let mut names: Vec<String> = made.iter().map(|c| c.name.clone()).collect();
    names.sort();
    assert_eq!(names, ["Acme", "Globex"]);
    assert!(made.iter().all(|c| c.organization_id == "org_a"));
    // A duplicate fails the plain create_many; skip_duplicates inserts the rest.
    let dup = a
        .repo::<Company>()
        .create_many(vec![CompanyCreate::new("Acme".into())])
        .await;
    assert!(matches!(dup, Err(Error::UniqueViolation { .. })), "{dup:?}");
    let n = a
        .repo::<Company>()
        .create_many_skip_duplicates(vec![
            CompanyCreate::new("Acme".into()),
            CompanyCreate::new("Initech".into()),
            CompanyCreate::new("Globex".into()).domain("globex.com".to_string()),
        ])
        .await
        .expect("skip duplicates");
    assert_eq!(n, 1, "only Initech was new");
    assert_eq!(a.repo::<Company>().count(Filter::all()).await.expect("count"), 3);
    // Audited: one Activity row per inserted company, none for the skipped ones.
    let audited = a.repo::<Activity>().count(Filter::all()).await.expect("activities");
    assert_eq!(audited, 3);
    // updateManyAndReturn: ours only.
    let renamed = b
        .repo::<Company>()
        .update_many_and_return(
            Filter::all(),
            CompanyUpdate::default().domain(Some("b.example".to_string())),
        )
        .await
        .expect("update and return");
    assert_eq!(renamed.len(), 1);
    assert_eq!(renamed[0].organization_id, "org_b");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_filters_and_full_text_search_stay_in_the_tenant() {
    use trato_hive_db::runtime::serde_json::json;
    let t = TestDb::new().await;
    members(&t).await;
    let db = t.app_pool("");
    let (a, b) = (writer(&db, "u_owner", "org_a").await, writer(&db, "u_b", "org_b").await);
    for (scope, what, meta) in [
        (
            &a,
            "Quarterly review of the Acme acquisition",
            json!({"source": "crm", "tags": ["q3", "acme"], "owner": {"name": "Ann"}}),
        ),
        (
            &a,
            "Board call about Globex",
            json!({"source": "mail", "tags": ["board"], "owner": {"name": "Bob"}}),
        ),
        (
            &b,
            "Acme acquisition, the other side",
            json!({"source": "crm", "tags": ["acme"], "owner": {"name": "Ann"}}),
        ),
    ] {
        scope
            .repo::<Activity>()
            .create(ActivityCreate::new(ActivityType::UserAction, what.into()).metadata(meta))
            .await
            .expect("activity");
    }
    let acts = a.repo::<Activity>();
    let count = |f| async { acts.count(f).await.expect("filter") };
    assert_eq!(
        count(Activity::METADATA.json_contains(json!({"source": "crm"}))).await,
        1
    );
    assert_eq!(
        count(Activity::METADATA.json_contains(json!({"tags": ["acme"]}))).await,
        1,
        "array contains"
    );
    assert_eq!(
        count(Activity::METADATA.json_path_eq(&["owner", "name"], json!("Ann"))).await,
        1
    );
    assert_eq!(
        count(Activity::METADATA.json_path_eq(&["tags", "0"], json!("board"))).await,
        1
    );
    assert_eq!(count(Activity::DESCRIPTION.search("acme acquisition")).await, 1);
    assert_eq!(count(Activity::DESCRIPTION.search("\"board call\" -acme")).await, 1);
    assert_eq!(count(Activity::DESCRIPTION.search("acme or globex")).await, 2);
    // A search string is a value, never SQL.
    assert_eq!(count(Activity::DESCRIPTION.search("'; DROP TABLE deals; --")).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deal_is_created_with_its_first_documents_in_one_transaction() {
    let t = TestDb::new().await;
    members(&t).await;
    let db = t.app_pool("");
    let (a, b) = (writer(&db, "u_owner", "org_a").await, writer(&db, "u_b", "org_b").await);
    let (deal, documents) = a
        .create_with(
            DealCreate::new("Project Sky".into()),
            Deal::DOCUMENTS.create(vec![
                DocumentCreate::new("NDA".into(), "s3://a/nda".into()),
                DocumentCreate::new("CIM".into(), "s3://a/cim".into()),
            ]),
        )
        .await
        .expect("nested create");
    assert_eq!(documents.len(), 2);
    assert!(documents
        .iter()
        .all(|d| d.deal_id.as_deref() == Some(deal.id.as_str()) && d.organization_id == "org_a"));
    // Audited like any create: the deal and each document.
    assert_eq!(a.repo::<Activity>().count(Filter::all()).await.expect("activities"), 3);
    // A child that points at another tenant's company fails its composite foreign key: nothing is left,
    // not even the parent.
    let theirs = b
        .repo::<Company>()
        .create(CompanyCreate::new("Theirs".into()))
        .await
        .expect("theirs");
    let failed = a
        .create_with(
            DealCreate::new("Project Leak".into()),
            Deal::DOCUMENTS.create(vec![
                DocumentCreate::new("x".into(), "s3://x".into()).company_id(theirs.id.clone())
            ]),
        )
        .await;
    assert!(matches!(failed, Err(Error::ForeignKeyViolation { .. })), "{failed:?}");
    assert_eq!(
        a.repo::<Deal>()
            .count(Deal::NAME.eq("Project Leak".to_string()))
            .await
            .expect("count"),
        0
    );
    assert_eq!(b.repo::<Document>().count(Filter::all()).await.expect("theirs"), 0);
    // Existing documents connected to a new deal, beside a new one (a tuple of nested writes): one
    // transaction. Another tenant's document is not found in this tenant: nothing is written.
    let loose = a
        .repo::<Document>()
        .create(DocumentCreate::new("teaser".into(), "s3://a/teaser".into()))
        .await
        .expect("loose document");
    let (deal, (created, connected)) = a
        .create_with(
            DealCreate::new("Project Dawn".into()),
            (
                Deal::DOCUMENTS.create(vec![DocumentCreate::new("LOI".into(), "s3://a/loi".into())]),
                Deal::DOCUMENTS.connect(vec![loose.id.clone()]),
            ),
        )
        .await
        .expect("create and connect");
    assert_eq!(created.len(), 1);
    assert_eq!(
        connected.iter().map(|d| d.id.as_str()).collect::<Vec<_>>(),
        [loose.id.as_str()]
    );
    assert_eq!(
        a.repo::<Document>()
            .count(Document::DEAL_ID.eq(deal.id.clone()))
            .await
            .expect("count"),
        2
    );
    let their_doc = b
        .repo::<Document>()
        .create(DocumentCreate::new("theirs".into(), "s3://b".into()))
        .await
        .expect("their document");
    let stolen = a
        .create_with(
            DealCreate::new("Project Grab".into()),
            Deal::DOCUMENTS.connect(vec![their_doc.id.clone()]),
        )
        .await;
    assert!(matches!(stolen, Err(Error::NotFound { .. })), "{stolen:?}");
    assert_eq!(
        a.repo::<Deal>()
            .count(Deal::NAME.eq("Project Grab".to_string()))
            .await
            .expect("count"),
        0
    );
    let theirs_now = b
        .repo::<Document>()
        .find_by_id(their_doc.id)
        .await
        .expect("find")
        .expect("theirs");
    assert_eq!(theirs_now.deal_id, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn to_one_relations_connect_and_disconnect_within_the_tenant() {
    let t = TestDb::new().await;
    members(&t).await;
    let db = t.app_pool("");
    let (a, b) = (writer(&db, "u_owner", "org_a").await, writer(&db, "u_b", "org_b").await);
    let deal = a
        .repo::<Deal>()
        .create(DealCreate::new("d".into()))
        .await
        .expect("deal");
    let ours = a
        .repo::<Company>()
        .create(CompanyCreate::new("Ours".into()))
        .await
        .expect("company");
    let theirs = b
        .repo::<Company>()
        .create(CompanyCreate::new("Theirs".into()))
        .await
        .expect("company");
    let connected = a
        .repo::<Deal>()
        .connect(deal.id.clone(), Deal::COMPANY, ours.id.clone())
        .await
        .expect("connect");
    assert_eq!(connected.company_id.as_deref(), Some(ours.id.as_str()));
    let leak = a
        .repo::<Deal>()
        .connect(deal.id.clone(), Deal::COMPANY, theirs.id.clone())
        .await;
    assert!(matches!(leak, Err(Error::ForeignKeyViolation { .. })), "{leak:?}");
    // Another tenant cannot connect our deal either: it is not there.
    let foreign = b
        .repo::<Deal>()
        .connect(deal.id.clone(), Deal::COMPANY, theirs.id.clone())
        .await;
    assert!(matches!(foreign, Err(Error::NotFound { .. })), "{foreign:?}");
    let loose = a
        .repo::<Deal>()
        .disconnect(deal.id.clone(), Deal::COMPANY)
        .await
        .expect("disconnect");
    assert_eq!(loose.company_id, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn includes_take_their_own_filter_order_skip_and_take_per_parent() {
    let t = TestDb::new().await;
    let (busy, quiet) = deals_with_documents(&t).await;
    let db = t.app_pool("");
    let a = writer(&db, "u_owner", "org_a").await;
    let names = |rows: Vec<(Deal, Vec<Document>)>| -> Vec<(String, Vec<String>)> {
        rows.into_iter()
            .map(|(d, docs)| (d.name, docs.into_iter().map(|x| x.name).collect()))
            .collect()
    };
    let all = Query::new().order_by(Deal::NAME.asc());
    let newest = a
        .repo::<Deal>()
        .find_many_with(
            all,
            Deal::DOCUMENTS.query(Query::new().order_by(Document::NAME.desc()).take(1)),
        )
        .await
        .expect("take per parent");
    assert_eq!(
        names(newest),
        [("busy".into(), vec!["d1".to_string()]), ("quiet".into(), vec![])]
    );
    let second = a
        .repo::<Deal>()
        .find_many_with(
            Deal::ID.eq(busy.id.clone()),
            Deal::DOCUMENTS.query(Query::new().order_by(Document::NAME.desc()).skip(1)),
        )
        .await
        .expect("skip per parent");
    assert_eq!(names(second), [("busy".into(), vec!["d0".to_string()])]);
    let filtered = a
        .repo::<Deal>()
        .find_many_with(
            Deal::ID.eq(busy.id.clone()),
            Deal::DOCUMENTS.query(Query::new().filter(Document::NAME.eq("d2".to_string()))),
        )
        .await
        .expect("filtered");
    assert_eq!(names(filtered), [("busy".into(), vec![])], "d2 is soft-deleted");
    assert_eq!(quiet.name, "quiet");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deals_ordered_by_their_companys_name() {
    let t = TestDb::new().await;
    members(&t).await;
    let db = t.app_pool("");
    let a = writer(&db, "u_owner", "org_a").await;
    let zeta = a
        .repo::<Company>()
        .create(CompanyCreate::new("Zeta".into()))
        .await
        .expect("company");
    let alpha = a
        .repo::<Company>()
        .create(CompanyCreate::new("Alpha".into()))
        .await
        .expect("company");
    for (name, company) in [("d1", Some(&zeta)), ("d2", Some(&alpha)), ("d3", None)] {
        a.repo::<Deal>()
            .create(DealCreate::new(name.into()).company_id(company.map(|c| c.id.clone())))
            .await
            .expect("deal");
    }
    let names = |deals: Vec<Deal>| deals.into_iter().map(|d| d.name).collect::<Vec<_>>();
    let by_company = a
        .repo::<Deal>()
        .find_many(Query::new().order_by(Deal::COMPANY.order_by(Company::NAME.asc().nulls_last())))
        .await
        .expect("order by a relation's column");
    assert_eq!(names(by_company), ["d2", "d1", "d3"]);
    let reversed = a
        .repo::<Deal>()
        .find_many(
            Query::new()
                .order_by(Deal::COMPANY.order_by(Company::NAME.desc().nulls_first()))
                .order_by(Deal::NAME.asc()),
        )
        .await
        .expect("desc, nulls first");
    assert_eq!(names(reversed), ["d3", "d1", "d2"]);
}
