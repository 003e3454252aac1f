//! The isolation property: random sequences of create / read / update / delete / include / count / raw SQL
//! for three organizations at once, as the application role. No row of another organization is ever
//! returned, changed or counted. `ISOLATION_OPS` sets the total number of operations (default 51,000);
//! `ISOLATION_SEED` the seed.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use trato_hive_db::runtime::{sql, Error, Filter, Query, ReadWrite, TenantScope};
use trato_hive_db::*;
use trato_tests::TestDb;

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

async fn run_org(org: usize, scope: TenantScope<ReadWrite>, registry: Registry, ops: usize, seed: u64) -> Tally {
    let me = format!("org_{org}");
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
        match rng.below(10) {
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
                let found = scope.repo::<Company>().find_by_id(id.clone()).await.expect("find");
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
                let result = scope
                    .repo::<Company>()
                    .update(
                        id.clone(),
                        CompanyUpdate::default().name(format!("renamed by {me} {step}")),
                    )
                    .await;
                if owner == org && mine.contains(&id) {
                    assert_eq!(result.expect("own update").organization_id, me);
                } else {
                    tally.foreign_probes += usize::from(owner != org);
                    assert!(matches!(result, Err(Error::NotFound { .. })), "{}: {result:?}", ctx());
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
                        .delete_many(Company::ID.eq(id))
                        .await
                        .expect("delete many");
                    assert_eq!(n, 0, "{}: deleted another organization's company", ctx());
                }
            }
            6 => {
                let n = scope.repo::<Company>().count(Filter::all()).await.expect("count");
                assert_eq!(n as usize, mine.len(), "{}: count includes foreign rows", ctx());
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
    let mut setup = String::new();
    for i in 0..3 {
        setup.push_str(&format!(
            "INSERT INTO users (id, email, updated_at) VALUES ('u{i}', 'u{i}@x', now());
             INSERT INTO organizations (id, name, slug, updated_at) VALUES ('org_{i}', 'Org {i}', 'org-{i}', now());
             INSERT INTO organization_members (id, organization_id, user_id, role, updated_at) VALUES ('m{i}', 'org_{i}', 'u{i}', 'MEMBER', now());"
        ));
    }
    t.pool("")
        .conn()
        .await
        .expect("conn")
        .batch_execute(&setup)
        .await
        .expect("setup");
    let db = t.app_pool("connection_limit=6");
    let registry: Registry = Arc::default();
    let mut tasks = Vec::new();
    for org in 0..3 {
        let scope = scope(&db, &format!("u{org}"), &format!("org_{org}"))
            .await
            .expect("member")
            .write()
            .expect("writer");
        tasks.push(tokio::spawn(run_org(org, scope, registry.clone(), total / 3, seed)));
    }
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
        let registry = registry.lock().expect("registry");
        (0..3)
            .map(|org| registry.iter().filter(|(o, _)| *o == org).count())
            .collect()
    };
    for r in rows {
        let org: String = r.get(0);
        let n: i64 = r.get(1);
        let index: usize = org.trim_start_matches("org_").parse().expect("org index");
        assert_eq!(n as usize, created[index], "{org}");
    }
    let foreign_names: i64 = t
        .pool("")
        .query("SELECT count(*) FROM companies WHERE name LIKE 'renamed by %' AND name NOT LIKE 'renamed by ' || organization_id || ' %'", &[])
        .await
        .expect("renames")[0]
        .get(0);
    assert_eq!(foreign_names, 0, "a company was renamed by another organization");
}
