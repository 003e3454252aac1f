//! Studio over HTTP: the security envelope, browsing under the tenant's scope, paging, filters, exports,
//! escaping, and the tenancy health page (the acceptance tests of `studio.md` §5.2 that need no browser).
//! Requests are written by hand on a TCP socket, so each header is exactly what a browser or an attacker
//! would send.

mod common;

use common::*;
use trato_studio::Config;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn loopback_token_cookie_host_and_origin() {
    let (_t, s) = studio(false).await;
    assert!(s.addr.ip().is_loopback(), "{}", s.addr);
    let token = s.url().split("token=").nth(1).expect("token").to_string();
    assert!(
        token.len() == 32 && token.chars().all(|c| c.is_ascii_hexdigit()),
        "{token}"
    );
    // No cookie, or a wrong token: 401 everywhere but the stylesheet.
    for path in ["/", "/o/org_a", "/health", "/o/org_a/m/Deal"] {
        assert_eq!(send(s.addr, "GET", path, &[]).await.status, 401, "{path}");
    }
    assert_eq!(send(s.addr, "GET", "/assets/studio.css", &[]).await.status, 200);
    assert_eq!(
        send(s.addr, "GET", "/?token=0123456789abcdef0123456789abcdef", &[])
            .await
            .status,
        401
    );
    // The right token: a cookie, HttpOnly and SameSite=Strict, and the token leaves the URL.
    let r = send(s.addr, "GET", &format!("/o/org_a?token={}&x=1", s.token), &[]).await;
    assert_eq!(r.status, 303);
    assert_eq!(r.header("location"), Some("/o/org_a?x=1"));
    let set = r.header("set-cookie").expect("cookie");
    assert!(set.contains("HttpOnly") && set.contains("SameSite=Strict"), "{set}");
    let cookie = set.split(';').next().expect("pair").to_string();
    // The link works once.
    let again = send(s.addr, "GET", &format!("/?token={}", s.token), &[]).await;
    assert!(
        again.status == 401 && again.body.contains("used already"),
        "{}",
        again.body
    );
    assert_eq!(get(&s, &cookie, "/").await.status, 200);
    assert_eq!(
        send(s.addr, "GET", "/", &[("Cookie", "studio_session=forged".into())])
            .await
            .status,
        401
    );
    // DNS rebinding: another Host is refused before anything else, cookie or not.
    for host in [
        "evil.example:1234".to_string(),
        format!("evil.example:{}", s.addr.port()),
    ] {
        let r = send(
            s.addr,
            "GET",
            "/",
            &[("Host", host.clone()), ("Cookie", cookie.clone())],
        )
        .await;
        assert_eq!(r.status, 421, "{host}");
        let r = send(s.addr, "POST", "/", &[("Host", host), ("Cookie", cookie.clone())]).await;
        assert_eq!(r.status, 421);
    }
    // A write from another origin, or without one: 403.
    let foreign = [
        ("Cookie", cookie.clone()),
        ("Origin", "http://evil.example".to_string()),
    ];
    assert_eq!(send(s.addr, "POST", "/o/org_a/m/Deal", &foreign).await.status, 403);
    assert_eq!(
        send(s.addr, "POST", "/o/org_a/m/Deal", &[("Cookie", cookie.clone())])
            .await
            .status,
        403
    );
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_response_has_the_security_headers_and_no_inline_script() {
    let (_t, s) = studio(false).await;
    let cookie = login(&s).await;
    for path in [
        "/",
        "/o/org_a",
        "/o/org_a/m/Deal",
        "/o/org_a/m/Deal/r/d_a1",
        "/health",
        "/nowhere",
        "/assets/studio.css",
        "/assets/studio.js",
    ] {
        let r = get(&s, &cookie, path).await;
        let csp = r.header("content-security-policy").unwrap_or_default();
        assert!(
            csp.contains("default-src 'none'") && csp.contains("script-src 'self'"),
            "{path}: {csp}"
        );
        assert_eq!(r.header("x-content-type-options"), Some("nosniff"), "{path}");
        assert_eq!(r.header("referrer-policy"), Some("same-origin"), "{path}");
        assert_eq!(r.header("cache-control"), Some("no-store"), "{path}");
        // Scripts come from a file of the server's own only (CSP script-src 'self'): none inline.
        let inline = r
            .body
            .match_indices("<script")
            .any(|(i, _)| !r.body[i..].starts_with("<script src=\"/assets/"));
        assert!(!inline, "{path}: an inline script");
    }
    // Nothing in the crate marks database data as pre-escaped.
    for file in ["lib.rs", "pages.rs", "health.rs", "data.rs"] {
        let src = std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src").join(file))
            .expect("source");
        assert!(!src.contains(concat!("PreEscaped", "(")), "{file} uses PreEscaped");
    }
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_elsewhere_is_refused() {
    let err = trato_studio::start(Config {
        schema: std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../schema/schema.prisma"),
        db: trato_hive_runtime::DbConfig::from_url("postgresql://owner:pw@db.example.com:5432/app").expect("url"),
        port: 0,
        read_only: false,
        force_non_dev: false,
        audit_log: None,
    })
    .await
    .err()
    .expect("refused");
    let text = err.to_string();
    assert!(
        text.contains("does not look like a development one") && text.contains("db.example.com"),
        "{text}"
    );
    let tls = trato_hive_runtime::DbConfig::from_url("postgresql://u:p@localhost/app?sslmode=require").expect("url");
    assert!(trato_studio::not_development(&tls).is_some_and(|w| w.contains("TLS")));
    let local = trato_hive_runtime::DbConfig::from_url("postgresql://u:p@127.0.0.1/app").expect("url");
    assert_eq!(trato_studio::not_development(&local), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browsing_stays_in_the_organization_under_rls() {
    let (t, s) = studio(false).await;
    let cookie = login(&s).await;
    // The sidebar counts are this organization's.
    let a = get(&s, &cookie, "/o/org_a").await;
    let b = get(&s, &cookie, "/o/org_b").await;
    assert_eq!((a.status, b.status), (200, 200));
    let count_of = |body: &str, model: &str| -> String {
        let at = body.find(&format!("<span>{model}</span>")).expect(model);
        let rest = &body[at..];
        let start = rest.find("class=\"count\">").expect("count") + "class=\"count\">".len();
        rest[start..].split('<').next().unwrap_or_default().to_string()
    };
    assert_eq!(
        (count_of(&a.body, "Deal"), count_of(&b.body, "Deal")),
        ("2".to_string(), "1".to_string())
    );
    // Org B's deal asked for from org A: not found, by record or by a forged filter.
    assert_eq!(get(&s, &cookie, "/o/org_a/m/Deal/r/d_b1").await.status, 404);
    let forged = get(&s, &cookie, "/o/org_a/m/Deal?w=id.eq.d_b1").await;
    assert_eq!(forged.status, 200);
    assert!(!forged.body.contains("Beta one"));
    let own = get(&s, &cookie, "/o/org_a/m/Deal/r/d_a1").await;
    assert!(own.status == 200 && own.body.contains("Alpha one"), "{}", own.body);
    // The company cell links to the company; the company's deals count links to the filtered grid.
    let grid = get(&s, &cookie, "/o/org_a/m/Deal").await;
    assert!(grid.body.contains("href=\"/o/org_a/m/Company/r/c_a\""), "{}", grid.body);
    let company = get(&s, &cookie, "/o/org_a/m/Company").await;
    assert!(
        company
            .body
            .contains("href=\"/o/org_a/m/Deal?w=companyId.eq.c_a\">2</a>"),
        "{}",
        company.body
    );
    // A global model has a grid and records of its own, outside any organization.
    let users = get(&s, &cookie, "/m/User").await;
    assert!(users.status == 200 && users.body.contains("a@a"), "{}", users.body);
    assert_eq!(get(&s, &cookie, "/m/User/r/u_a").await.status, 200);
    assert_eq!(
        get(&s, &cookie, "/m/Deal").await.status,
        404,
        "tenant data only inside an organization"
    );
    // An organization that does not exist, a model that does not, a hostile field: refused.
    assert_eq!(get(&s, &cookie, "/o/org_zz/m/Deal").await.status, 404);
    assert_eq!(get(&s, &cookie, "/o/org_a/m/Nope").await.status, 404);
    let hostile = get(
        &s,
        &cookie,
        "/o/org_a/m/Deal?w=name%22%3B%20DROP%20TABLE%20deals%3B--.eq.x",
    )
    .await;
    assert_eq!(hostile.status, 400);
    assert_eq!(get(&s, &cookie, "/o/org_a/m/Deal?sort=nope").await.status, 400);
    let n: i64 = t
        .pool("")
        .conn()
        .await
        .expect("conn")
        .query_one("SELECT count(*) FROM deals", &[])
        .await
        .expect("count")
        .get(0);
    assert_eq!(n, 3);
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paging_filters_exports_and_escaping() {
    let (t, s) = studio(false).await;
    let cookie = login(&s).await;
    t.pool("")
        .conn()
        .await
        .expect("conn")
        .batch_execute(
            "INSERT INTO deals (id, organization_id, name, updated_at)
               SELECT 'p' || lpad(i::text, 4, '0'), 'org_a', 'bulk ' || i, now() FROM generate_series(1, 1232) i;
             INSERT INTO deals (id, organization_id, name, updated_at) VALUES
               ('x1', 'org_a', '100% sure_thing', now()), ('x2', 'org_a', '100 percent surefire', now());
             INSERT INTO companies (id, organization_id, name, updated_at) VALUES
               ('c_x', 'org_a', '<img src=x onerror=alert(1)><b hx-get=\"/x\" hx-trigger=\"load\">x</b>', now());",
        )
        .await
        .expect("rows");
    // 1,236 deals of org A: 25 pages of 50, the last with 36.
    let first = get(&s, &cookie, "/o/org_a/m/Deal").await;
    assert!(
        first.body.contains("1,236 rows") && first.body.contains("page 1 of 25"),
        "{}",
        first.body
    );
    let last = get(&s, &cookie, "/o/org_a/m/Deal?page=25&format=json").await;
    let rows: Vec<serde_json::Value> = serde_json::from_str(json_body(&last.body)).expect("json");
    assert_eq!(rows.len(), 1236, "an export takes the whole view");
    // Keyset pages by id: disjoint, in order, and all of them.
    let mut seen: Vec<String> = Vec::new();
    let mut path = "/o/org_a/m/Deal?size=500&format=json".to_string();
    loop {
        let page: Vec<serde_json::Value> =
            serde_json::from_str(json_body(&get(&s, &cookie, &path).await.body)).expect("json");
        let ids: Vec<String> = page
            .iter()
            .map(|r| r["id"].as_str().unwrap_or_default().to_string())
            .collect();
        let full = ids.len() == 500;
        seen.extend(ids);
        if !full {
            break;
        }
        path = format!(
            "/o/org_a/m/Deal?size=500&after={}&format=json",
            seen.last().expect("last")
        );
    }
    let mut sorted = seen.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!((seen.len(), sorted.len()), (1236, 1236));
    assert_eq!(seen, sorted);
    // `contains` with `%` and `_` matches them literally.
    let lit = get(&s, &cookie, "/o/org_a/m/Deal?w=name.contains.0%25%20sure_&format=csv").await;
    assert!(
        lit.body.contains("100% sure_thing") && !lit.body.contains("surefire"),
        "{}",
        lit.body
    );
    assert_eq!(lit.header("content-type"), Some("text/csv; charset=utf-8"));
    // Hostile data is text.
    let companies = get(&s, &cookie, "/o/org_a/m/Company").await;
    assert!(
        companies.body.contains("&lt;img src=x onerror=alert(1)&gt;"),
        "{}",
        companies.body
    );
    assert!(!companies.body.contains("<img src=x") && !companies.body.contains("hx-get=\"/x\""));
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tenancy_health_page_sees_a_table_that_stopped_forcing_rls() {
    let (t, s) = studio(false).await;
    let cookie = login(&s).await;
    let healthy = get(&s, &cookie, "/health").await;
    assert!(healthy.body.contains("checks pass"), "{}", healthy.body);
    let admin = t.pool("").conn().await.expect("conn");
    admin
        .batch_execute("ALTER TABLE deals NO FORCE ROW LEVEL SECURITY")
        .await
        .expect("alter");
    let sick = get(&s, &cookie, "/health").await;
    assert!(sick.body.contains("checks fail"), "{}", sick.body);
    assert!(sick.body.contains("enabled, not FORCED"), "{}", sick.body);
    // A cross-tenant reference, made as the owner behind RLS's back (and the FK dropped to allow it).
    admin
        .batch_execute(
            "ALTER TABLE deals FORCE ROW LEVEL SECURITY;
             ALTER TABLE deals DROP CONSTRAINT deals_company_id_fkey;
             UPDATE deals SET company_id = 'c_b' WHERE id = 'd_a1';",
        )
        .await
        .expect("cross");
    let crossed = get(&s, &cookie, "/health").await;
    assert!(crossed.body.contains("1 (must be 0)"), "{}", crossed.body);
    assert!(
        crossed
            .body
            .contains("missing: nothing stops a reference to another tenant"),
        "{}",
        crossed.body
    );
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_filter_operator_selects_what_hand_written_sql_selects() {
    let (t, s) = studio(false).await;
    let cookie = login(&s).await;
    let admin = t.pool("").conn().await.expect("conn");
    admin
        .batch_execute(
            "INSERT INTO deals (id, organization_id, name, stage, probability, value, updated_at)
               SELECT 'm' || i, 'org_a', 'Deal ' || i, (ARRAY['SOURCING','CLOSING','NEGOTIATION'])[1 + i % 3]::\"DealStage\",
                      CASE WHEN i % 4 = 0 THEN NULL ELSE i * 3 END, (i * 1000.25)::numeric, now()
               FROM generate_series(1, 30) i",
        )
        .await
        .expect("rows");
    let cases: [(&str, &str); 22] = [
        ("name.eq.Deal 7", "name = 'Deal 7'"),
        ("name.ne.Deal 7", "name <> 'Deal 7'"),
        ("name.lt.Deal 2", "name < 'Deal 2'"),
        ("name.gt.Deal 2", "name > 'Deal 2'"),
        ("name.contains.al 1", "name ILIKE '%al 1%'"),
        ("name.starts.deal 2", "name ILIKE 'deal 2%'"),
        ("name.ends.5", "name ILIKE '%5'"),
        ("probability.eq.21", "probability = 21"),
        ("probability.ne.21", "probability <> 21"),
        ("probability.lt.30", "probability < 30"),
        ("probability.le.30", "probability <= 30"),
        ("probability.gt.30", "probability > 30"),
        ("probability.ge.30", "probability >= 30"),
        ("probability.null.", "probability IS NULL"),
        ("probability.notnull.", "probability IS NOT NULL"),
        ("value.gt.15003.75", "value > 15003.75"),
        ("value.le.2000.5", "value <= 2000.5"),
        ("stage.eq.CLOSING", "stage = 'CLOSING'"),
        ("stage.ne.CLOSING", "stage <> 'CLOSING'"),
        (
            "createdAt.lt.2100-01-01T00:00:00Z",
            "created_at < '2100-01-01T00:00:00Z'",
        ),
        (
            "createdAt.ge.2100-01-01T00:00:00Z",
            "created_at >= '2100-01-01T00:00:00Z'",
        ),
        ("companyId.null.", "company_id IS NULL"),
    ];
    for (filter, sql) in cases {
        let mut expected: Vec<String> = admin
            .query(
                &format!("SELECT id FROM deals WHERE organization_id = 'org_a' AND deleted_at IS NULL AND {sql}"),
                &[],
            )
            .await
            .expect("sql")
            .iter()
            .map(|r| r.get(0))
            .collect();
        expected.sort();
        let q = serde_urlencoded::to_string([("w", filter), ("format", "json")]).expect("query");
        let r = get(&s, &cookie, &format!("/o/org_a/m/Deal?{q}")).await;
        assert_eq!(r.status, 200, "{filter}: {}", r.body);
        let rows: Vec<serde_json::Value> = serde_json::from_str(json_body(&r.body)).expect("json");
        let mut got: Vec<String> = rows
            .iter()
            .map(|r| r["id"].as_str().unwrap_or_default().to_string())
            .collect();
        got.sort();
        assert_eq!(got, expected, "{filter}");
    }
    // Any of two filters, and a choice of columns in order (an unknown one refused).
    let either = get(
        &s,
        &cookie,
        "/o/org_a/m/Deal?w=name.eq.Deal%201&w=name.eq.Deal%202&any=1&format=json",
    )
    .await;
    let rows: Vec<serde_json::Value> = serde_json::from_str(json_body(&either.body)).expect("json");
    assert_eq!(rows.len(), 2);
    let cols = get(&s, &cookie, "/o/org_a/m/Deal?cols=stage,name").await;
    let head = &cols.body[cols.body.find("<thead>").expect("head")..cols.body.find("</thead>").expect("end")];
    let (stage, name) = (head.find(">stage<").expect("stage"), head.find(">name<").expect("name"));
    assert!(stage < name && !head.contains(">probability<"), "{head}");
    assert_eq!(get(&s, &cookie, "/o/org_a/m/Deal?cols=stage,secret").await.status, 400);
    s.stop().await;
}
