//! What the Studio tests share: a fresh database of the project's schema with two organizations, and
//! Studio started on it in-process.
#![allow(dead_code)]

use std::net::SocketAddr;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use trato_studio::{Config, Studio};
use trato_tests::TestDb;

/// A fresh database with two organizations (A with a member), and Studio on it.
pub async fn studio(read_only: bool) -> (TestDb, Studio) {
    let t = TestDb::new().await;
    t.pool("")
        .conn()
        .await
        .expect("conn")
        .batch_execute(
            "INSERT INTO users (id, email, updated_at) VALUES ('u_a', 'a@a', now());
             INSERT INTO organizations (id, name, slug, updated_at) VALUES ('org_a', 'Alpha', 'a', now()), ('org_b', 'Beta', 'b', now());
             INSERT INTO companies (id, organization_id, name, updated_at) VALUES
               ('c_a', 'org_a', 'Acme', now()), ('c_b', 'org_b', 'Bolt', now());
             INSERT INTO deals (id, organization_id, company_id, name, updated_at) VALUES
               ('d_a1', 'org_a', 'c_a', 'Alpha one', now()), ('d_a2', 'org_a', 'c_a', 'Alpha two', now()),
               ('d_b1', 'org_b', 'c_b', 'Beta one', now());",
        )
        .await
        .expect("seed");
    let studio = trato_studio::start(Config {
        schema: std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../schema/schema.prisma"),
        db: trato_hive_runtime::DbConfig::from_url(&format!("{}?sslmode=disable", t.url)).expect("url"),
        port: 0,
        read_only,
        force_non_dev: false,
        audit_log: Some("Activity".into()),
    })
    .await
    .expect("studio starts");
    (t, studio)
}

pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

pub async fn send(addr: SocketAddr, method: &str, path: &str, headers: &[(&str, String)]) -> Reply {
    send_body(addr, method, path, headers, "").await
}

pub async fn send_body(addr: SocketAddr, method: &str, path: &str, headers: &[(&str, String)], body: &str) -> Reply {
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
pub async fn login(s: &Studio) -> String {
    let r = send(s.addr, "GET", &format!("/?token={}", s.token), &[]).await;
    assert_eq!(r.status, 303);
    let set = r.header("set-cookie").expect("cookie").to_string();
    set.split(';').next().expect("pair").to_string()
}

pub async fn get(s: &Studio, cookie: &str, path: &str) -> Reply {
    send(s.addr, "GET", path, &[("Cookie", cookie.to_string())]).await
}

/// The JSON of a response body that may be chunked (`size\r\n...\r\n0`).
pub fn json_body(body: &str) -> &str {
    let start = body.find('[').unwrap_or(0);
    let end = body.rfind(']').map_or(body.len(), |e| e + 1);
    &body[start..end]
}

/// A form post from a Studio page (same Origin, the session cookie).
pub async fn post(s: &Studio, cookie: &str, path: &str, form: &[(&str, &str)]) -> Reply {
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
pub fn hidden(body: &str, name: &str) -> String {
    let at = body
        .find(&format!("name=\"{name}\" value=\""))
        .unwrap_or_else(|| panic!("no {name} in {body}"));
    let rest = &body[at + name.len() + 15..];
    rest.split('"').next().unwrap_or_default().to_string()
}

pub async fn scalar(t: &TestDb, sql: &str) -> String {
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

/// The elements of `svg` are balanced (every opened tag closed in order): well-formed enough to parse.
pub fn balanced(svg: &str) -> bool {
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

/// A schema of its own with `@@membership` (this repository's schema wires its membership by hand).
pub const TEAMS: &str = r#"
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
