//! Studio over HTTP (the acceptance tests of `studio.md` §5.2 that need no browser), against Studio
//! started in-process on port 0 over a fresh database of the project's schema, two organizations seeded.
//! Requests are written by hand on a TCP socket, so each header is exactly what a browser or an attacker
//! would send.

use std::net::SocketAddr;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
mod common;

use common::studio;
use trato_hive_runtime::Migrator;
use trato_studio::{Config, Studio};
use trato_tests::TestDb;

struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

async fn send(addr: SocketAddr, method: &str, path: &str, headers: &[(&str, String)]) -> Reply {
    send_body(addr, method, path, headers, "").await
}

async fn send_body(addr: SocketAddr, method: &str, path: &str, headers: &[(&str, String)], body: &str) -> Reply {
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    if !body.is_empty() {
        req.push_str("Content-Type: application/x-www-form-urlencoded\r\n");
    }
    if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("host")) {
        req.push_str(&format!("Host: 127.0.0.1:{}\r\n", addr.port()));
    }
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    req.push_str(body);
    stream.write_all(req.as_bytes()).await.expect("write");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.expect("read");
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    // Chunked bodies keep their chunk sizes in `body`: the tests only search it.
    Reply {
        status,
        headers,
        body: body.to_string(),
    }
}

/// The session cookie, from the token exchange.
async fn login(s: &Studio) -> String {
    let r = send(s.addr, "GET", &format!("/?token={}", s.token), &[]).await;
    assert_eq!(r.status, 303);
    let set = r.header("set-cookie").expect("cookie").to_string();
    set.split(';').next().expect("pair").to_string()
}

async fn get(s: &Studio, cookie: &str, path: &str) -> Reply {
    send(s.addr, "GET", path, &[("Cookie", cookie.to_string())]).await
}

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
        assert!(
            !r.body.contains("<script>") && !r.body.contains("<script "),
            "{path}: an inline script"
        );
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

