//! Roles declared in the schema (`@@membership`, `@@writableBy`): only OWNERs and ADMINs write the
//! organization and its memberships (a MEMBER's scope has no such write methods: tests/ui), nobody changes
//! their own membership or gives a role above their own, enforced by the database (raw SQL here). And "my
//! organizations": a user lists their own memberships, nothing else.

use trato_hive_db::runtime::{sql, Error, Filter, Manage, MemberScope, ReadWrite, TenantScope};
use trato_hive_db::*;
use trato_tests::TestDb;

/// org_a: uo OWNER, ua ADMIN, um MEMBER, uv VIEWER; org_b: ub OWNER, and uv again as a VIEWER.
async fn org_with_every_role(t: &TestDb) {
    t.pool("")
        .conn()
        .await
        .expect("conn")
        .detach()
        .batch_execute(
            "INSERT INTO users (id, email, updated_at) VALUES ('uo', 'uo@x', now()), ('ua', 'ua@x', now()),
               ('um', 'um@x', now()), ('uv', 'uv@x', now()), ('ub', 'ub@x', now()), ('un', 'un@x', now());
             INSERT INTO organizations (id, name, slug, updated_at) VALUES ('org_a', 'A', 'a', now()), ('org_b', 'B', 'b', now());
             INSERT INTO organization_members (id, organization_id, user_id, role, updated_at) VALUES
               ('m_o', 'org_a', 'uo', 'OWNER', now()), ('m_a', 'org_a', 'ua', 'ADMIN', now()),
               ('m_m', 'org_a', 'um', 'MEMBER', now()), ('m_v', 'org_a', 'uv', 'VIEWER', now()),
               ('m_b', 'org_b', 'ub', 'OWNER', now()), ('m_bv', 'org_b', 'uv', 'VIEWER', now());",
        )
        .await
        .expect("members");
}

async fn writer(db: &runtime::Db, user: &str) -> TenantScope<ReadWrite> {
    scope(db, user, "org_a").await.expect("member").write().expect("writer")
}

async fn manager(db: &runtime::Db, user: &str) -> TenantScope<Manage> {
    scope(db, user, "org_a")
        .await
        .expect("member")
        .manage()
        .expect("manager")
}

async fn role_of(t: &TestDb, user: &str) -> String {
    t.pool("")
        .query(
            "SELECT role::text FROM organization_members WHERE organization_id = 'org_a' AND user_id = $1",
            &[&user],
        )
        .await
        .expect("role")
        .first()
        .map(|r| r.get(0))
        .unwrap_or_default()
}

