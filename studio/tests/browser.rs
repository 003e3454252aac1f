//! Studio in a real browser: Debian's `chromium` driven through `chromedriver` (W3C WebDriver, the
//! `fantoccini` client), headless, as root and offline. The few things only a browser shows: the token's
//! cookie kept and the address bar cleaned, stored HTML staying text (no dialog, no request), navigation by
//! clicks, an edit typed into the form and saved, Discard. Under `CI=true` a missing browser fails the
//! test; elsewhere it says loudly how to install one and passes.

mod common;

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::key::Key;
use fantoccini::{Client, ClientBuilder, Locator};

const CHROMIUM: &str = "/usr/bin/chromium";
const DRIVER: &str = "/usr/bin/chromedriver";

/// chromedriver on a free port, with the browser profile it uses; when dropped (a failed test too), it
/// is asked to shut down (its browsers with it), then killed, and the profile removed.
struct Driver(Child, u16, std::path::PathBuf);

impl Drop for Driver {
    fn drop(&mut self) {
        use std::io::Write as _;
        if let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", self.1)) {
            let _ = write!(
                s,
                "GET /shutdown HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
            );
            let _ = std::io::Read::read_to_end(&mut s, &mut Vec::new());
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
        let _ = std::fs::remove_dir_all(&self.2);
    }
}

