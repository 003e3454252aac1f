//! `trato studio` end to end, as a newcomer runs it: a project made by `trato init` and migrated, Studio
//! started on any free port, its printed link exchanged for a session cookie, a page read, Ctrl+C (SIGINT)
//! stopping it cleanly; and a database elsewhere refused before anything is served.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::Stdio;

use common::*;

fn http(port: u16, path: &str, cookie: Option<&str>) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    let cookie = cookie.map(|c| format!("Cookie: {c}\r\n")).unwrap_or_default();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n{cookie}\r\n"
    )
    .expect("write");
    let mut out = String::new();
    s.read_to_string(&mut out).expect("read");
    out
}

#[test]
fn studio_serves_the_project_until_interrupted() {
    let (_cluster, url) = database("studio_e2e");
    let dir = tenancy_project("studio", &url);
    exec(&url, "INSERT INTO \"Team\" (id, name) VALUES ('t1', 'Team One')");
    let mut child = clean(env!("CARGO_BIN_EXE_trato"))
        .args(["studio", "--port", "0"])
        .current_dir(&dir)
        .env("DATABASE_URL", &url)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("trato studio");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("the URL");
    let link = line.trim();
    assert!(
        link.starts_with("http://127.0.0.1:") && link.contains("/?token="),
        "{link}"
    );
    let port: u16 = link["http://127.0.0.1:".len()..]
        .split('/')
        .next()
        .and_then(|p| p.parse().ok())
        .expect("port");
    let path = &link[link.find("/?token=").expect("path")..];
    let exchange = http(port, path, None);
    assert!(exchange.starts_with("HTTP/1.1 303"), "{exchange}");
    let cookie = exchange
        .lines()
        .find_map(|l| {
            l.strip_prefix("set-cookie: ")
                .or_else(|| l.strip_prefix("Set-Cookie: "))
        })
        .and_then(|c| c.split(';').next())
        .expect("cookie")
        .to_string();
    let home = http(port, "/", Some(&cookie));
    assert!(home.starts_with("HTTP/1.1 200") && home.contains("Team One"), "{home}");
    assert!(http(port, "/", None).starts_with("HTTP/1.1 401"));
    let pid = child.id().to_string();
    let kill = std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .expect("kill");
    assert!(kill.success());
    let status = child.wait().expect("exit");
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut stderr)
        .expect("stderr");
    assert!(status.success(), "{status}: {stderr}");
    assert!(
        stderr.contains("read-write on 127.0.0.1 only") && stderr.contains("studio: stopping"),
        "{stderr}"
    );
}

#[test]
fn studio_refuses_a_database_that_is_not_on_this_machine() {
    let dir = temp_dir("studio-remote");
    let init = trato(&dir, &["init"]);
    assert!(init.status.success(), "{}", err(&init));
    let run = trato_on(
        &dir,
        "postgresql://owner:secret@db.example.com:5432/app",
        &["studio", "--port", "0"],
    );
    assert_eq!(run.status.code(), Some(1));
    let text = err(&run);
    assert!(
        text.contains("does not look like a development one") && text.contains("--force-non-dev"),
        "{text}"
    );
    assert!(!text.contains("secret"), "the password is printed: {text}");
}
