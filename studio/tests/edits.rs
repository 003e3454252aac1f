//! Studio's writes over HTTP: record edits (one audited transaction, exact values, conflicts), JSON,
//! read-only mode, acting as a member, new rows and deletes, undo.

mod common;

use common::*;
use trato_studio::Config;
use trato_tests::TestDb;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_record_is_edited_in_one_audited_transaction_and_values_round_trip() {
    let (t, s) = studio(false).await;
    let cookie = login(&s).await;
    let page = get(&s, &cookie, "/o/org_a/m/Deal/r/d_a1").await;
    assert!(page.body.contains("name=\"f.stage\""), "{}", page.body);
    // The company is picked from this organization's companies only.
    assert!(page.body.contains("<select name=\"f.companyId\">"), "{}", page.body);
    assert!(
        page.body.contains("value=\"c_a\" selected") && !page.body.contains("value=\"c_b\""),
        "{}",
        page.body
    );
    let (csrf, version) = (hidden(&page.body, "csrf"), hidden(&page.body, "version"));
    let path = "/o/org_a/m/Deal/r/d_a1";
    let form = [
        ("csrf", csrf.as_str()),
        ("version", version.as_str()),
        ("f.value", "83261.85"),
        ("f.stage", "CLOSING"),
        ("f.createdAt", "2026-03-29T01:30:00+00:00"),
        ("f.name", "Alpha one"),
        ("null.probability", "on"),
    ];
    let saved = post(&s, &cookie, path, &form).await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    assert_eq!(saved.header("location"), Some("/o/org_a/m/Deal/r/d_a1?saved=3"));
    assert_eq!(
        scalar(&t, "SELECT value::text FROM deals WHERE id = 'd_a1'").await,
        "83261.85"
    );
    assert_eq!(
        scalar(&t, "SELECT stage::text FROM deals WHERE id = 'd_a1'").await,
        "CLOSING"
    );
    assert_eq!(
        scalar(
            &t,
            "SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS') FROM deals WHERE id = 'd_a1'"
        )
        .await,
        "2026-03-29T01:30:00"
    );
    // One audit row: the source, the model, each changed field's before and after; the name did not change.
    let audit = scalar(
        &t,
        "SELECT string_agg(metadata::text, '|') FROM activities WHERE metadata->>'source' = 'studio'",
    )
    .await;
    let meta: serde_json::Value = serde_json::from_str(&audit).expect("one row of json");
    assert_eq!(meta["model"], "Deal");
    assert_eq!(meta["changed"]["stage"], serde_json::json!(["SOURCING", "CLOSING"]));
    assert_eq!(meta["changed"]["value"], serde_json::json!([null, "83261.85"]));
    assert!(meta["changed"].get("name").is_none(), "{meta}");
    assert_eq!(
        scalar(
            &t,
            "SELECT organization_id FROM activities WHERE metadata->>'source' = 'studio'"
        )
        .await,
        "org_a"
    );
    // Conflict: the row changes after the page was rendered; the stale form writes nothing.
    let page = get(&s, &cookie, path).await;
    let (csrf, stale) = (hidden(&page.body, "csrf"), hidden(&page.body, "version"));
    t.pool("")
        .conn()
        .await
        .expect("conn")
        .batch_execute("UPDATE deals SET name = 'renamed elsewhere' WHERE id = 'd_a1'")
        .await
        .expect("update");
    let conflict = post(
        &s,
        &cookie,
        path,
        &[("csrf", &csrf), ("version", &stale), ("f.name", "mine")],
    )
    .await;
    assert_eq!(conflict.status, 409, "{}", conflict.body);
    assert!(
        conflict.body.contains("Not saved") && conflict.body.contains("renamed elsewhere"),
        "{}",
        conflict.body
    );
    assert_eq!(
        scalar(&t, "SELECT name FROM deals WHERE id = 'd_a1'").await,
        "renamed elsewhere"
    );
    assert_eq!(
        scalar(
            &t,
            "SELECT count(*)::text FROM activities WHERE metadata->>'source' = 'studio'"
        )
        .await,
        "1"
    );
    // Refused before anything is written: no CSRF field, a wrong one, an enum value outside the enum, a
    // Decimal that is not one, another organization's row, a field that is not editable.
    let page = get(&s, &cookie, path).await;
    let (csrf, version) = (hidden(&page.body, "csrf"), hidden(&page.body, "version"));
    let refused = [
        (vec![("version", version.as_str()), ("f.name", "x")], 403),
        (
            vec![("csrf", "wrong"), ("version", version.as_str()), ("f.name", "x")],
            403,
        ),
        (
            vec![
                ("csrf", csrf.as_str()),
                ("version", version.as_str()),
                ("f.stage", "WON_BIG"),
            ],
            400,
        ),
        (
            vec![
                ("csrf", csrf.as_str()),
                ("version", version.as_str()),
                ("f.value", "12,5"),
            ],
            400,
        ),
        (
            vec![
                ("csrf", csrf.as_str()),
                ("version", version.as_str()),
                ("f.organizationId", "org_b"),
            ],
            400,
        ),
        (
            vec![
                ("csrf", csrf.as_str()),
                ("version", version.as_str()),
                ("f.id", "other"),
            ],
            400,
        ),
    ];
    for (form, status) in refused {
        let r = post(&s, &cookie, path, &form).await;
        assert_eq!(r.status, status, "{form:?}: {}", r.body);
    }
    let theirs = post(
        &s,
        &cookie,
        "/o/org_a/m/Deal/r/d_b1",
        &[("csrf", &csrf), ("version", "1"), ("f.name", "x")],
    )
    .await;
    assert_eq!(theirs.status, 404);
    assert_eq!(scalar(&t, "SELECT name FROM deals WHERE id = 'd_b1'").await, "Beta one");
    assert_eq!(
        scalar(&t, "SELECT name FROM deals WHERE id = 'd_a1'").await,
        "renamed elsewhere"
    );
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_fields_take_any_json_and_refuse_what_is_not() {
    let (t, s) = studio(false).await;
    let cookie = login(&s).await;
    t.pool("").conn().await.expect("conn").batch_execute(
        "INSERT INTO documents (id, organization_id, name, file_url, updated_at) VALUES ('doc1', 'org_a', 'deck', 's3://x', now())",
    ).await.expect("doc");
    let path = "/o/org_a/m/Document/r/doc1";
    for value in ["42", "\"x\"", "[1]", "{\"a\":1}"] {
        let page = get(&s, &cookie, path).await;
        let (csrf, version) = (hidden(&page.body, "csrf"), hidden(&page.body, "version"));
        let r = post(
            &s,
            &cookie,
            path,
            &[("csrf", &csrf), ("version", &version), ("f.reductoData", value)],
        )
        .await;
        assert_eq!(r.status, 303, "{value}: {}", r.body);
        let equal = scalar(
            &t,
            &format!("SELECT (reducto_data = '{value}'::jsonb)::text FROM documents WHERE id = 'doc1'"),
        )
        .await;
        assert_eq!(equal, "true", "{value}");
    }
    let page = get(&s, &cookie, path).await;
    let (csrf, version) = (hidden(&page.body, "csrf"), hidden(&page.body, "version"));
    let bad = post(
        &s,
        &cookie,
        path,
        &[("csrf", &csrf), ("version", &version), ("f.reductoData", "{a:1}")],
    )
    .await;
    assert!(
        bad.status == 400 && bad.body.contains("`reductoData` is not JSON"),
        "{}",
        bad.body
    );
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_only_studio_offers_no_form_and_the_database_refuses_a_forged_write() {
    let (t, s) = studio(true).await;
    let cookie = login(&s).await;
    let page = get(&s, &cookie, "/o/org_a/m/Deal/r/d_a1").await;
    assert!(page.status == 200 && page.body.contains("Read-only"), "{}", page.body);
    assert!(!page.body.contains("<form class=\"edit\""), "{}", page.body);
    let xmin = scalar(&t, "SELECT xmin::text FROM deals WHERE id = 'd_a1'").await;
    let forged = post(
        &s,
        &cookie,
        "/o/org_a/m/Deal/r/d_a1",
        &[("csrf", s.csrf()), ("version", &xmin), ("f.name", "x")],
    )
    .await;
    assert_eq!(forged.status, 403, "{}", forged.body);
    assert!(forged.body.contains("READ ONLY"), "{}", forged.body);
    assert_eq!(
        scalar(&t, "SELECT name FROM deals WHERE id = 'd_a1'").await,
        "Alpha one"
    );
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acting_as_a_viewer_reads_and_writes_nothing_acting_as_an_owner_writes() {
    let t = TestDb::empty().await;
    let admin = t.pool("").conn().await.expect("conn").detach();
    admin
        .batch_execute(&trato_codegen::ddl(TEAMS).expect("valid schema"))
        .await
        .expect("ddl");
    admin
        .batch_execute(
            "INSERT INTO \"User\" (id, email) VALUES ('u_owner', 'o@x'), ('u_viewer', 'v@x'), ('u_other', 'x@x');
             INSERT INTO \"Team\" (id, name) VALUES ('t1', 'One'), ('t2', 'Two');
             INSERT INTO \"Membership\" (id, \"teamId\", \"userId\", role) VALUES
               ('m1', 't1', 'u_owner', 'OWNER'), ('m2', 't1', 'u_viewer', 'VIEWER'), ('m3', 't2', 'u_other', 'OWNER');
             INSERT INTO \"Note\" (id, \"teamId\", body) VALUES ('n1', 't1', 'first'), ('n2', 't2', 'theirs');",
        )
        .await
        .expect("rows");
    let dir = std::env::temp_dir().join(format!("studio-teams-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    std::fs::write(dir.join("schema.prisma"), TEAMS).expect("schema");
    let s = trato_studio::start(Config {
        schema: dir.join("schema.prisma"),
        db: trato_hive_runtime::DbConfig::from_url(&format!("{}?sslmode=disable", t.url)).expect("url"),
        port: 0,
        read_only: false,
        force_non_dev: false,
        audit_log: None,
    })
    .await
    .expect("studio");
    let cookie = login(&s).await;
    let org = get(&s, &cookie, "/o/t1").await;
    assert!(
        org.body.contains("Act as a member") && org.body.contains("u_viewer"),
        "{}",
        org.body
    );
    let act = |user: &'static str| {
        let csrf = s.csrf().to_string();
        let cookie = cookie.clone();
        let s = &s;
        async move { post(s, &cookie, "/o/t1/act", &[("csrf", &csrf), ("user", user)]).await }
    };
    // Not a member of t1: refused, as the application's scope refuses it.
    assert_eq!(act("u_other").await.status, 403);
    assert_eq!(act("u_viewer").await.status, 303);
    let page = get(&s, &cookie, "/o/t1/m/Note/r/n1").await;
    assert!(
        page.body.contains("acting as member") && page.body.contains("VIEWER"),
        "{}",
        page.body
    );
    assert!(
        !page.body.contains("<form class=\"edit\""),
        "a VIEWER is offered a form"
    );
    let xmin: String = admin
        .query_one("SELECT xmin::text FROM \"Note\" WHERE id = 'n1'", &[])
        .await
        .expect("xmin")
        .get(0);
    let forged = post(
        &s,
        &cookie,
        "/o/t1/m/Note/r/n1",
        &[("csrf", s.csrf()), ("version", &xmin), ("f.body", "x")],
    )
    .await;
    assert!(
        forged.status == 403 && forged.body.contains("reads only"),
        "{}",
        forged.body
    );
    // The viewer's scope still reads this team's notes only.
    assert_eq!(get(&s, &cookie, "/o/t1/m/Note/r/n2").await.status, 404);
    // As the owner, the same form writes.
    assert_eq!(act("u_owner").await.status, 303);
    let page = get(&s, &cookie, "/o/t1/m/Note/r/n1").await;
    let (csrf, version) = (hidden(&page.body, "csrf"), hidden(&page.body, "version"));
    let saved = post(
        &s,
        &cookie,
        "/o/t1/m/Note/r/n1",
        &[
            ("csrf", &csrf),
            ("version", &version),
            ("f.body", "edited by the owner"),
        ],
    )
    .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let body: String = admin
        .query_one("SELECT body FROM \"Note\" WHERE id = 'n1'", &[])
        .await
        .expect("row")
        .get(0);
    assert_eq!(body, "edited by the owner");
    s.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn new_rows_get_the_applications_defaults_and_deletes_show_their_plan() {
    let (t, s) = studio(false).await;
    let cookie = login(&s).await;
    let form = get(&s, &cookie, "/o/org_a/m/Company/new").await;
    assert!(
        form.status == 200 && form.body.contains("name=\"f.name\""),
        "{}",
        form.body
    );
    assert!(
        !form.body.contains("name=\"f.id\"") && !form.body.contains("name=\"f.organizationId\""),
        "{}",
        form.body
    );
    let created = post(
        &s,
        &cookie,
        "/o/org_a/m/Company/new",
        &[("csrf", s.csrf()), ("f.name", "Newco"), ("f.industry", "")],
    )
    .await;
    assert_eq!(created.status, 303, "{}", created.body);
    let location = created.header("location").expect("location").to_string();
    let id = location
        .split("/r/")
        .nth(1)
        .and_then(|r| r.split('?').next())
        .expect("id")
        .to_string();
    assert!(id.starts_with('c') && id.len() == 25, "a cuid: {id}");
    let admin = t.pool("").conn().await.expect("conn");
    let row = admin
        .query_one("SELECT organization_id, created_at IS NOT NULL, updated_at IS NOT NULL, industry IS NULL FROM companies WHERE id = $1", &[&id])
        .await
        .expect("row");
    assert_eq!(row.get::<_, String>(0), "org_a");
    assert!(row.get::<_, bool>(1) && row.get::<_, bool>(2) && row.get::<_, bool>(3));
    let audit: i64 = admin
        .query_one("SELECT count(*) FROM activities WHERE metadata->>'source' = 'studio' AND metadata->>'action' = 'create' AND metadata->>'id' = $1", &[&id])
        .await
        .expect("audit")
        .get(0);
    assert_eq!(audit, 1);
    // The plan: the company's two deals are set to no company; then a deal's delete is a soft delete.
    let plan = get(&s, &cookie, "/o/org_a/m/Company/r/c_a/delete").await;
    assert!(
        plan.body.contains("<td>deals</td><td>2</td><td>SetNull</td>"),
        "{}",
        plan.body
    );
    let gone = post(&s, &cookie, "/o/org_a/m/Deal/r/d_a1/delete", &[("csrf", s.csrf())]).await;
    assert_eq!(gone.status, 303, "{}", gone.body);
    let soft: bool = admin
        .query_one("SELECT deleted_at IS NOT NULL FROM deals WHERE id = 'd_a1'", &[])
        .await
        .expect("row")
        .get(0);
    assert!(soft, "a soft delete");
    assert_eq!(
        get(&s, &cookie, "/o/org_a/m/Deal/r/d_a1").await.status,
        404,
        "hidden from reads"
    );
    // Another organization's row cannot be deleted from here; a forged post without CSRF does nothing.
    assert_eq!(
        post(&s, &cookie, "/o/org_a/m/Deal/r/d_b1/delete", &[("csrf", s.csrf())])
            .await
            .status,
        404
    );
    assert_eq!(
        post(&s, &cookie, "/o/org_a/m/Company/r/c_a/delete", &[]).await.status,
        403
    );
    let still: i64 = admin
        .query_one("SELECT count(*) FROM deals WHERE deleted_at IS NULL", &[])
        .await
        .expect("n")
        .get(0);
    assert_eq!(still, 2);
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_last_edit_is_undone_from_its_audit_row_unless_the_row_moved_on() {
    let (t, s) = studio(false).await;
    let cookie = login(&s).await;
    let edit = |id: &'static str, stage: &'static str| {
        let (s, cookie) = (&s, cookie.clone());
        async move {
            let path = format!("/o/org_a/m/Deal/r/{id}");
            let page = get(s, &cookie, &path).await;
            let (csrf, version) = (hidden(&page.body, "csrf"), hidden(&page.body, "version"));
            post(
                s,
                &cookie,
                &path,
                &[
                    ("csrf", &csrf),
                    ("version", &version),
                    ("f.stage", stage),
                    ("f.value", "10.50"),
                ],
            )
            .await
        }
    };
    assert_eq!(edit("d_a1", "CLOSING").await.status, 303);
    let undo = || {
        let (s, cookie) = (&s, cookie.clone());
        async move { post(s, &cookie, "/o/org_a/undo", &[("csrf", s.csrf())]).await }
    };
    let undone = undo().await;
    assert_eq!(undone.status, 303, "{}", undone.body);
    let admin = t.pool("").conn().await.expect("conn");
    let row = admin
        .query_one("SELECT stage::text, value::text FROM deals WHERE id = 'd_a1'", &[])
        .await
        .expect("row");
    assert_eq!(
        (row.get::<_, String>(0), row.get::<_, Option<String>>(1)),
        ("SOURCING".into(), None)
    );
    let audits: Vec<String> = admin
        .query(
            "SELECT metadata::text FROM activities WHERE metadata->>'source' = 'studio' ORDER BY created_at",
            &[],
        )
        .await
        .expect("audit")
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(audits.len(), 2, "{audits:?}");
    assert!(audits[1].contains("\"undoes\""), "{}", audits[1]);
    // Nothing left to undo: the edit is undone, and an undo is not itself undone.
    assert_eq!(undo().await.status, 404);
    // An edit whose row changed since: the undo would overwrite the later write, so it is refused.
    assert_eq!(edit("d_a2", "NEGOTIATION").await.status, 303);
    admin
        .batch_execute("UPDATE deals SET stage = 'CLOSING' WHERE id = 'd_a2'")
        .await
        .expect("later write");
    let refused = undo().await;
    assert!(
        refused.status == 409 && refused.body.contains("changed since"),
        "{}",
        refused.body
    );
    let stage: String = admin
        .query_one("SELECT stage::text FROM deals WHERE id = 'd_a2'", &[])
        .await
        .expect("row")
        .get(0);
    assert_eq!(stage, "CLOSING");
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_of_rows_is_saved_in_one_transaction_or_not_at_all() {
    let (t, s) = studio(false).await;
    let cookie = login(&s).await;
    let page = get(&s, &cookie, "/o/org_a/m/Deal?edit=1").await;
    assert!(
        page.body.contains("name=\"r.d_a1.stage\"") && page.body.contains("Save changes"),
        "{}",
        page.body
    );
    let (csrf, v1, v2) = (
        hidden(&page.body, "csrf"),
        hidden(&page.body, "v.d_a1"),
        hidden(&page.body, "v.d_a2"),
    );
    let form = [
        ("csrf", csrf.as_str()),
        ("v.d_a1", v1.as_str()),
        ("v.d_a2", v2.as_str()),
        ("r.d_a1.stage", "CLOSING"),
        ("r.d_a1.name", "Alpha one"),
        ("r.d_a2.stage", "NEGOTIATION"),
        ("r.d_a2.value", "83261.85"),
        // The page's new row: a third deal, in the same transaction.
        ("n.name", "Gamma"),
        ("n.stage", "SOURCING"),
    ];
    let saved = post(&s, &cookie, "/o/org_a/m/Deal/batch", &form).await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let location = saved.header("location").unwrap_or_default().to_string();
    assert!(location.ends_with("saved=3"), "{location}");
    let after = get(&s, &cookie, &location).await;
    assert!(
        after.status == 200 && after.body.contains("Saved: 3 row(s)"),
        "{}",
        after.body
    );
    let admin = t.pool("").conn().await.expect("conn");
    let rows = admin
        .query(
            "SELECT id, stage::text, value::text, xmin::text FROM deals WHERE id IN ('d_a1', 'd_a2') ORDER BY id",
            &[],
        )
        .await
        .expect("rows");
    assert_eq!(
        (rows[0].get::<_, String>(1), rows[1].get::<_, String>(1)),
        ("CLOSING".into(), "NEGOTIATION".into())
    );
    assert_eq!(rows[1].get::<_, Option<String>>(2).as_deref(), Some("83261.85"));
    assert_eq!(
        rows[0].get::<_, String>(3),
        rows[1].get::<_, String>(3),
        "one transaction writes both rows"
    );
    let gamma = admin
        .query_one(
            "SELECT id, organization_id, xmin::text FROM deals WHERE name = 'Gamma'",
            &[],
        )
        .await
        .expect("the new row");
    assert!(gamma.get::<_, String>(0).starts_with('c') && gamma.get::<_, String>(1) == "org_a");
    assert_eq!(
        gamma.get::<_, String>(2),
        rows[0].get::<_, String>(3),
        "and the new row too"
    );
    let audits: i64 = admin
        .query_one(
            "SELECT count(*) FROM activities WHERE metadata->>'source' = 'studio'",
            &[],
        )
        .await
        .expect("audit")
        .get(0);
    assert_eq!(audits, 3);
    // A stale page: one of its rows changed since; nothing of the batch is written.
    let page = get(&s, &cookie, "/o/org_a/m/Deal?edit=1").await;
    let (v1, v2) = (hidden(&page.body, "v.d_a1"), hidden(&page.body, "v.d_a2"));
    admin
        .batch_execute("UPDATE deals SET name = 'moved on' WHERE id = 'd_a2'")
        .await
        .expect("update");
    let stale = [
        ("csrf", csrf.as_str()),
        ("v.d_a1", v1.as_str()),
        ("v.d_a2", v2.as_str()),
        ("r.d_a1.stage", "SOURCING"),
        ("r.d_a2.stage", "SOURCING"),
    ];
    let refused = post(&s, &cookie, "/o/org_a/m/Deal/batch", &stale).await;
    assert!(
        refused.status == 409 && refused.body.contains("d_a2"),
        "{}",
        refused.body
    );
    let stages: Vec<String> = admin
        .query(
            "SELECT stage::text FROM deals WHERE id IN ('d_a1', 'd_a2') ORDER BY id",
            &[],
        )
        .await
        .expect("rows")
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(
        stages,
        ["CLOSING", "NEGOTIATION"],
        "the first row was not written either"
    );
    // Undo takes the whole page back: both rows of that transaction (the new row stays).
    let undone = post(&s, &cookie, "/o/org_a/undo", &[("csrf", s.csrf())]).await;
    assert_eq!(undone.status, 303, "{}", undone.body);
    let location = undone.header("location").unwrap_or_default().to_string();
    assert!(location.ends_with("/o/org_a/m/Deal?saved=2"), "{location}");
    let back: Vec<(String, Option<String>)> = admin
        .query(
            "SELECT stage::text, value::text FROM deals WHERE id IN ('d_a1', 'd_a2') ORDER BY id",
            &[],
        )
        .await
        .expect("rows")
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    assert_eq!(back, [("SOURCING".to_string(), None), ("SOURCING".to_string(), None)]);
    s.stop().await;
}