/// A browser, or `None` (after saying why) when this machine has none and this is not CI.
async fn browser() -> Option<(Driver, Client)> {
    if !std::path::Path::new(CHROMIUM).exists() || !std::path::Path::new(DRIVER).exists() {
        let hint = "Studio's browser tests need Debian's chromium and chromium-driver: apt-get install chromium chromium-driver";
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("{hint}");
        }
        eprintln!("\n!!! SKIPPED: {hint}\n");
        return None;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .ok()?
        .local_addr()
        .ok()?
        .port();
    let child = Command::new(DRIVER)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver");
    let profile = std::env::temp_dir().join(format!("studio-chromium-{}-{port}", std::process::id()));
    let driver = Driver(child, port, profile.clone());
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": CHROMIUM,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                     "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--window-size=1280,900", format!("--user-data-dir={}", profile.display())]
        }),
    );
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    let url = format!("http://127.0.0.1:{port}");
    for _ in 0..50 {
        match ClientBuilder::new(connector.clone())
            .capabilities(caps.clone())
            .connect(&url)
            .await
        {
            Ok(client) => return Some((driver, client)),
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
    panic!("chromedriver did not answer on {url}");
}

/// Where the browser is, without the origin.
async fn path(c: &Client) -> String {
    let url = c.current_url().await.expect("url");
    format!(
        "{}{}",
        url.path(),
        url.query().map(|q| format!("?{q}")).unwrap_or_default()
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_browser_browses_edits_and_never_runs_stored_html() {
    let Some((_driver, c)) = browser().await else { return };
    let (t, s) = common::studio(false).await;
    let admin = t.pool("").conn().await.expect("conn");
    admin
        .batch_execute(
            "INSERT INTO companies (id, organization_id, name, updated_at) VALUES
               ('c_x', 'org_a', '<img src=x onerror=alert(1)><b hx-get=\"/x\" hx-trigger=\"load\">x</b>', now());",
        )
        .await
        .expect("hostile row");
    // The link: a cookie, and the address bar without the token.
    c.goto(&s.url_for("/o/org_a")).await.expect("open");
    assert_eq!(path(&c).await, "/o/org_a");
    let cookie = c.get_named_cookie("studio_session").await.expect("cookie");
    assert_eq!(
        (cookie.http_only(), cookie.same_site().map(|s| s.to_string())),
        (Some(true), Some("Strict".into()))
    );
    // The sidebar's counts are this organization's.
    let deal_link = c
        .find(Locator::Css("nav a[href='/o/org_a/m/Deal']"))
        .await
        .expect("Deal in the sidebar");
    assert!(deal_link.text().await.expect("text").contains('2'));
    // Ctrl+K finds a model: typing keeps the matching ones, Enter opens the first.
    c.find(Locator::Css("body"))
        .await
        .expect("body")
        .send_keys(&(Key::Control + "k"))
        .await
        .expect("ctrl+k");
    let search = c.active_element().await.expect("focused");
    assert_eq!(search.attr("id").await.expect("id").as_deref(), Some("model-search"));
    search.send_keys("chunk").await.expect("type");
    let visible = c
        .execute("return Array.from(document.querySelectorAll('nav a.tenant, nav a.global')).filter(a => !a.hidden).map(a => a.textContent.trim())", vec![])
        .await
        .expect("script");
    assert_eq!(visible.as_array().map(Vec::len), Some(1), "{visible}");
    search.send_keys(&Key::Enter.to_string()).await.expect("enter");
    assert_eq!(path(&c).await, "/o/org_a/m/DocumentChunk");
    // Stored HTML is text: no dialog, no element made from it, no request it asked for.
    c.goto(&format!("http://127.0.0.1:{}/o/org_a/m/Company", s.addr.port()))
        .await
        .expect("companies");
    assert!(c.get_alert_text().await.is_err(), "a dialog opened");
    assert!(
        c.find(Locator::Css("img[src='x']")).await.is_err(),
        "the stored <img> became an element"
    );
    let shown = c
        .find(Locator::Css("table.grid"))
        .await
        .expect("grid")
        .text()
        .await
        .expect("text");
    assert!(shown.contains("<img src=x onerror=alert(1)>"), "{shown}");
    let requested: bool = c
        .execute(
            "return performance.getEntriesByType('resource').some(e => e.name.endsWith('/x'))",
            vec![],
        )
        .await
        .expect("script")
        .as_bool()
        .unwrap_or(true);
    assert!(!requested, "the page requested /x");
    // Navigation: the company's deal count opens the deals of that company; a deal's company cell opens it.
    c.find(Locator::Css("a[href='/o/org_a/m/Deal?w=companyId.eq.c_a']"))
        .await
        .expect("count link")
        .click()
        .await
        .expect("click");
    assert_eq!(path(&c).await, "/o/org_a/m/Deal?w=companyId.eq.c_a");
    let rows = c.find_all(Locator::Css("table.grid tbody tr")).await.expect("rows");
    assert_eq!(rows.len(), 2);
    c.find(Locator::LinkText("Acme"))
        .await
        .expect("company cell shows the label")
        .click()
        .await
        .expect("click");
    assert_eq!(path(&c).await, "/o/org_a/m/Company/r/c_a");
    // An edit typed into the form and saved: one transaction, one audit row.
    c.goto(&format!("http://127.0.0.1:{}/o/org_a/m/Deal/r/d_a2", s.addr.port()))
        .await
        .expect("record");
    let name = c.find(Locator::Css("input[name='f.name']")).await.expect("name input");
    name.clear().await.expect("clear");
    name.send_keys("Alpha two, renamed").await.expect("type");
    c.find(Locator::Css("select[name='f.stage'] option[value='NEGOTIATION']"))
        .await
        .expect("option")
        .click()
        .await
        .expect("pick");
    // Saved from the keyboard (Ctrl+S, the page's own script).
    name.send_keys(&(Key::Control + "s")).await.expect("ctrl+s");
    if c.wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css(".banner.saved"))
        .await
        .is_err()
    {
        panic!(
            "not saved: at {}: {}",
            path(&c).await,
            c.source().await.unwrap_or_default()
        );
    }
    let row = admin
        .query_one("SELECT name, stage::text FROM deals WHERE id = 'd_a2'", &[])
        .await
        .expect("row");
    assert_eq!(
        (row.get::<_, String>(0), row.get::<_, String>(1)),
        ("Alpha two, renamed".into(), "NEGOTIATION".into())
    );
    let audits: i64 = admin
        .query_one(
            "SELECT count(*) FROM activities WHERE metadata->>'source' = 'studio'",
            &[],
        )
        .await
        .expect("audit")
        .get(0);
    assert_eq!(audits, 1);
    // Discard: typed, then discarded: the rendered values come back and nothing is written.
    let name = c.find(Locator::Css("input[name='f.name']")).await.expect("name input");
    name.clear().await.expect("clear");
    name.send_keys("never saved").await.expect("type");
    c.find(Locator::LinkText("Discard"))
        .await
        .expect("discard")
        .click()
        .await
        .expect("click");
    let value = c
        .find(Locator::Css("input[name='f.name']"))
        .await
        .expect("input")
        .prop("value")
        .await
        .expect("value");
    assert_eq!(value.as_deref(), Some("Alpha two, renamed"));
    let name_now: String = admin
        .query_one("SELECT name FROM deals WHERE id = 'd_a2'", &[])
        .await
        .expect("row")
        .get(0);
    assert_eq!(name_now, "Alpha two, renamed");
    // Undo of the last edit, from the saved banner: the name and the stage come back.
    c.goto(&format!(
        "http://127.0.0.1:{}/o/org_a/m/Deal/r/d_a2?saved=2",
        s.addr.port()
    ))
    .await
    .expect("saved page");
    c.find(Locator::Css(".banner.saved button"))
        .await
        .expect("undo button")
        .click()
        .await
        .expect("undo");
    // (The page before the click had a saved banner too: wait for the undo's own page.)
    for _ in 0..100 {
        if path(&c).await.ends_with("saved=undone") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        path(&c).await.ends_with("saved=undone"),
        "{}",
        c.source().await.unwrap_or_default()
    );
    let row = admin
        .query_one("SELECT name, stage::text FROM deals WHERE id = 'd_a2'", &[])
        .await
        .expect("row");
    assert_eq!(
        (row.get::<_, String>(0), row.get::<_, String>(1)),
        ("Alpha two".into(), "SOURCING".into())
    );
    // A view's URL is shareable: a second browser with the session cookie opens the same rows.
    let cookie = c.get_named_cookie("studio_session").await.expect("cookie");
    let Some((_driver2, c2)) = browser().await else { return };
    c2.goto(&format!("http://127.0.0.1:{}/assets/studio.css", s.addr.port()))
        .await
        .expect("the origin");
    c2.add_cookie(cookie.into_owned()).await.expect("cookie");
    c2.goto(&format!(
        "http://127.0.0.1:{}/o/org_a/m/Deal?w=companyId.eq.c_a",
        s.addr.port()
    ))
    .await
    .expect("shared view");
    let shared = c2.find_all(Locator::Css("table.grid tbody tr")).await.expect("rows");
    assert_eq!(shared.len(), 2);
    c2.close().await.expect("close");
    // A page edited as one form: two cells of two rows, counted, saved together (one transaction).
    c.goto(&format!("http://127.0.0.1:{}/o/org_a/m/Deal?edit=1", s.addr.port()))
        .await
        .expect("edit page");
    c.find(Locator::Css("select[name='r.d_a1.stage'] option[value='CLOSING']"))
        .await
        .expect("option")
        .click()
        .await
        .expect("pick");
    let other = c
        .find(Locator::Css("input[name='r.d_a2.currency']"))
        .await
        .expect("currency");
    other.clear().await.expect("clear");
    other.send_keys("EUR").await.expect("type");
    let label = c
        .find(Locator::Css("form.batch button[type='submit']"))
        .await
        .expect("button")
        .text()
        .await
        .expect("text");
    assert_eq!(label, "Save 2 changes");
    c.find(Locator::Css("form.batch button[type='submit']"))
        .await
        .expect("button")
        .click()
        .await
        .expect("save");
    c.wait()
        .for_element(Locator::Css(".banner.saved"))
        .await
        .expect("saved");
    let xmins: Vec<String> = admin
        .query(
            "SELECT xmin::text FROM deals WHERE id IN ('d_a1', 'd_a2') AND (stage = 'CLOSING' OR currency = 'EUR')",
            &[],
        )
        .await
        .expect("rows")
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert!(xmins.len() == 2 && xmins[0] == xmins[1], "{xmins:?}");
    // Screenshots for a person to look at (kept in the target folder).
    let shots = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("studio-shots");
    std::fs::create_dir_all(&shots).expect("folder");
    for (name, page) in [
        ("grid", "/o/org_a/m/Deal"),
        ("record", "/o/org_a/m/Deal/r/d_a1"),
        ("health", "/health"),
        ("diagram", "/o/org_a/diagram"),
        ("edit-page", "/o/org_a/m/Deal?edit=1"),
    ] {
        c.goto(&format!("http://127.0.0.1:{}{page}", s.addr.port()))
            .await
            .expect("page");
        std::fs::write(shots.join(format!("{name}.png")), c.screenshot().await.expect("png")).expect("write");
    }
    c.close().await.expect("close");
    s.stop().await;
}
