//! The isolation property: random sequences of create (nested with children too) / read / update (typed,
//! and computed by the database) / connect / delete / include / count / relation count / raw SQL,
//! raw SQL that tries to re-bind the tenant (refused, and the scope's next statement still sees only its
//! own rows), MEMBERs raising their role (refused by the database; typed, by the compiler), and reads
//! cancelled at random await points inside scoped transactions, for three organizations at once (spawned,
//! in parallel), as the application role; one organization's id needs the bound function (a space, a slash
//! and a quote). No row of another organization is ever returned, changed or counted. `ISOLATION_OPS` sets
//! the total number of operations (default 51,000); `ISOLATION_SEED` the seed.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use trato_hive_db::runtime::{
    query_as, sql, Direction, Error, Filter, Param, Query, RawSql, ReadWrite, TenantScope, TxOptions,
};
use trato_hive_db::*;
use trato_tests::TestDb;

/// The three organizations; the last one's id is bound through `trato_set_tenant($1)`.
const ORGS: [&str; 3] = ["org_0", "org_1", "org 2/o'dd"];

/// Raw SQL that would re-bind the tenant to `$1`, each followed by a read that would show the new tenant's
/// rows: every one must be refused before it reaches the server.
const REBINDS: [&str; 5] = [
    "SELECT trato_set_tenant($1)::text, (SELECT count(*) FROM companies)",
    "SELECT set_config('trato.tenant_id', $1, true), (SELECT count(*) FROM companies)",
    "WITH b AS (SELECT set_config('trato.tenant_id', $1, false)) SELECT count(*) FROM companies, b",
    "SELECT count(*) FROM companies WHERE $1::text IS NOT NULL; SET LOCAL trato.tenant_id = 'org_0'",
    "SELECT count(*) FROM companies, (SELECT pg_catalog.set_config('trato.' || 'tenant_id', $1, true)) b",
];

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

/// Every company id created so far, with its organization: where foreign ids are picked from.
type Registry = Arc<Mutex<Vec<(usize, String)>>>;

#[derive(Default, Debug)]
struct Tally {
    ops: usize,
    foreign_probes: usize,
}

/// A row of typed raw SQL: companies per organization.
struct OrgCount {
    organization_id: String,
    n: i64,
}

/// A partial model: a company's id and tenant, nothing else.
#[derive(trato_hive_db::runtime::Select)]
#[select(model = Company)]
struct CompanyRef {
    id: String,
    organization_id: String,
}

/// Companies and deals created by every organization, for the others to probe.
#[derive(Clone, Default)]
struct Registries {
    companies: Registry,
    deals: Registry,
}