/// The JSON of a response body that may be chunked (`size\r\n...\r\n0`).
fn json_body(body: &str) -> &str {
    let start = body.find('[').unwrap_or(0);
    let end = body.rfind(']').map_or(body.len(), |e| e + 1);
    &body[start..end]
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

/// A form post from a Studio page (same Origin, the session cookie).
async fn post(s: &Studio, cookie: &str, path: &str, form: &[(&str, &str)]) -> Reply {
    let body = serde_urlencoded::to_string(form).expect("form");
    let origin = format!("http://127.0.0.1:{}", s.addr.port());
    send_body(
        s.addr,
        "POST",
        path,
        &[("Cookie", cookie.to_string()), ("Origin", origin)],
        &body,
    )
    .await
}

/// The value of the hidden input `name` of a page.
fn hidden(body: &str, name: &str) -> String {
    let at = body
        .find(&format!("name=\"{name}\" value=\""))
        .unwrap_or_else(|| panic!("no {name} in {body}"));
    let rest = &body[at + name.len() + 15..];
    rest.split('"').next().unwrap_or_default().to_string()
}

async fn scalar(t: &TestDb, sql: &str) -> String {
    t.pool("")
        .conn()
        .await
        .expect("conn")
        .query_one(sql, &[])
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e:?}"))
        .get::<_, Option<String>>(0)
        .unwrap_or_else(|| "NULL".into())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_record_is_edited_in_one_audited_transaction_and_values_round_trip() {
    let (t, s) = studio(false).await;
    let cookie = login(&s).await;
    let page = get(&s, &cookie, "/o/org_a/m/Deal/r/d_a1").await;
    assert!(page.body.contains("name=\"f.stage\""), "{}", page.body);
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

/// The elements of `svg` are balanced (every opened tag closed in order): well-formed enough to parse.
fn balanced(svg: &str) -> bool {
    let mut stack: Vec<String> = Vec::new();
    let mut rest = svg;
    while let Some(start) = rest.find('<') {
        let Some(end) = rest[start..].find('>') else {
            return false;
        };
        let tag = &rest[start + 1..start + end];
        rest = &rest[start + end + 1..];
        if let Some(name) = tag.strip_prefix('/') {
            if stack.pop().as_deref() != Some(name.trim()) {
                return false;
            }
        } else if !tag.ends_with('/') {
            stack.push(tag.split_whitespace().next().unwrap_or_default().to_string());
        }
    }
    stack.is_empty()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_schema_diagram_draws_every_model_once_without_overlaps() {
    let (_t, s) = studio(false).await;
    let cookie = login(&s).await;
    let page = get(&s, &cookie, "/o/org_a/diagram").await;
    assert_eq!(page.status, 200);
    let start = page.body.find("<svg").expect("svg");
    let end = page.body.rfind("</svg>").expect("end") + "</svg>".len();
    let svg = &page.body[start..end];
    assert!(balanced(svg), "not well-formed");
    let schema =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../schema/schema.prisma"))
            .expect("schema");
    let models: Vec<&str> = schema
        .lines()
        .filter_map(|l| l.strip_prefix("model "))
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert!(models.len() >= 10);
    let mut boxes = Vec::new();
    for m in &models {
        let at = svg
            .find(&format!("<g id=\"model-{m}\""))
            .unwrap_or_else(|| panic!("no box for {m}"));
        assert_eq!(svg.matches(&format!("<g id=\"model-{m}\"")).count(), 1, "{m}");
        let g = &svg[at..];
        let num = |attr: &str| -> f64 {
            let i = g.find(&format!("{attr}=\"")).expect(attr) + attr.len() + 2;
            g[i..].split('"').next().and_then(|v| v.parse().ok()).expect("number")
        };
        boxes.push((m, num("data-x"), num("data-y"), num("data-w"), num("data-h")));
        let href = g
            .find("href=\"")
            .map(|i| &g[i + 6..])
            .and_then(|h| h.split('"').next())
            .expect("link");
        assert!(href.ends_with(&format!("/m/{m}")), "{m}: {href}");
    }
    for (i, a) in boxes.iter().enumerate() {
        for b in &boxes[i + 1..] {
            let apart = a.1 + a.3 <= b.1 || b.1 + b.3 <= a.1 || a.2 + a.4 <= b.2 || b.2 + b.4 <= a.2;
            assert!(apart, "{} and {} overlap", a.0, b.0);
        }
    }
    // One edge per foreign key of the schema (relation fields with `fields:`), the tenant's own excepted.
    let fks = schema
        .lines()
        .filter(|l| l.contains("@relation(") && l.contains("fields:") && !l.trim_start().starts_with("organization "))
        .count();
    assert_eq!(svg.matches("class=\"edge\"").count(), fks, "{svg}");
    // The root is on top.
    let root = boxes.iter().find(|b| *b.0 == "Organization").expect("root");
    assert!(boxes.iter().all(|b| b.2 >= root.2));
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_view_inspected_gives_its_sql_its_plan_and_a_repository_call_that_returns_the_same_rows() {
    use trato_hive_db::runtime::Query;
    use trato_hive_db::{Deal, DealStage};
    let (t, s) = studio(false).await;
    let cookie = login(&s).await;
    t.pool("")
        .conn()
        .await
        .expect("conn")
        .batch_execute(
            "INSERT INTO deals (id, organization_id, name, stage, updated_at)
               SELECT 'q' || i, 'org_a', 'deal ' || (100 - i), (ARRAY['SOURCING','CLOSING'])[1 + i % 2]::\"DealStage\", now()
               FROM generate_series(1, 40) i",
        )
        .await
        .expect("rows");
    let view = "w=stage.eq.SOURCING&sort=name";
    let page = get(&s, &cookie, &format!("/o/org_a/m/Deal/inspect?{view}")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let body = page
        .body
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"");
    assert!(body.contains("\"organization_id\" = $1::text::text"), "{body}");
    assert!(body.contains("\"Plan\"") && body.contains("organization_id"), "{body}");
    let call = "scope.repo::<Deal>().find_many(Query::new().filter(Deal::STAGE.eq(DealStage::Sourcing)).order_by(Deal::NAME.asc()).order_by(Deal::ID.asc()).take(50)).await?";
    assert!(body.contains(call), "{body}");
    // That call, run as the application runs it, returns the grid's rows in the grid's order. (Studio's
    // login restricted CONNECT to the database's own application roles, as a deploy does: the test's
    // application login gets it back.)
    t.pool("")
        .conn()
        .await
        .expect("conn")
        .batch_execute(&format!(
            "GRANT CONNECT ON DATABASE {} TO {}",
            t.name,
            trato_tests::harness::APP_LOGIN
        ))
        .await
        .expect("grant");
    let db = t.app_pool("");
    let scope = trato_hive_db::system(&db, "studio test")
        .tenant("org_a")
        .await
        .expect("scope");
    let rows = scope
        .repo::<Deal>()
        .find_many(
            Query::new()
                .filter(Deal::STAGE.eq(DealStage::Sourcing))
                .order_by(Deal::NAME.asc())
                .order_by(Deal::ID.asc())
                .take(50),
        )
        .await
        .expect("the repository call");
    let ids: Vec<String> = rows.into_iter().map(|d| d.id).collect();
    let grid: Vec<serde_json::Value> = serde_json::from_str(json_body(
        &get(&s, &cookie, &format!("/o/org_a/m/Deal?{view}&format=json"))
            .await
            .body,
    ))
    .expect("json");
    let grid_ids: Vec<String> = grid
        .iter()
        .map(|r| r["id"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(ids.len(), 22);
    assert_eq!(ids, grid_ids);
    s.stop().await;
}

/// A schema of its own with `@@membership` (this repository's schema wires its membership by hand).
const TEAMS: &str = r#"
datasource db {
  provider = "postgresql"
  url      = env("DATABASE_URL")
}

model User {
  id          String       @id
  email       String       @unique
  memberships Membership[]

  @@global
}

model Team {
  id          String       @id
  name        String
  memberships Membership[]
  notes       Note[]

  @@tenantRoot
  @@writableBy([OWNER])
}

enum Role {
  OWNER
  MEMBER
  VIEWER
}

model Membership {
  id     String @id
  teamId String
  userId String
  role   Role   @default(MEMBER)
  team   Team   @relation(fields: [teamId], references: [id], onDelete: Cascade)
  user   User   @relation(fields: [userId], references: [id], onDelete: Cascade)

  @@unique([teamId, userId])
  @@tenant(teamId)
  @@membership(user: userId, role: role, readOnly: [VIEWER])
  @@writableBy([OWNER])
}

model Note {
  id     String @id
  teamId String
  body   String
  team   Team   @relation(fields: [teamId], references: [id], onDelete: Cascade)

  @@tenant(teamId)
}
"#;

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
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sql_console_runs_in_the_organizations_scope_read_only() {
    let (t, s) = studio(false).await;
    let cookie = login(&s).await;
    let run = |sql: &'static str| {
        let (cookie, csrf) = (cookie.clone(), s.csrf().to_string());
        let s = &s;
        async move { post(s, &cookie, "/o/org_a/sql", &[("csrf", &csrf), ("sql", sql)]).await }
    };
    // RLS in force: org A's count, not the table's.
    let count = run("SELECT count(*) AS n FROM deals -- every deal?").await;
    assert_eq!(count.status, 200, "{}", count.body);
    assert!(count.body.contains("<td>2</td>"), "{}", count.body);
    // READ ONLY, and the guard: nothing written, no re-binding.
    for write in [
        "UPDATE deals SET name = 'x' RETURNING id",
        "WITH u AS (UPDATE deals SET name = 'x' RETURNING id) SELECT * FROM u",
    ] {
        let r = run(write).await;
        assert!(
            r.status == 200 && r.body.contains("class=\"banner danger\""),
            "{write}: {}",
            r.body
        );
    }
    let rebind = run("SELECT set_config('trato.tenant_id', 'org_b', true)").await;
    assert!(rebind.body.contains("refused"), "{}", rebind.body);
    let n: i64 = t
        .pool("")
        .conn()
        .await
        .expect("conn")
        .query_one("SELECT count(*) FROM deals WHERE name = 'x'", &[])
        .await
        .expect("n")
        .get(0);
    assert_eq!(n, 0);
    assert_eq!(
        post(&s, &cookie, "/o/org_a/sql", &[("sql", "SELECT 1")]).await.status,
        403,
        "no CSRF field"
    );
    s.stop().await;
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
async fn the_migrations_page_tells_applied_pending_edited_and_missing_apart_and_changes_nothing() {
    let t = TestDb::empty().await;
    let dir = std::env::temp_dir().join(format!("studio-migrations-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let migrations = dir.join("migrations");
    let write = |name: &str, sql: &str| {
        std::fs::create_dir_all(migrations.join(name)).expect("folder");
        std::fs::write(migrations.join(name).join("migration.sql"), sql).expect("sql");
    };
    std::fs::create_dir_all(&dir).expect("dir");
    std::fs::write(dir.join("schema.prisma"), TEAMS).expect("schema");
    let ddl = trato_codegen::ddl(TEAMS).expect("ddl");
    write("20260101000000_init", &ddl);
    std::fs::write(migrations.join("20260101000000_init/down.sql"), "DROP TABLE \"Note\";").expect("down");
    write("20260102000000_index", "CREATE INDEX note_body ON \"Note\" (body);");
    let cfg = trato_hive_runtime::DbConfig::from_url(&format!("{}?sslmode=disable", t.url)).expect("url");
    Migrator::from_dir(&migrations)
        .expect("migrations")
        .deploy(&cfg)
        .await
        .expect("deploy");
    // Then: the first edited, the second gone, a third added.
    std::fs::write(
        migrations.join("20260101000000_init/migration.sql"),
        format!("{ddl}\n-- edited"),
    )
    .expect("edit");
    std::fs::remove_dir_all(migrations.join("20260102000000_index")).expect("remove");
    write("20260103000000_more", "CREATE INDEX ON \"Note\" (\"teamId\");");
    let s = trato_studio::start(Config {
        schema: dir.join("schema.prisma"),
        db: cfg.clone(),
        port: 0,
        read_only: false,
        force_non_dev: false,
        audit_log: None,
    })
    .await
    .expect("studio");
    let cookie = login(&s).await;
    let history = |t: &TestDb| {
        let t = t.pool("");
        async move {
            t.conn()
                .await
                .expect("conn")
                .query_one("SELECT count(*) FROM _trato_migrations", &[])
                .await
                .expect("n")
                .get::<_, i64>(0)
        }
    };
    let before = history(&t).await;
    let page = get(&s, &cookie, "/migrations").await;
    assert_eq!(page.status, 200, "{}", page.body);
    let row = |name: &str| -> String {
        let at = page
            .body
            .find(&format!("id=\"migration-{name}\""))
            .unwrap_or_else(|| panic!("no row {name}: {}", page.body));
        page.body[at..].split("</tr>").next().unwrap_or_default().to_string()
    };
    assert!(
        row("20260101000000_init").contains("edited after it was applied"),
        "{}",
        row("20260101000000_init")
    );
    assert!(row("20260101000000_init").contains("<td>yes</td>"), "down.sql");
    assert!(row("20260102000000_index").contains("applied, missing here"));
    assert!(row("20260103000000_more").contains("pending"));
    assert!(
        row("20260103000000_more").contains("L00"),
        "the lint speaks about a plain CREATE INDEX: {}",
        row("20260103000000_more")
    );
    assert_eq!(history(&t).await, before, "the page applied or recorded something");
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
