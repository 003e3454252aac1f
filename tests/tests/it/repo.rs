//! The generated repositories against a real server, as the application's role: scopes, the query API,
//! includes, aggregates, transactions across repositories, raw SQL, and the system scope.

use std::sync::{Arc, Mutex};

use trato_hive_db::runtime::{sql, Case, Db, Error, Filter, MemberScope, Query, ReadWrite, TenantScope, TxOptions};
use trato_hive_db::*;
use trato_tests::harness::tenant_left_bound;
use trato_tests::TestDb;

/// Users u_owner, u_viewer (org_a) and u_b (org_b), written as the superuser.
pub async fn members(t: &TestDb) {
    t.pool("")
        .conn()
        .await
        .expect("conn")
        .batch_execute(
            "INSERT INTO users (id, email, updated_at) VALUES ('u_owner', 'owner@a', now()), ('u_viewer', 'viewer@a', now()), ('u_b', 'b@b', now());
             INSERT INTO organizations (id, name, slug, updated_at) VALUES ('org_a', 'A', 'a', now()), ('org_b', 'B', 'b', now());
             INSERT INTO organization_members (id, organization_id, user_id, role, updated_at) VALUES
               ('m1', 'org_a', 'u_owner', 'OWNER', now()), ('m2', 'org_a', 'u_viewer', 'VIEWER', now()), ('m3', 'org_b', 'u_b', 'ADMIN', now());",
        )
        .await
        .expect("members");
}