async fn run_org(org: usize, scope: TenantScope<ReadWrite>, registries: Registries, ops: usize, seed: u64) -> Tally {
    let Registries {
        companies: registry,
        deals: deal_registry,
    } = registries;
    let me = ORGS[org].to_string();
    let mut rng = Rng(seed ^ (org as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let mut mine: BTreeSet<String> = BTreeSet::new();
    let mut deals: BTreeSet<String> = BTreeSet::new();
    let mut tally = Tally::default();
    let pick_any = |rng: &mut Rng| -> Option<(usize, String)> {
        let all = registry.lock().ok()?;
        (!all.is_empty()).then(|| all[rng.below(all.len())].clone())
    };
    for step in 0..ops {
        tally.ops += 1;
        let ctx = || format!("{me}, step {step}");
        match rng.below(13) {
            0 | 1 => {
                let c = scope
                    .repo::<Company>()
                    .create(CompanyCreate::new(format!("c{step}")).employees(rng.below(100) as i32))
                    .await
                    .expect("create");
                assert_eq!(c.organization_id, me, "{}", ctx());
                mine.insert(c.id.clone());
                if let Ok(mut r) = registry.lock() {
                    r.push((org, c.id));
                }
            }
            2 => {
                // A deal pointing at a company: ours must work, another organization's must not.
                let Some((owner, company)) = pick_any(&mut rng) else {
                    continue;
                };
                let result = scope
                    .repo::<Deal>()
                    .create(DealCreate::new(format!("d{step}")).company_id(company.clone()))
                    .await;
                if owner == org && mine.contains(&company) {
                    let d = result.expect("own company");
                    if let Ok(mut r) = deal_registry.lock() {
                        r.push((org, d.id.clone()));
                    }
                    deals.insert(d.id);
                } else {
                    tally.foreign_probes += usize::from(owner != org);
                    assert!(
                        matches!(result, Err(Error::ForeignKeyViolation { .. })),
                        "{}: {result:?}",
                        ctx()
                    );
                }
            }
            3 => {
                let Some((owner, id)) = pick_any(&mut rng) else {
                    continue;
                };
                // By id, or by the generated unique key (`find_by`).
                let found = match step % 2 {
                    0 => scope.repo::<Company>().find_by_id(id.clone()).await,
                    _ => scope.repo::<Company>().find_by(Company::BY_ID.eq(id.clone())).await,
                }
                .expect("find");
                if owner == org {
                    assert_eq!(found.is_some(), mine.contains(&id), "{}", ctx());
                } else {
                    tally.foreign_probes += 1;
                    assert!(found.is_none(), "{}: saw another organization's company", ctx());
                }
            }
            4 => {
                let Some((owner, id)) = pick_any(&mut rng) else {
                    continue;
                };
                // A typed update, one computed by the database (`employees + 1`), or one by unique key.
                let result = match step % 3 {
                    0 => {
                        scope
                            .repo::<Company>()
                            .update(
                                id.clone(),
                                CompanyUpdate::default().name(format!("renamed by {me} {step}")),
                            )
                            .await
                    }
                    1 => {
                        scope
                            .repo::<Company>()
                            .update_set(id.clone(), [Company::EMPLOYEES.increment(1)])
                            .await
                    }
                    _ => {
                        scope
                            .repo::<Company>()
                            .update_by(Company::BY_ID.eq(id.clone()), CompanyUpdate::default().website("x"))
                            .await
                    }
                };
                if owner == org && mine.contains(&id) {
                    assert_eq!(result.expect("own update").organization_id, me);
                } else {
                    tally.foreign_probes += usize::from(owner != org);
                    assert!(matches!(result, Err(Error::NotFound { .. })), "{}: {result:?}", ctx());
                }
            }
            5 if step % 3 == 0 => {
                // A deal created with a document in one transaction, connected to a company picked at
                // random: ours connects, another organization's fails its composite foreign key.
                let Some((owner, company)) = pick_any(&mut rng) else {
                    continue;
                };
                let (deal, docs) = scope
                    .create_with(
                        DealCreate::new(format!("nested {step}")),
                        Deal::DOCUMENTS.create(vec![DocumentCreate::new(format!("doc {step}"), "s3://x".into())]),
                    )
                    .await
                    .expect("nested create");
                assert!(
                    deal.organization_id == me && docs.iter().all(|d| d.organization_id == me),
                    "{}",
                    ctx()
                );
                deals.insert(deal.id.clone());
                // A company created with a deal picked at random connected to it: ours moves over, another
                // organization's is not found, and then the company is not created either.
                let picked = deal_registry
                    .lock()
                    .ok()
                    .and_then(|all| (!all.is_empty()).then(|| all[rng.below(all.len())].clone()));
                if let Some((deal_owner, picked)) = picked {
                    let created = scope
                        .create_with(
                            CompanyCreate::new(format!("acquirer {step}")),
                            Company::DEALS.connect(vec![picked.clone()]),
                        )
                        .await;
                    if deal_owner == org && deals.contains(&picked) {
                        let (c, moved) = created.expect("own connect");
                        assert!(
                            c.organization_id == me && moved.iter().all(|d| d.organization_id == me),
                            "{}",
                            ctx()
                        );
                        mine.insert(c.id.clone());
                        if let Ok(mut r) = registry.lock() {
                            r.push((org, c.id));
                        }
                    } else if deal_owner != org {
                        tally.foreign_probes += 1;
                        assert!(
                            matches!(created, Err(Error::NotFound { .. })),
                            "{}: connected another organization's deal: {created:?}",
                            ctx()
                        );
                    }
                }
                let connected = scope
                    .repo::<Deal>()
                    .connect(deal.id.clone(), Deal::COMPANY, company.clone())
                    .await;
                if owner == org && mine.contains(&company) {
                    assert_eq!(
                        connected.expect("own connect").company_id.as_deref(),
                        Some(company.as_str())
                    );
                } else if owner != org {
                    tally.foreign_probes += 1;
                    assert!(
                        matches!(connected, Err(Error::ForeignKeyViolation { .. })),
                        "{}: connected to another organization's company: {connected:?}",
                        ctx()
                    );
                }
            }
            5 => {
                let Some((owner, id)) = pick_any(&mut rng) else {
                    continue;
                };
                if owner == org && !deals.is_empty() {
                    // Companies with deals are kept (SET NULL would be fine too); delete a deal instead.
                    let deal = deals.iter().nth(rng.below(deals.len())).cloned().unwrap_or_default();
                    scope.repo::<Deal>().delete(deal.clone()).await.expect("own delete");
                    deals.remove(&deal);
                } else if owner != org {
                    tally.foreign_probes += 1;
                    let n = scope
                        .repo::<Company>()
                        .delete_many(Company::ID.eq(id.clone()))
                        .await
                        .expect("delete many");
                    assert_eq!(n, 0, "{}: deleted another organization's company", ctx());
                    let by_key = scope.repo::<Company>().delete_by(Company::BY_ID.eq(id)).await;
                    assert!(matches!(by_key, Err(Error::NotFound { .. })), "{}: {by_key:?}", ctx());
                }
            }
            6 => {
                let n = scope.repo::<Company>().count(Filter::all()).await.expect("count");
                assert_eq!(n as usize, mine.len(), "{}: count includes foreign rows", ctx());
                // Relation counts: our companies only, and only our deals counted.
                let counted = scope
                    .repo::<Company>()
                    .find_many_with(Query::new(), Company::DEALS.count())
                    .await
                    .expect("relation counts");
                assert!(
                    counted.iter().all(|(c, _)| mine.contains(&c.id)),
                    "{}: a foreign parent",
                    ctx()
                );
                let total: i64 = counted.iter().map(|(_, n)| n).sum();
                let deals_with_company = scope
                    .repo::<Deal>()
                    .count(Deal::COMPANY_ID.is_not_null())
                    .await
                    .expect("deal count");
                assert_eq!(
                    total,
                    deals_with_company,
                    "{}: relation counts include foreign rows",
                    ctx()
                );
            }
            7 => {
                let rows = scope
                    .repo::<Company>()
                    .find_many(
                        Query::new()
                            .filter(Company::EMPLOYEES.ge(rng.below(100) as i32))
                            .order_by(Company::NAME.asc())
                            .take(50),
                    )
                    .await
                    .expect("find many");
                assert!(
                    rows.iter().all(|c| c.organization_id == me && mine.contains(&c.id)),
                    "{}: foreign row in list",
                    ctx()
                );
                // A partial model of the same rows.
                let names: Vec<CompanyRef> = scope
                    .repo::<Company>()
                    .select(Company::EMPLOYEES.ge(0))
                    .await
                    .expect("select");
                assert!(
                    names.iter().all(|c| c.organization_id == me && mine.contains(&c.id)),
                    "{}: foreign row in a selection",
                    ctx()
                );
                // A keyset page by the (organization, name) unique key.
                let page = scope
                    .repo::<Company>()
                    .find_page_by(Company::BY_NAME, Filter::all(), Direction::Forward, None, 50)
                    .await
                    .expect("page by name");
                assert!(
                    page.items
                        .iter()
                        .all(|c| c.organization_id == me && mine.contains(&c.id)),
                    "{}: foreign row in a page",
                    ctx()
                );
            }
            8 => {
                let rows = scope
                    .repo::<Deal>()
                    .find_many_with(Query::new().take(20), Deal::COMPANY)
                    .await
                    .expect("include");
                for (d, c) in rows {
                    assert_eq!(d.organization_id, me, "{}", ctx());
                    assert!(c.is_none_or(|c| c.organization_id == me), "{}: foreign include", ctx());
                }
            }
            10 => {
                // Re-binding to another organization, in a statement and inside a transaction.
                tally.foreign_probes += 1;
                let other = ORGS[(org + 1 + rng.below(2)) % 3].to_string();
                let sql = REBINDS[rng.below(REBINDS.len())];
                let param = || -> Vec<Param> { vec![Box::new(other.clone())] };
                // As a literal the guard has not seen, or as SQL a tool built at run time (Studio's).
                let statement = match step % 2 {
                    0 => RawSql::__literal(sql, param()),
                    _ => RawSql::__dynamic(sql.to_string(), param()),
                };
                let r = scope.raw(statement).await;
                assert!(matches!(r, Err(Error::RefusedSql { .. })), "{}: {sql}: {r:?}", ctx());
                let seen = scope
                    .transaction_boxed(TxOptions::default(), |tx| {
                        let params = param();
                        Box::pin(async move {
                            let r = tx.raw(RawSql::__literal(sql, params)).await;
                            assert!(matches!(r, Err(Error::RefusedSql { .. })), "{sql}: {r:?}");
                            tx.repo::<Company>().count(Filter::all()).await
                        })
                    })
                    .await
                    .expect("transaction");
                assert_eq!(seen as usize, mine.len(), "{}: re-bound by {sql}", ctx());
            }
            12 => {
                // A MEMBER raising their own role or anyone's, in raw SQL (typed, it does not compile: a
                // writer's scope has no write methods for role-restricted models, tests/ui).
                tally.foreign_probes += 1;
                let raw = scope
                    .raw(sql!("UPDATE organization_members SET role = 'OWNER' RETURNING id"))
                    .await
                    .expect("filtered by the role policies");
                assert!(raw.is_empty(), "{}: a member changed a membership", ctx());
            }
            11 => {
                // A read cancelled at a random await point (a timeout of 0 to 3 ms), then the same
                // transaction goes on: whatever the cancelled future had sent, the rest is bound.
                let budget = Duration::from_micros(rng.below(3000) as u64);
                let seen = scope
                    .transaction_boxed(TxOptions::default(), |tx| {
                        Box::pin(async move {
                            let companies = tx.repo::<Company>();
                            let _ = tokio::time::timeout(budget, companies.find_many(Query::new().take(5))).await;
                            let rows = tx
                                .raw(sql!("SELECT organization_id, count(*) FROM companies GROUP BY 1"))
                                .await?;
                            Ok(rows
                                .iter()
                                .map(|r| (r.get::<_, String>(0), r.get::<_, i64>(1)))
                                .collect::<Vec<_>>())
                        })
                    })
                    .await
                    .expect("transaction");
                let expected: Vec<(String, i64)> = if mine.is_empty() {
                    vec![]
                } else {
                    vec![(me.clone(), mine.len() as i64)]
                };
                assert_eq!(seen, expected, "{}: after a cancelled read", ctx());
            }
            _ => {
                let rows = scope
                    .raw(sql!("SELECT organization_id, count(*) FROM companies GROUP BY 1"))
                    .await
                    .expect("raw");
                let seen: Vec<(String, i64)> = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
                let expected: Vec<(String, i64)> = if mine.is_empty() {
                    vec![]
                } else {
                    vec![(me.clone(), mine.len() as i64)]
                };
                assert_eq!(seen, expected, "{}: raw SQL saw other organizations", ctx());
                // The same through typed raw SQL (`query_as!`).
                let typed = scope
                    .query(query_as!(
                        OrgCount,
                        "SELECT c.organization_id, count(*) AS n FROM {Company} c GROUP BY 1"
                    ))
                    .await
                    .expect("typed raw");
                let typed: Vec<(String, i64)> = typed.into_iter().map(|r| (r.organization_id, r.n)).collect();
                assert_eq!(typed, expected, "{}: typed raw SQL saw other organizations", ctx());
            }
        }
    }
    tally
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_organizations_never_see_each_others_rows() {
    let total: usize = std::env::var("ISOLATION_OPS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(51_000);
    let seed: u64 = std::env::var("ISOLATION_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0xC0FFEE);
    let t = TestDb::new().await;
    let admin = t.pool("");
    for (i, org) in ORGS.iter().enumerate() {
        let (user, slug, member) = (format!("u{i}"), format!("org-{i}"), format!("m{i}"));
        admin
            .execute(
                "INSERT INTO users (id, email, updated_at) VALUES ($1, $1 || '@x', now())",
                &[&user],
            )
            .await
            .expect("user");
        admin
            .execute(
                "INSERT INTO organizations (id, name, slug, updated_at) VALUES ($1, $1, $2, now())",
                &[org, &slug],
            )
            .await
            .expect("organization");
        admin
            .execute(
                "INSERT INTO organization_members (id, organization_id, user_id, role, updated_at) \
                 VALUES ($1, $2, $3, 'MEMBER', now())",
                &[&member, org, &user],
            )
            .await
            .expect("member");
    }
    let db = t.app_pool("connection_limit=6");
    let registry = Registries::default();
    let mut scopes = Vec::new();
    for (org, id) in ORGS.iter().enumerate() {
        scopes.push(
            scope(&db, &format!("u{org}"), id)
                .await
                .expect("member")
                .write()
                .expect("writer"),
        );
    }
    // Spawned on the multi-thread runtime: the three run in parallel, each on its own connections (the
    // scoped transactions are `transaction_boxed`, whose futures are `Send`).
    let tasks: Vec<_> = scopes
        .into_iter()
        .enumerate()
        .map(|(org, s)| tokio::spawn(run_org(org, s, registry.clone(), total / 3, seed)))
        .collect();
    let mut ops = 0;
    let mut probes = 0;
    for task in tasks {
        let tally = task.await.expect("no isolation failure");
        ops += tally.ops;
        probes += tally.foreign_probes;
    }
    assert!(ops >= total - 2, "{ops} operations run");
    assert!(
        probes > total / 20,
        "too few cross-tenant probes to mean anything: {probes}"
    );
    // Seen from above, each organization's rows are exactly its own.
    let rows = t
        .pool("")
        .query(
            "SELECT organization_id, count(*) FROM companies GROUP BY 1 ORDER BY 1",
            &[],
        )
        .await
        .expect("count");
    let created: Vec<usize> = {
        let registry = registry.companies.lock().expect("registry");
        (0..3)
            .map(|org| registry.iter().filter(|(o, _)| *o == org).count())
            .collect()
    };
    for r in rows {
        let org: String = r.get(0);
        let n: i64 = r.get(1);
        let index = ORGS.iter().position(|o| *o == org).expect("org index");
        assert_eq!(n as usize, created[index], "{org}");
    }
    let foreign_names: i64 = t
        .pool("")
        .query("SELECT count(*) FROM companies WHERE name LIKE 'renamed by %' AND name NOT LIKE 'renamed by ' || organization_id || ' %'", &[])
        .await
        .expect("renames")[0]
        .get(0);
    assert_eq!(foreign_names, 0, "a company was renamed by another organization");
    let raised: i64 = t
        .pool("")
        .query("SELECT count(*) FROM organization_members WHERE role <> 'MEMBER'", &[])
        .await
        .expect("roles")[0]
        .get(0);
    assert_eq!(raised, 0, "a member raised a role");
}

/// The many-to-many half of the property, on the tenancy fixture (`Label` <-> `Task` through the
/// tenant-owned `_LabelToTask`): three organizations (one id needing the bound function) link, unlink and
/// include at random, concurrently; links to another organization's rows fail, reads see only their own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_to_many_links_never_cross_organizations() {
    use trato_tests::tenancy::{Label, Project, Task};
    let ops: usize = std::env::var("ISOLATION_OPS")
        .ok()
        .and_then(|v| v.parse().ok())
        .map_or(3_000, |n: usize| n / 17);
    let src = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../codegen/test_data/valid/tenancy.prisma"
    ))
    .expect("schema");
    let t = TestDb::empty().await;
    let admin = t.pool("").conn().await.expect("conn").detach();
    admin
        .batch_execute(&trato_codegen::ddl(&src).expect("valid"))
        .await
        .expect("ddl");
    for (i, org) in ORGS.iter().enumerate() {
        admin
            .execute("INSERT INTO orgs (id, slug) VALUES ($1, $2)", &[org, &format!("o{i}")])
            .await
            .expect("org");
        admin
            .execute(
                "INSERT INTO projects (id, org_id, name) VALUES ($1, $2, 'P')",
                &[&format!("p{i}"), org],
            )
            .await
            .expect("project");
        for k in 0..5 {
            admin
                .execute(
                    "INSERT INTO tasks (id, org_id, project_id) VALUES ($1, $2, $3)",
                    &[&format!("t{i}_{k}"), org, &format!("p{i}")],
                )
                .await
                .expect("task");
            admin
                .execute(
                    "INSERT INTO labels (id, org_id, name) VALUES ($1, $2, $1)",
                    &[&format!("l{i}_{k}"), org],
                )
                .await
                .expect("label");
        }
    }
    let db = t.app_pool("connection_limit=6");
    let run = async |org: usize| {
        let s = db
            .system::<Project>("m2m property")
            .tenant(ORGS[org])
            .await
            .expect("scope");
        let mut rng = Rng(0x5EED ^ (org as u64 + 7).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
        let mut links: BTreeSet<(String, String)> = BTreeSet::new();
        let mut probes = 0;
        for step in 0..ops {
            let (lo, to) = (rng.below(3), rng.below(3));
            let label = format!("l{lo}_{}", rng.below(5));
            let task = format!("t{to}_{}", rng.below(5));
            match rng.below(4) {
                0 | 1 => {
                    let r = s
                        .raw(sql!(
                            "INSERT INTO \"_LabelToTask\" (org_id, \"A\", \"B\") VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                            ORGS[org].to_string(),
                            label.clone(),
                            task.clone()
                        ))
                        .await;
                    if lo == org && to == org {
                        r.expect("own link");
                        links.insert((label, task));
                    } else {
                        probes += 1;
                        let code = r.expect_err("a link across organizations").code().map(str::to_string);
                        assert_eq!(code.as_deref(), Some("23503"), "step {step}");
                    }
                }
                2 => {
                    let gone = s
                        .raw(sql!(
                            "DELETE FROM \"_LabelToTask\" WHERE \"A\" = $1 RETURNING \"B\"",
                            label.clone()
                        ))
                        .await
                        .expect("unlink");
                    if lo != org {
                        probes += 1;
                        assert!(gone.is_empty(), "step {step}: unlinked another organization's label");
                    }
                    links.retain(|(l, _)| *l != label);
                }
                _ => {
                    let seen = s
                        .repo::<Task>()
                        .find_many_with(Query::new(), Task::LABELS)
                        .await
                        .expect("include");
                    let mut found: BTreeSet<(String, String)> = BTreeSet::new();
                    for (task, labels) in seen {
                        assert_eq!(task.org_id, ORGS[org], "step {step}: a foreign task");
                        for l in labels {
                            assert_eq!(l.org_id, ORGS[org], "step {step}: a foreign label");
                            found.insert((l.id, task.id.clone()));
                        }
                    }
                    assert_eq!(found, links, "step {step}: links seen through the include");
                    let n = s.repo::<Label>().count(Filter::all()).await.expect("count");
                    assert_eq!(n, 5);
                }
            }
        }
        probes
    };
    let (a, b, c) = tokio::join!(run(0), run(1), run(2));
    assert!(a + b + c > ops, "too few cross-organization probes: {}", a + b + c);
    let crossed: i64 = t
        .pool("")
        .query(
            "SELECT count(*) FROM \"_LabelToTask\" j JOIN labels l ON l.id = j.\"A\" JOIN tasks t ON t.id = j.\"B\"
              WHERE l.org_id <> j.org_id OR t.org_id <> j.org_id",
            &[],
        )
        .await
        .expect("links")[0]
        .get(0);
    assert_eq!(crossed, 0);
}