fn forbidden<T: std::fmt::Debug>(r: Result<T, Error>, what: &str) {
    assert!(matches!(r, Err(Error::Forbidden { .. })), "{what}: {r:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_cannot_raise_their_role_nor_touch_the_organization() {
    let t = TestDb::new().await;
    org_with_every_role(&t).await;
    let db = t.app_pool("");
    // The scope's type: OWNERs and ADMINs manage, a MEMBER writes, a VIEWER reads.
    for (user, kind) in [("uo", "manager"), ("ua", "manager"), ("um", "writer"), ("uv", "reader")] {
        let s = scope(&db, user, "org_a").await.expect("member");
        let got = match s {
            MemberScope::Manager(_) => "manager",
            MemberScope::Writer(_) => "writer",
            MemberScope::Reader(_) => "reader",
        };
        assert_eq!(got, kind, "{user}");
    }
    forbidden(
        scope(&db, "um", "org_a").await.expect("member").manage(),
        "a member managing",
    );
    let member = writer(&db, "um").await;
    // Raw SQL meets the database's policies: an update or delete finds no row it may write, an insert fails.
    let promoted = member
        .raw(sql!(
            "UPDATE organization_members SET role = 'OWNER' WHERE user_id = $1 RETURNING id",
            "um"
        ))
        .await
        .expect("filtered");
    assert!(promoted.is_empty());
    let inserted = member
        .raw(sql!(
            "INSERT INTO organization_members (id, organization_id, user_id, role, updated_at) \
             VALUES ('m_x', 'org_a', 'un', 'OWNER', now())"
        ))
        .await
        .expect_err("policy");
    assert_eq!(inserted.code(), Some("42501"), "{inserted:?}");
    let renamed = member
        .raw(sql!("UPDATE organizations SET name = 'Mine' RETURNING id"))
        .await
        .expect("filtered");
    assert!(renamed.is_empty());
    assert_eq!(role_of(&t, "um").await, "MEMBER");
    assert_eq!(scope(&db, "um", "org_a").await.expect("member").role(), "MEMBER");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_manages_members_up_to_their_own_rank_and_never_their_own() {
    let t = TestDb::new().await;
    org_with_every_role(&t).await;
    let db = t.app_pool("");
    let admin = manager(&db, "ua").await;
    let members = admin.repo::<OrganizationMember>();
    // Up to their own rank: yes.
    members
        .create(OrganizationMemberCreate::new("un".into()).role(OrganizationRole::Member))
        .await
        .expect("add a member");
    members
        .update(
            "m_m".to_string(),
            OrganizationMemberUpdate::default().role(OrganizationRole::Admin),
        )
        .await
        .expect("promote to their own rank");
    // Above it: the database refuses.
    let above = members
        .update(
            "m_v".to_string(),
            OrganizationMemberUpdate::default().role(OrganizationRole::Owner),
        )
        .await
        .expect_err("above their rank");
    assert_eq!(above.code(), Some("42501"), "{above:?}");
    // Their own membership, or an OWNER's: no row they may write.
    for (id, user) in [("m_a", "ua"), ("m_o", "uo")] {
        let r = members
            .update(
                id.to_string(),
                OrganizationMemberUpdate::default().role(OrganizationRole::Owner),
            )
            .await;
        assert!(matches!(r, Err(Error::NotFound { .. })), "{user}: {r:?}");
    }
    assert_eq!(
        members
            .delete_many(OrganizationMember::USER_ID.eq("uo"))
            .await
            .expect("delete"),
        0,
        "an admin cannot remove an owner"
    );
    assert_eq!(
        (
            role_of(&t, "ua").await,
            role_of(&t, "uo").await,
            role_of(&t, "um").await,
            role_of(&t, "uv").await
        ),
        ("ADMIN".into(), "OWNER".into(), "ADMIN".into(), "VIEWER".into())
    );
    // An owner may make an admin an owner, but not change their own membership either.
    let owner = manager(&db, "uo").await;
    owner
        .repo::<OrganizationMember>()
        .update(
            "m_a".to_string(),
            OrganizationMemberUpdate::default().role(OrganizationRole::Owner),
        )
        .await
        .expect("owner promotes");
    let own = owner
        .repo::<OrganizationMember>()
        .update(
            "m_o".to_string(),
            OrganizationMemberUpdate::default().role(OrganizationRole::Viewer),
        )
        .await;
    assert!(matches!(own, Err(Error::NotFound { .. })), "{own:?}");
    owner
        .root::<Organization>()
        .update("org_a".to_string(), OrganizationUpdate::default().name("A, renamed"))
        .await
        .expect("an owner renames the organization");
    // The system scope is not a member: it may do anything (and says why).
    system(&db, "support ticket 42")
        .tenant("org_a")
        .await
        .expect("system")
        .repo::<OrganizationMember>()
        .update(
            "m_o".to_string(),
            OrganizationMemberUpdate::default().role(OrganizationRole::Admin),
        )
        .await
        .expect("system scope");
    assert_eq!(role_of(&t, "uo").await, "ADMIN");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_lists_their_own_organizations_and_nothing_else() {
    let t = TestDb::new().await;
    org_with_every_role(&t).await;
    let db = t.app_pool("");
    let mine = my_organizations(&db, "uv").await.expect("memberships");
    let seen: Vec<(String, String, OrganizationRole)> = mine
        .iter()
        .map(|(o, m)| (o.id.clone(), o.name.clone(), m.role))
        .collect();
    assert_eq!(
        seen,
        [
            ("org_a".into(), "A".into(), OrganizationRole::Viewer),
            ("org_b".into(), "B".into(), OrganizationRole::Viewer)
        ]
    );
    assert_eq!(my_organizations(&db, "ub").await.expect("one").len(), 1);
    assert!(my_organizations(&db, "nobody").await.expect("none").is_empty());
    assert!(my_organizations(&db, "o'dd / id").await.expect("odd id").is_empty());
    // What the user binding shows, as a process sending its own SQL sees it: the user's own rows, no one
    // else's membership, no tenant data.
    let mut c = db.conn().await.expect("conn").detach();
    let tx = c.transaction().await.expect("begin");
    tx.execute("SELECT trato_bind(NULL, NULL, $1)", &[&"uv"])
        .await
        .expect("bind");
    let row = tx
        .query_one(
            "SELECT (SELECT count(*) FROM organization_members), (SELECT count(*) FROM organizations),
                    (SELECT count(*) FROM users), (SELECT count(*) FROM deals)",
            &[],
        )
        .await
        .expect("counts");
    let counts: (i64, i64, i64) = (row.get(0), row.get(1), row.get(3));
    assert_eq!(counts, (2, 2, 0));
    // Inside a tenant scope the self-service policies are off: a member sees their tenant, nothing more.
    let a = scope(&db, "uv", "org_a").await.expect("member").read();
    let n: i64 = a.raw(sql!("SELECT count(*) FROM organizations")).await.expect("count")[0].get(0);
    assert_eq!(n, 1);
    let members = a
        .repo::<OrganizationMember>()
        .count(Filter::all())
        .await
        .expect("count");
    assert_eq!(members, 4, "org_a's members only, not uv's membership in org_b");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_organization_and_its_owner_are_one_call() {
    let t = TestDb::new().await;
    org_with_every_role(&t).await;
    let db = t.app_pool("");
    let (org, owner) = create_organization(&db, OrganizationCreate::new("New Co".into(), "new-co".into()), "un")
        .await
        .expect("sign-up");
    assert_eq!(
        (owner.organization_id.as_str(), owner.user_id.as_str()),
        (org.id.as_str(), "un")
    );
    assert_eq!(owner.role, OrganizationRole::Owner);
    assert_eq!(scope(&db, "un", &org.id).await.expect("member").role(), "OWNER");
    assert_eq!(my_organizations(&db, "un").await.expect("mine").len(), 1);
    // The membership is audited like any other write.
    let audited: i64 = t
        .pool("")
        .query(
            "SELECT count(*) FROM activities WHERE organization_id = $1 AND user_id = 'un'",
            &[&org.id],
        )
        .await
        .expect("activities")[0]
        .get(0);
    assert_eq!(audited, 1);
    // An existing organization's id: refused on its primary key, and nothing is written.
    let taken = create_organization(
        &db,
        OrganizationCreate::new("Mine now".into(), "x".into()).id("org_a"),
        "un",
    )
    .await
    .expect_err("an existing organization");
    assert_eq!(taken.code(), Some("23505"), "{taken:?}");
    assert_eq!(role_of(&t, "un").await, "", "no membership in org_a");
}