pub async fn writer(db: &Db, user: &str, org: &str) -> TenantScope<ReadWrite> {
    scope(db, user, org).await.expect("member").write().expect("writer")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scopes_come_from_membership_and_roles_decide_access() {
    let t = TestDb::new().await;
    members(&t).await;
    let db = t.app_pool("");
    assert!(matches!(
        scope(&db, "u_owner", "org_a").await,
        Ok(MemberScope::Manager(_))
    ));
    let viewer = scope(&db, "u_viewer", "org_a").await.expect("viewer is a member");
    assert!(matches!(viewer, MemberScope::Reader(_)));
    assert_eq!(viewer.role(), "VIEWER");
    assert!(matches!(viewer.clone().write(), Err(Error::Forbidden { .. })));
    // A reader still reads.
    assert_eq!(
        viewer
            .read()
            .repo::<OrganizationMember>()
            .count(Filter::all())
            .await
            .expect("count"),
        2
    );
    for (user, org) in [("u_b", "org_a"), ("u_owner", "org_b"), ("nobody", "org_a")] {
        assert!(
            matches!(scope(&db, user, org).await, Err(Error::Forbidden { .. })),
            "{user} in {org}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_role_that_could_bypass_rls_is_refused() {
    let t = TestDb::new().await;
    members(&t).await;
    let superuser = t.pool("");
    let err = scope(&superuser, "u_owner", "org_a").await.expect_err("superuser");
    assert!(
        matches!(&err, Error::UnsafeRole { reason, .. } if reason.contains("superuser")),
        "{err:?}"
    );
    assert!(matches!(
        system(&superuser, "nightly job").tenant("org_a").await,
        Err(Error::UnsafeRole { .. })
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_read_update_delete_inject_and_respect_the_tenant() {
    let t = TestDb::new().await;
    members(&t).await;
    let db = t.app_pool("");
    let a = writer(&db, "u_owner", "org_a").await;
    let b = writer(&db, "u_b", "org_b").await;

    let acme = a
        .repo::<Company>()
        .create(
            CompanyCreate::new("Acme".into())
                .industry("Tech")
                .revenue(rust_decimal::Decimal::new(5_000_000, 0)),
        )
        .await
        .expect("create");
    assert_eq!(acme.organization_id, "org_a", "the tenant key is injected");
    assert_eq!(acme.status, CompanyStatus::Prospect, "database default");
    assert_eq!(acme.id.len(), 25, "client-side cuid");
    let deal = a
        .repo::<Deal>()
        .create(
            DealCreate::new("Acquire Acme".into())
                .company_id(acme.id.clone())
                .r#type(DealType::Acquisition)
                .probability(60),
        )
        .await
        .expect("create deal");
    assert_eq!(
        (deal.stage, deal.currency.as_str(), deal.probability),
        (DealStage::Sourcing, "USD", Some(60))
    );

    // Read back, by id and by filters; another tenant sees nothing.
    assert_eq!(
        a.repo::<Deal>().find_by_id(deal.id.clone()).await.expect("find"),
        Some(deal.clone())
    );
    assert_eq!(b.repo::<Deal>().find_by_id(deal.id.clone()).await.expect("find"), None);
    assert_eq!(b.repo::<Deal>().count(Filter::all()).await.expect("count"), 0);

    // Partial update: set one field, null another, leave the rest.
    let updated = a
        .repo::<Deal>()
        .update(
            deal.id.clone(),
            DealUpdate::default()
                .stage(DealStage::DeepDueDiligence)
                .probability(None)
                .description(Some("hot".to_string())),
        )
        .await
        .expect("update");
    assert_eq!(
        (updated.stage, updated.probability, updated.description.as_deref()),
        (DealStage::DeepDueDiligence, None, Some("hot"))
    );
    assert_eq!(updated.name, "Acquire Acme");
    assert!(updated.updated_at >= deal.updated_at);
    // Another tenant can neither update nor delete it.
    assert!(matches!(
        b.repo::<Deal>()
            .update(deal.id.clone(), DealUpdate::default().name("mine"))
            .await,
        Err(Error::NotFound { .. })
    ));
    assert!(matches!(
        b.repo::<Deal>().delete(deal.id.clone()).await,
        Err(Error::NotFound { .. })
    ));
    assert_eq!(
        b.repo::<Deal>()
            .update_many(Filter::all(), DealUpdate::default().name("mine"))
            .await
            .expect("update many"),
        0
    );

    let gone = a.repo::<Deal>().delete(deal.id.clone()).await.expect("delete");
    assert_eq!(gone.id, deal.id);
    assert_eq!(a.repo::<Deal>().find_by_id(deal.id).await.expect("find"), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typed_filters_order_skip_take_and_count() {
    let t = TestDb::new().await;
    members(&t).await;
    let db = t.app_pool("");
    let a = writer(&db, "u_owner", "org_a").await;
    let repo = a.repo::<Company>();
    let names = ["Acme", "acme labs", "50% Off_Co", "Beta", r"Back\slash"];
    for (i, n) in names.iter().enumerate() {
        let mut c = CompanyCreate::new(n.to_string()).employees(i as i32 * 10);
        if i % 2 == 0 {
            c = c.domain(format!("{i}.example"));
        }
        repo.create(c).await.expect("create");
    }
    let found = |q: Query<Company>| async {
        repo.find_many(q)
            .await
            .expect("find")
            .into_iter()
            .map(|c| c.name)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        found(Company::NAME.contains("acme", Case::Insensitive).into())
            .await
            .len(),
        2
    );
    assert_eq!(
        found(Company::NAME.contains("acme", Case::Sensitive).into()).await,
        ["acme labs"]
    );
    // Wildcards in user input match literally.
    assert_eq!(
        found(Company::NAME.contains("%", Case::Sensitive).into()).await,
        ["50% Off_Co"]
    );
    assert_eq!(
        found(Company::NAME.contains("_", Case::Sensitive).into()).await,
        ["50% Off_Co"]
    );
    assert_eq!(
        found(Company::NAME.contains("\\", Case::Sensitive).into()).await,
        [r"Back\slash"]
    );
    assert!(found(Company::NAME.starts_with("%", Case::Sensitive).into())
        .await
        .is_empty());
    assert_eq!(
        found(Company::NAME.ends_with("co", Case::Insensitive).into()).await,
        ["50% Off_Co"]
    );
    // Comparisons, null checks, AND / OR / NOT, order, skip and take.
    let q = Query::new()
        .filter(Company::EMPLOYEES.ge(10).and(Company::DOMAIN.is_null().not()))
        .order_by(Company::EMPLOYEES.desc());
    assert_eq!(found(q).await, [r"Back\slash", "50% Off_Co"]);
    let q = Query::new()
        .filter(Company::NAME.eq("Beta").or(Company::NAME.eq("Acme")))
        .order_by(Company::NAME.asc());
    assert_eq!(found(q).await, ["Acme", "Beta"]);
    let page = Query::new().order_by(Company::EMPLOYEES.asc()).skip(1).take(2);
    assert_eq!(found(page).await, ["acme labs", "50% Off_Co"]);
    assert_eq!(repo.count(Company::DOMAIN.is_null()).await.expect("count"), 2);
    assert_eq!(repo.count(Filter::any_of(Vec::new())).await.expect("count"), 0);
    assert_eq!(
        repo.find_first(Query::new().order_by(Company::NAME.desc()))
            .await
            .expect("first")
            .map(|c| c.name),
        Some("acme labs".into())
    );
    // Aggregates.
    assert_eq!(
        repo.sum(Company::EMPLOYEES, Filter::all()).await.expect("sum"),
        Some(100)
    );
    assert_eq!(
        repo.max(Company::EMPLOYEES, Filter::all()).await.expect("max"),
        Some(40)
    );
    assert_eq!(
        repo.min(Company::NAME, Filter::all()).await.expect("min").as_deref(),
        Some("50% Off_Co")
    );
    assert_eq!(
        repo.avg(Company::EMPLOYEES, Filter::all()).await.expect("avg"),
        Some(rust_decimal::Decimal::new(20, 0))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_in_list_of_a_million_ids_is_one_parameter() {
    let t = TestDb::new().await;
    members(&t).await;
    let db = t.app_pool("");
    let a = writer(&db, "u_owner", "org_a").await;
    let acme = a
        .repo::<Company>()
        .create(CompanyCreate::new("Acme".into()))
        .await
        .expect("create");
    let mut ids: Vec<String> = (0..1_000_000).map(|i| format!("missing_{i}")).collect();
    ids.push(acme.id.clone());
    let found = a
        .repo::<Company>()
        .find_many(Company::ID.is_in(ids))
        .await
        .expect("one array parameter");
    assert_eq!(found.len(), 1);
    assert_eq!(
        a.repo::<Company>()
            .count(Company::ID.not_in(vec![acme.id]))
            .await
            .expect("count"),
        0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_many_upsert_update_many_delete_many_and_group_by() {
    let t = TestDb::new().await;
    members(&t).await;
    let db = t.app_pool("");
    let a = writer(&db, "u_owner", "org_a").await;
    let stages = [DealStage::Sourcing, DealStage::Negotiation, DealStage::ClosedWon];
    let inputs: Vec<DealCreate> = (0..10_000)
        .map(|i| {
            DealCreate::new(format!("deal {i}"))
                .stage(stages[i % 3])
                .value(rust_decimal::Decimal::new(i as i64, 0))
        })
        .collect();
    assert_eq!(a.repo::<Deal>().create_many(inputs).await.expect("bulk"), 10_000);
    assert_eq!(a.repo::<Deal>().count(Filter::all()).await.expect("count"), 10_000);
    let groups = a
        .repo::<Deal>()
        .group_by(Deal::STAGE, Deal::VALUE, Filter::all())
        .await
        .expect("group by");
    let counts: Vec<(DealStage, i64)> = groups.iter().map(|(s, n, _)| (*s, *n)).collect();
    assert_eq!(
        counts,
        [
            (DealStage::Sourcing, 3334),
            (DealStage::Negotiation, 3333),
            (DealStage::ClosedWon, 3333)
        ]
    );
    let total: rust_decimal::Decimal = groups.iter().filter_map(|(_, _, s)| *s).sum();
    assert_eq!(total, rust_decimal::Decimal::new(49_995_000, 0));

    let n = a
        .repo::<Deal>()
        .update_many(
            Deal::STAGE.eq(DealStage::Sourcing),
            DealUpdate::default().probability(Some(10)),
        )
        .await
        .expect("update many");
    assert_eq!(n, 3334);
    let n = a
        .repo::<Deal>()
        .delete_many(Deal::STAGE.eq(DealStage::ClosedWon))
        .await
        .expect("delete many");
    assert_eq!(n, 3333);

    // Upsert on a unique key (the tenant key is added to it).
    let first = a
        .root::<Organization>()
        .find_first(Query::new())
        .await
        .expect("root")
        .expect("own org");
    assert_eq!(first.id, "org_a");
    let created = a
        .repo::<DocumentChunk>()
        .upsert(
            DocumentChunk::BY_VECTOR_ID,
            chunk_input("v1", "first"),
            DocumentChunkUpdate::default().content("second"),
        )
        .await;
    // A chunk needs a document: the foreign key says so, through the composite key.
    assert!(matches!(created, Err(Error::ForeignKeyViolation { .. })), "{created:?}");
    let doc = a
        .repo::<Document>()
        .create(DocumentCreate::new("deck.pdf".into(), "s3://deck".into()))
        .await
        .expect("doc");
    let up = async |content: &'static str| {
        let mut input = chunk_input("v1", "first");
        input.document_id = doc.id.clone();
        a.repo::<DocumentChunk>()
            .upsert(
                DocumentChunk::BY_VECTOR_ID,
                input,
                DocumentChunkUpdate::default().content(content),
            )
            .await
    };
    let one = up("second").await.expect("insert");
    assert_eq!(one.content, "first");
    let two = up("second").await.expect("update");
    assert_eq!((two.id.as_str(), two.content.as_str()), (one.id.as_str(), "second"));
    // A column that is not a unique key has no `BY_` constant: `upsert` on it does not compile (trybuild
    // `upsert_not_unique`).
}

fn chunk_input(vector: &str, content: &str) -> DocumentChunkCreate {
    DocumentChunkCreate::new("no-such-document".into(), content.into(), 0).vector_id(vector)
}

/// Counts the statements a block runs, through the query log.
mod statements {
    use std::sync::{Arc, Mutex};
    use tracing::field::{Field, Visit};
    use tracing::span::{Attributes, Id, Record};
    use tracing::{Event, Metadata, Subscriber};

    #[derive(Clone, Default)]
    pub struct Counter(pub Arc<Mutex<Vec<String>>>);

    struct Statement(Option<String>);
    impl Visit for Statement {
        fn record_str(&mut self, field: &Field, value: &str) {
            if field.name() == "statement" {
                self.0 = Some(value.to_string());
            }
        }
        fn record_debug(&mut self, _: &Field, _: &dyn std::fmt::Debug) {}
    }

    impl Subscriber for Counter {
        fn enabled(&self, m: &Metadata<'_>) -> bool {
            m.target() == "trato_hive::query"
        }
        fn new_span(&self, _: &Attributes<'_>) -> Id {
            Id::from_u64(1)
        }
        fn record(&self, _: &Id, _: &Record<'_>) {}
        fn record_follows_from(&self, _: &Id, _: &Id) {}
        fn event(&self, e: &Event<'_>) {
            let mut s = Statement(None);
            e.record(&mut s);
            if let (Some(sql), Ok(mut v)) = (s.0, self.0.lock()) {
                v.push(sql);
            }
        }
        fn enter(&self, _: &Id) {}
        fn exit(&self, _: &Id) {}
    }
}

#[test]
fn including_company_and_documents_of_100_deals_takes_three_statements() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("rt");
    let counter = statements::Counter::default();
    let seen: Arc<Mutex<Vec<String>>> = counter.0.clone();
    let _guard = tracing::subscriber::set_default(counter);
    rt.block_on(async {
        let t = TestDb::new().await;
        members(&t).await;
        let db = t.app_pool("");
        let a = writer(&db, "u_owner", "org_a").await;
        let b = writer(&db, "u_b", "org_b").await;
        let companies: Vec<Company> = {
            let mut v = Vec::new();
            for i in 0..10 {
                v.push(
                    a.repo::<Company>()
                        .create(CompanyCreate::new(format!("c{i}")))
                        .await
                        .expect("company"),
                );
            }
            v
        };
        for i in 0..100 {
            let deal = a
                .repo::<Deal>()
                .create(DealCreate::new(format!("deal {i:03}")).company_id(companies[i % 10].id.clone()))
                .await
                .expect("deal");
            for d in 0..(i % 3) {
                a.repo::<Document>()
                    .create(DocumentCreate::new(format!("doc {d}"), "s3://x".into()).deal_id(deal.id.clone()))
                    .await
                    .expect("doc");
            }
        }
        // Another tenant's rows never appear in an include, even when keys would match.
        b.repo::<Document>()
            .create(DocumentCreate::new("foreign".into(), "s3://b".into()))
            .await
            .expect("foreign doc");

        let mut cfg = db.config().clone();
        cfg.log_queries = true;
        let logged = Db::connect(cfg).expect("pool");
        let a_logged = writer(&logged, "u_owner", "org_a").await;
        seen.lock().expect("lock").clear();
        let rows = a_logged
            .repo::<Deal>()
            .find_many_with(
                Query::new().order_by(Deal::NAME.asc()),
                (Deal::COMPANY, Deal::DOCUMENTS),
            )
            .await
            .expect("include");
        let statements = seen.lock().expect("lock").clone();
        assert_eq!(
            statements.len(),
            3,
            "one statement per relation level, not per deal: {statements:#?}"
        );
        assert_eq!(rows.len(), 100);
        for (i, (deal, (company, documents))) in rows.iter().enumerate() {
            assert_eq!(deal.name, format!("deal {i:03}"));
            assert_eq!(
                company.as_ref().map(|c| c.id.as_str()),
                Some(companies[i % 10].id.as_str())
            );
            assert_eq!(documents.len(), i % 3);
            assert!(documents
                .iter()
                .all(|d| d.organization_id == "org_a" && d.deal_id.as_deref() == Some(deal.id.as_str())));
        }
        // Nested: documents with their chunks, two levels.
        seen.lock().expect("lock").clear();
        let nested = a_logged
            .repo::<Deal>()
            .find_many_with(Deal::NAME.eq("deal 002"), Deal::DOCUMENTS.with(Document::CHUNKS))
            .await
            .expect("nested include");
        assert_eq!(seen.lock().expect("lock").len(), 3);
        assert_eq!(nested[0].1.len(), 2);
        // Nested from the to-one side: documents with their deal and the deal's company.
        let docs = a_logged
            .repo::<Document>()
            .find_many_with(Query::new().take(5), Document::DEAL.with(Deal::COMPANY))
            .await
            .expect("nested to-one include");
        for (doc, deal) in &docs {
            let (deal, company) = deal.as_ref().expect("every seeded document has a deal");
            assert_eq!(doc.deal_id.as_deref(), Some(deal.id.as_str()));
            assert_eq!(company.as_ref().map(|c| c.id.clone()), deal.company_id);
        }
        // Relation filters: deals with at least one document / with none.
        let with_docs = a
            .repo::<Deal>()
            .count(Deal::DOCUMENTS.some(Filter::all()))
            .await
            .expect("some");
        let without = a
            .repo::<Deal>()
            .count(Deal::DOCUMENTS.none(Filter::all()))
            .await
            .expect("none");
        assert_eq!((with_docs, without), (66, 34));
        let named = a
            .repo::<Deal>()
            .count(Deal::COMPANY.is(Company::NAME.eq("c3")))
            .await
            .expect("is");
        assert_eq!(named, 10);
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn company_deal_and_activity_in_one_transaction() {
    let t = TestDb::new().await;
    members(&t).await;
    let db = t.app_pool("");
    let a = writer(&db, "u_owner", "org_a").await;
    // The spec's example: all three or none.
    let deal = a
        .transaction(TxOptions::default(), async |tx| {
            let company = tx
                .repo::<Company>()
                .create(CompanyCreate::new("Acme Inc".into()))
                .await?;
            let deal = tx
                .repo::<Deal>()
                .create(DealCreate::new("Acquire Acme".into()).company_id(company.id.clone()))
                .await?;
            tx.repo::<Activity>()
                .create(
                    ActivityCreate::new(ActivityType::DealCreated, format!("Created deal \"{}\"", deal.name))
                        .deal_id(deal.id.clone())
                        .user_id("u_owner"),
                )
                .await?;
            Ok(deal)
        })
        .await
        .expect("transaction");
    assert_eq!(
        a.repo::<Activity>()
            .count(Activity::DEAL_ID.eq(deal.id.clone()))
            .await
            .expect("count"),
        2
    );
    // Two activities: the spec's own, and the audit trail's DEAL_CREATED (Deal is @@audit).
    let failed = a
        .transaction(TxOptions::default(), async |tx| {
            tx.repo::<Company>().create(CompanyCreate::new("Doomed".into())).await?;
            tx.repo::<Deal>()
                .create(DealCreate::new("Bad".into()).company_id("no-such-company"))
                .await
        })
        .await;
    assert!(matches!(failed, Err(Error::ForeignKeyViolation { .. })), "{failed:?}");
    assert_eq!(
        a.repo::<Company>()
            .count(Company::NAME.eq("Doomed"))
            .await
            .expect("count"),
        0,
        "rolled back together"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn raw_sql_runs_under_the_scope_and_global_models_need_no_scope() {
    let t = TestDb::new().await;
    members(&t).await;
    let db = t.app_pool("");
    let a = writer(&db, "u_owner", "org_a").await;
    let b = writer(&db, "u_b", "org_b").await;
    b.repo::<Company>()
        .create(CompanyCreate::new("Bolt".into()))
        .await
        .expect("b company");
    a.repo::<Company>()
        .create(CompanyCreate::new("Acme".into()))
        .await
        .expect("a company");
    let rows = a
        .raw(sql!(
            "SELECT name FROM companies WHERE name <> $1 ORDER BY name",
            "nothing"
        ))
        .await
        .expect("raw");
    let names: Vec<String> = rows.iter().map(|r| r.get(0)).collect();
    assert_eq!(names, ["Acme"], "RLS applies to raw SQL too");
    // Find by a unique key; a column that is not unique is refused.
    assert_eq!(
        a.repo::<Company>()
            .find_unique(Company::ID, "nope".to_string())
            .await
            .expect("by id"),
        None
    );
    let by_email = db
        .repo::<User>()
        .find_unique(User::EMAIL, "owner@a".to_string())
        .await
        .expect("by email");
    assert_eq!(by_email.map(|u| u.id), Some("u_owner".to_string()));
    let not_unique = a.repo::<Deal>().find_unique(Deal::NAME, "Buy Acme".to_string()).await;
    assert!(matches!(not_unique, Err(Error::Config(_))), "{not_unique:?}");
    assert_eq!(
        a.repo::<Company>()
            .find_unique(Company::NAME, "Acme".to_string())
            .await
            .expect("by name")
            .map(|c| c.name),
        Some("Acme".into())
    );
    // Global models: from the client, no scope needed; also readable inside a scope.
    let user = db
        .repo::<User>()
        .create(UserCreate::new("new@x".into()).name("New"))
        .await
        .expect("global create");
    assert_eq!(
        a.global::<User>()
            .find_by_id(user.id.clone())
            .await
            .expect("find")
            .map(|u| u.email),
        Some("new@x".into())
    );
    assert_eq!(db.repo::<User>().count(Filter::all()).await.expect("count"), 4);
    // The system scope enters a tenant for a stated reason.
    let sys = system(&db, "monthly revenue report")
        .tenant("org_b")
        .await
        .expect("system");
    assert_eq!(sys.reason(), Some("monthly revenue report"));
    assert_eq!(sys.repo::<Company>().count(Filter::all()).await.expect("count"), 1);
}

/// Tenant ids of plain characters are bound by `BEGIN; SET LOCAL ... = '<id>'` in one message; any other id
/// (quotes, spaces, non-ASCII) through `trato_set_tenant($1)`. Both must bind exactly that tenant, inside
/// and outside scope transactions, and neither may leave the binding on the pooled connection.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_ways_of_binding_the_tenant_isolate_and_leave_nothing_behind() {
    let t = TestDb::new().await;
    let odd = "o'rg; SET LOCAL trato.tenant_id = 'org_plain' --ü";
    t.pool("")
        .conn()
        .await
        .expect("conn")
        .detach()
        .execute(
            "INSERT INTO organizations (id, name, slug, updated_at) VALUES ('org_plain', 'P', 'p', now()), ($1, 'O', 'o', now())",
            &[&odd],
        )
        .await
        .expect("orgs");
    let db = t.app_pool("connection_limit=1");
    let sys = system(&db, "binding test");
    for org in ["org_plain", odd] {
        let s = sys.tenant(org).await.expect("tenant scope");
        s.repo::<Company>()
            .create(CompanyCreate::new(format!("Company of {org}")))
            .await
            .expect("create");
        let names: Vec<String> = s
            .repo::<Company>()
            .find_many(Query::new())
            .await
            .expect("read")
            .into_iter()
            .map(|c| c.name)
            .collect();
        assert_eq!(names, [format!("Company of {org}")], "exactly this tenant's rows");
        let in_tx = s
            .transaction(TxOptions::default(), async |tx| {
                tx.repo::<Company>().count(Filter::all()).await
            })
            .await
            .expect("tx count");
        assert_eq!(in_tx, 1);
        let left = tenant_left_bound(&db).await;
        assert_eq!(left, "", "the binding must end with its transaction");
    }
}

/// Bulk create binds one array per column (`UNNEST`): every type the schema uses (text, enum, decimal,
/// integer, date, NULLs, client-side ids) must come back exactly as one-by-one creates store it,
/// and a shape with mixed optional fields must split into groups that all land.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_create_stores_exactly_what_single_creates_store() {
    let t = TestDb::new().await;
    members(&t).await;
    let db = t.app_pool("");
    let a = writer(&db, "u_owner", "org_a").await;
    let when = trato_hive_db::runtime::__private::chrono::NaiveDate::from_ymd_opt(2027, 3, 1).expect("date");
    let input = |i: usize| {
        let d = DealCreate::new(format!("deal {i} 'quoted' \\ ü"))
            .stage(DealStage::Negotiation)
            .value(rust_decimal::Decimal::new(123_456 + i as i64, 2))
            .probability(i as i32 % 100)
            .expected_close_date(when);
        // Every third row leaves the description out: a second shape, inserted on its own.
        if i.is_multiple_of(3) {
            d
        } else {
            d.description(format!("about {i}"))
        }
    };
    let n = a
        .repo::<Deal>()
        .create_many((0..300).map(input).collect())
        .await
        .expect("bulk");
    assert_eq!(n, 300);
    for i in [0usize, 1, 299] {
        a.repo::<Deal>().create(input(i)).await.expect("single");
    }
    let all = a
        .repo::<Deal>()
        .find_many(Query::new().order_by(Deal::NAME.asc()))
        .await
        .expect("read");
    assert_eq!(all.len(), 303);
    for i in [0usize, 1, 299] {
        let same: Vec<&Deal> = all
            .iter()
            .filter(|d| d.name == format!("deal {i} 'quoted' \\ ü"))
            .collect();
        assert_eq!(same.len(), 2, "one bulk and one single row for {i}");
        let strip = |d: &Deal| {
            (
                d.stage,
                d.value,
                d.probability,
                d.expected_close_date,
                d.description.clone(),
                d.currency.clone(),
                d.organization_id.clone(),
                d.company_id.clone(),
                d.deleted_at,
            )
        };
        assert_eq!(strip(same[0]), strip(same[1]), "row {i}");
        assert_ne!(same[0].id, same[1].id);
    }
}

/// Rows are decoded as they arrive: a row that fails to decode ends the read with an error (not a panic),
/// the rest of the stream is drained, and the connection (the only one) is clean for the next statement.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_row_that_fails_to_decode_fails_the_read_and_leaves_the_connection_usable() {
    let t = TestDb::new().await;
    members(&t).await;
    let db = t.app_pool("connection_limit=1");
    let s = writer(&db, "u_owner", "org_a").await;
    for k in 0..50 {
        s.repo::<Company>()
            .create(CompanyCreate::new(format!("c{k}")).employees(k))
            .await
            .expect("create");
    }
    // The model reads `employees` as INTEGER; as BIGINT every row fails to decode (and this statement was
    // never prepared before, so the server describes the new type).
    t.pool("")
        .conn()
        .await
        .expect("conn")
        .batch_execute("ALTER TABLE companies ALTER COLUMN employees TYPE bigint")
        .await
        .expect("alter");
    let read = s.repo::<Company>().find_many(Query::new().take(50)).await;
    assert!(read.is_err(), "a row of the wrong type must fail the read: {read:?}");
    // Same (only) connection: no leftover rows, no open transaction, no binding.
    let n = s.repo::<Deal>().count(Filter::all()).await.expect("next statement");
    assert_eq!(n, 0);
    let left = tenant_left_bound(&db).await;
    assert_eq!(left, "");
}

/// A scoped transaction binds its tenant with its first statement (pipelined, one round trip fewer):
/// whatever that statement is (raw SQL included), and however many statements start together, the binding
/// reaches the server first.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scoped_transaction_binds_the_tenant_before_its_first_statement() {
    let t = TestDb::new().await;
    members(&t).await;
    let db = t.app_pool("connection_limit=1");
    let a = writer(&db, "u_owner", "org_a").await;
    let b = writer(&db, "u_b", "org_b").await;
    a.repo::<Company>()
        .create(CompanyCreate::new("of a".into()))
        .await
        .expect("a");
    b.repo::<Company>()
        .create(CompanyCreate::new("of b".into()))
        .await
        .expect("b");
    let setting = a
        .transaction(TxOptions::default(), async |tx| {
            let rows = tx.raw(sql!("SELECT current_setting('trato.tenant_id')")).await?;
            Ok(rows[0].get::<_, String>(0))
        })
        .await
        .expect("raw first");
    assert_eq!(setting, "org_a");
    let (count, names) = b
        .transaction(TxOptions::default(), async |tx| {
            let r = tx.repo::<Company>();
            let (count, rows) = tokio::join!(r.count(Filter::all()), r.find_many(Query::new()));
            Ok((count?, rows?.into_iter().map(|c| c.name).collect::<Vec<_>>()))
        })
        .await
        .expect("two at once");
    assert_eq!((count, names), (1, vec!["of b".to_string()]));
    // Nothing to bind when nothing runs, and nothing left behind either way.
    a.transaction(TxOptions::default(), async |_| Ok(()))
        .await
        .expect("empty");
    let left = tenant_left_bound(&db).await;
    assert_eq!(left, "");
}

/// The bound-function binding (a tenant id that cannot be written into the statement) must also reach the
/// server before the first statement of a transaction, even on a connection that has never prepared it
/// while the statement itself is already prepared there (a plain tenant ran it first).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fresh_connection_binds_an_odd_tenant_before_the_first_statement_of_a_transaction() {
    let t = TestDb::new().await;
    let odd = "o'dd tenant";
    t.pool("")
        .conn()
        .await
        .expect("conn")
        .detach()
        .execute(
            "INSERT INTO organizations (id, name, slug, updated_at) VALUES ($1, 'O', 'o', now()), ('plain', 'P', 'p', now())",
            &[&odd],
        )
        .await
        .expect("org");
    t.pool("")
        .conn()
        .await
        .expect("conn")
        .detach()
        .execute(
            "INSERT INTO companies (id, organization_id, name, updated_at) VALUES ('c1', $1, 'C', now())",
            &[&odd],
        )
        .await
        .expect("company");
    let db = t.app_pool("connection_limit=1");
    let sys = system(&db, "fresh binding");
    let plain = sys.tenant("plain").await.expect("plain scope");
    let none = plain
        .transaction(TxOptions::default(), async |tx| {
            tx.repo::<Company>().count(Filter::all()).await
        })
        .await
        .expect("plain count");
    assert_eq!(none, 0);
    let s = sys.tenant(odd).await.expect("scope");
    let n = s
        .transaction(TxOptions::default(), async |tx| {
            tx.repo::<Company>().count(Filter::all()).await
        })
        .await
        .expect("count");
    assert_eq!(n, 1, "the count ran after the binding");
}
