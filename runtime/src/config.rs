//! Connection configuration from a `DATABASE_URL` (and `.env`): libpq's URL plus Prisma's pool options
//! (`connection_limit`, `pool_timeout`, `connect_timeout`, `schema`) and libpq's `sslmode`/`sslrootcert`.
//! The password never appears in `Debug` output, errors or logs.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use crate::error::Error;

/// libpq's `sslmode`, as far as it applies to a client that encrypts with rustls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    /// No TLS.
    Disable,
    /// TLS when the server offers it, without verifying the certificate (libpq's default).
    Prefer,
    /// TLS required, certificate not verified.
    Require,
    /// TLS required, certificate chain verified against `sslrootcert`, host name not checked.
    VerifyCa,
    /// TLS required, certificate chain and host name verified.
    VerifyFull,
}

impl FromStr for SslMode {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        Ok(match s {
            "disable" => SslMode::Disable,
            "prefer" | "allow" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            other => {
                return Err(Error::Config(format!(
                    "sslmode `{other}` is not one of disable, prefer, require, verify-ca, verify-full"
                )))
            }
        })
    }
}

/// What a connection goes through when it is checked out again (URL parameter `recycle`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Recycle {
    /// Only checks that the connection is still open: no round trip (the default). Safe because the runtime
    /// leaves nothing on a connection between checkouts: the tenant binding is `SET LOCAL`, every
    /// transaction ends (a dropped one sends `ROLLBACK` first), and no session-level `SET` is ever issued.
    #[default]
    Fast,
    /// One empty query per checkout: notices a dead connection before handing it out.
    Verified,
    /// Resets session state per checkout (`RESET ALL`, `CLOSE ALL`, `UNLISTEN *`, advisory locks, temp
    /// tables): for applications that issue session-level `SET`s of their own, or use temporary tables
    /// (which the SQL guard then allows). Costs a round trip and seven statements on every checkout.
    Clean,
}

impl FromStr for Recycle {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        Ok(match s {
            "fast" => Recycle::Fast,
            "verified" => Recycle::Verified,
            "clean" => Recycle::Clean,
            other => {
                return Err(Error::Config(format!(
                    "recycle `{other}` is not one of fast, verified, clean"
                )))
            }
        })
    }
}

/// Everything needed to open connections and size the pool.
#[derive(Clone)]
pub struct DbConfig {
    pub(crate) pg: tokio_postgres::Config,
    /// Pool size (Prisma's `connection_limit`; default `2 * cores + 1`, as Prisma's).
    pub connection_limit: usize,
    /// How long a checkout waits for a free connection (Prisma's `pool_timeout`, seconds; default 10).
    pub pool_timeout: Duration,
    /// How long opening a connection may take (`connect_timeout`, seconds; default 5).
    pub connect_timeout: Duration,
    /// How long resetting a returned connection may take before it is discarded.
    pub recycle_timeout: Duration,
    /// What a checkout does to a pooled connection first (`recycle`; default `fast`).
    pub recycle: Recycle,
    /// `sslmode`: whether and how to use TLS.
    pub ssl_mode: SslMode,
    /// CA certificates (PEM) for `verify-ca`/`verify-full`; libpq's `~/.postgresql/root.crt` by default.
    pub ssl_root_cert: Option<PathBuf>,
    /// Prisma's `schema` parameter: the `search_path` of every connection.
    pub schema: Option<String>,
    /// Log every statement through `tracing` (target `trato_hive::query`): Prisma's `log: ['query']`.
    pub log_queries: bool,
}

impl fmt::Debug for DbConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DbConfig")
            .field("url", &self.redacted_url())
            .field("connection_limit", &self.connection_limit)
            .field("pool_timeout", &self.pool_timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("recycle", &self.recycle)
            .field("ssl_mode", &self.ssl_mode)
            .field("schema", &self.schema)
            .field("log_queries", &self.log_queries)
            .finish()
    }
}

const OUR_PARAMS: &[&str] = &[
    "connection_limit",
    "pool_timeout",
    "connect_timeout",
    "sslmode",
    "sslrootcert",
    "schema",
    "application_name",
    "options",
    "recycle",
];
/// Parameters Prisma accepts that mean nothing here; accepted so existing URLs keep working.
const IGNORED_PARAMS: &[&str] = &[
    "pgbouncer",
    "statement_cache_size",
    "socket_timeout",
    "sslaccept",
    "sslcert",
    "sslidentity",
    "sslpassword",
];

impl DbConfig {
    /// Parses a `postgresql://user:password@host:port/database?options` URL.
    pub fn from_url(url: &str) -> Result<DbConfig, Error> {
        // The password is cut out before anything else reads the URL: what parses, splits and reports on
        // the URL below never holds it, so no message can contain any of its bytes, whatever they are
        // (an unencoded `/`, `?` or `@` in it used to move the split points and leak a part).
        let (url, password) = split_password(url.trim());
        let url = url.as_str();
        if !(url.starts_with("postgresql://") || url.starts_with("postgres://")) {
            return Err(Error::Config(format!(
                "the database URL must start with postgresql:// (got `{}`)",
                redact_url(url)
            )));
        }
        let (base, query) = match url.split_once('?') {
            Some((b, q)) => (b, q),
            None => (url, ""),
        };
        let mut pg = tokio_postgres::Config::from_str(base)
            .map_err(|e| Error::Config(format!("malformed database URL `{}`: {e}", redact_url(url))))?;
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
        let mut cfg = DbConfig {
            pg: tokio_postgres::Config::new(),
            connection_limit: cores * 2 + 1,
            pool_timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(5),
            recycle_timeout: Duration::from_secs(5),
            recycle: Recycle::Fast,
            ssl_mode: SslMode::Prefer,
            ssl_root_cert: None,
            schema: None,
            // Honoured however the configuration is made (URL, environment, `.env`).
            log_queries: log_queries_requested(),
        };
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let value = percent_decode(value);
            let seconds = |v: &str| -> Result<Duration, Error> {
                v.parse::<f64>()
                    .ok()
                    .filter(|s| s.is_finite() && *s >= 0.0)
                    .map(Duration::from_secs_f64)
                    .ok_or_else(|| Error::Config(format!("`{key}` must be a number of seconds, not `{v}`")))
            };
            match key {
                "connection_limit" => {
                    cfg.connection_limit = value.parse().ok().filter(|n| *n > 0).ok_or_else(|| {
                        Error::Config(format!("connection_limit must be a positive number, not `{value}`"))
                    })?;
                }
                // Prisma: 0 means "wait forever"; we never wait forever, so 0 becomes one hour.
                "pool_timeout" => {
                    let t = seconds(&value)?;
                    cfg.pool_timeout = if t.is_zero() { Duration::from_secs(3600) } else { t };
                }
                "connect_timeout" => {
                    let t = seconds(&value)?;
                    cfg.connect_timeout = if t.is_zero() { Duration::from_secs(3600) } else { t };
                }
                "sslmode" => cfg.ssl_mode = value.parse()?,
                "sslrootcert" => cfg.ssl_root_cert = Some(PathBuf::from(value)),
                "schema" => cfg.schema = Some(value),
                "recycle" => cfg.recycle = value.parse()?,
                "application_name" => {
                    pg.application_name(&value);
                }
                "options" => {
                    pg.options(&value);
                }
                k if IGNORED_PARAMS.contains(&k) => {}
                other => {
                    return Err(Error::Config(format!(
                        "unknown database URL parameter `{other}` (supported: {})",
                        OUR_PARAMS.join(", ")
                    )))
                }
            }
        }
        if pg.get_hosts().is_empty() {
            pg.host("localhost");
        }
        if pg.get_user().is_none() {
            return Err(Error::Config(format!(
                "the database URL `{}` names no user",
                redact_url(url)
            )));
        }
        pg.connect_timeout(cfg.connect_timeout);
        pg.ssl_mode(match cfg.ssl_mode {
            SslMode::Disable => tokio_postgres::config::SslMode::Disable,
            SslMode::Prefer => tokio_postgres::config::SslMode::Prefer,
            _ => tokio_postgres::config::SslMode::Require,
        });
        if let Some(schema) = &cfg.schema {
            let quoted = schema.replace('\\', "\\\\").replace(' ', "\\ ");
            let existing = pg.get_options().unwrap_or("").to_string();
            pg.options(format!("{existing} -c search_path={quoted}").trim());
        }
        if pg.get_application_name().is_none() {
            pg.application_name("trato-hive");
        }
        if let Some(password) = password {
            pg.password(password);
        }
        cfg.pg = pg;
        Ok(cfg)
    }

    /// `DATABASE_URL` from the environment, or from `.env` in the current folder or a parent.
    pub fn from_env() -> Result<DbConfig, Error> {
        Self::from_env_var("DATABASE_URL")
    }

    /// What migrations use: `DIRECT_URL` when set (bypassing a pooler such as PgBouncer), else `DATABASE_URL`.
    pub fn direct_from_env() -> Result<DbConfig, Error> {
        match env_var("DIRECT_URL") {
            Some(_) => Self::from_env_var("DIRECT_URL"),
            None => Self::from_env(),
        }
    }

    fn from_env_var(name: &str) -> Result<DbConfig, Error> {
        let url = env_var(name)
            .ok_or_else(|| Error::Config(format!("{name} is not set (neither in the environment nor in .env)")))?;
        Self::from_url(&url)
    }

    /// The URL with the password replaced by `***`, for messages.
    pub fn redacted_url(&self) -> String {
        let host = self.host_port();
        let user = self.pg.get_user().unwrap_or("");
        let db = self.pg.get_dbname().unwrap_or("");
        let pw = if self.pg.get_password().is_some() { ":***" } else { "" };
        format!("postgresql://{user}{pw}@{host}/{db}")
    }

    /// `host:port` of the first host, for messages.
    pub fn host_port(&self) -> String {
        let host = match self.pg.get_hosts().first() {
            Some(tokio_postgres::config::Host::Tcp(h)) => h.clone(),
            Some(tokio_postgres::config::Host::Unix(p)) => p.display().to_string(),
            None => "localhost".into(),
        };
        let port = self.pg.get_ports().first().copied().unwrap_or(5432);
        format!("{host}:{port}")
    }

    /// Whether the database is on this machine: a Unix socket, `localhost`, or a loopback address (a real
    /// check: `127.example.com` is not local).
    pub fn is_local(&self) -> bool {
        let host_port = self.host_port();
        let host = match host_port.strip_prefix('[') {
            Some(v6) => v6.split(']').next().unwrap_or_default(),
            None => host_port.rsplit_once(':').map_or(host_port.as_str(), |(h, _)| h),
        };
        host.starts_with('/')
            || host.eq_ignore_ascii_case("localhost")
            || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
    }

    /// The user the pool connects as.
    pub fn user(&self) -> &str {
        self.pg.get_user().unwrap_or("")
    }

    /// The database name, when the URL names one.
    pub fn dbname(&self) -> Option<&str> {
        self.pg.get_dbname()
    }

    /// The same server and database, another login.
    pub fn with_login(&self, user: &str, password: &str) -> DbConfig {
        let mut c = self.clone();
        c.pg.user(user);
        c.pg.password(password);
        c
    }

    /// The same server and credentials, another database.
    pub fn with_dbname(&self, dbname: &str) -> DbConfig {
        let mut c = self.clone();
        c.pg.dbname(dbname);
        c
    }

    /// The password, to redact it from messages.
    pub(crate) fn password(&self) -> Option<String> {
        self.pg.get_password().map(|p| String::from_utf8_lossy(p).into_owned())
    }
}

/// Whether `TRATO_LOG_QUERIES` asks for every statement to be logged (`1` or `true`).
fn log_queries_requested() -> bool {
    env_var("TRATO_LOG_QUERIES").is_some_and(|v| v == "1" || v == "true")
}

/// What a binary's log subscriber should show, as `target=level,...` directives: `RUST_LOG` when set, else
/// the statements (`trato_hive=debug`) when `TRATO_LOG_QUERIES` asks for them; `None` for nothing. The
/// library installs no subscriber; the CLI and the examples do, with this.
pub fn log_directives() -> Option<String> {
    env_var("RUST_LOG").or_else(|| log_queries_requested().then(|| "trato_hive=debug".to_string()))
}

/// The value of `name` from the environment, else from the nearest `.env` file (current folder, then its
/// parents), as [`DbConfig::from_env`] reads `DATABASE_URL`; `None` when unset or empty.
pub fn env_var(name: &str) -> Option<String> {
    match std::env::var(name) {
        Ok(v) if !v.is_empty() => Some(v),
        _ => dotenv_lookup(name),
    }
}

/// Finds `name` in the nearest `.env` file (current folder, then parents). Environment variables win.
fn dotenv_lookup(name: &str) -> Option<String> {
    let mut dir = std::env::current_dir().ok()?;
    loop {
        let file = dir.join(".env");
        if let Ok(text) = std::fs::read_to_string(&file) {
            return parse_dotenv(&text, name);
        }
        if !dir.pop() {
            return None;
        }
    }
}

pub(crate) fn parse_dotenv(text: &str, name: &str) -> Option<String> {
    text.lines().find_map(|line| {
        let line = line.trim();
        let line = line.strip_prefix("export ").unwrap_or(line);
        let (k, v) = line.split_once('=')?;
        if k.trim() != name {
            return None;
        }
        let v = v.trim();
        let unquoted = if v.len() >= 2
            && ((v.starts_with('"') && v.ends_with('"')) || (v.starts_with('\'') && v.ends_with('\'')))
        {
            &v[1..v.len() - 1]
        } else {
            v.split(" #").next().unwrap_or(v).trim()
        };
        Some(unquoted.to_string())
    })
}

/// Where the password of a `scheme://user:password@host...` URL lies: `(start, end)` byte offsets, the
/// `:` before it and the `@` after it excluded. The password may hold unencoded `:`, `/`, `?` and `@`: it
/// ends at the last `@` followed by something shaped like a host (up to the next `/`, `?` or the end),
/// preferring one with no `?` before it (so an `@` in a query option is not taken for the end). When in
/// doubt it takes more: it is what is redacted, and redacting a little of the host is better than
/// printing a little of a password.
fn password_span(url: &str) -> Option<(usize, usize)> {
    let start = url.find("://")? + 3;
    let rest = &url[start..];
    let colon = rest.find([':', '@', '/', '?'])?;
    if rest.as_bytes()[colon] != b':' {
        return None;
    }
    let pw_start = start + colon + 1;
    let hostish = |at: usize| {
        let after = &url[at + 1..];
        let host = &after[..after.find(['/', '?']).unwrap_or(after.len())];
        !host.is_empty()
            && host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b".-_:[]%,".contains(&b))
    };
    let ats: Vec<usize> = url[pw_start..].match_indices('@').map(|(i, _)| pw_start + i).collect();
    let end = ats
        .iter()
        .rev()
        .find(|&&at| hostish(at) && !url[pw_start..at].contains('?'))
        .or_else(|| ats.iter().rev().find(|&&at| hostish(at)))
        .or(ats.last())?;
    Some((pw_start, *end))
}

/// The URL without its password (`user@host...`), and the password, percent-decoded.
fn split_password(url: &str) -> (String, Option<String>) {
    match password_span(url) {
        Some((start, end)) => (
            [&url[..start - 1], &url[end..]].concat(),
            Some(percent_decode(&url[start..end])),
        ),
        None => (url.to_string(), None),
    }
}

/// The URL with its password replaced by `***`.
pub fn redact_url(url: &str) -> String {
    match password_span(url) {
        Some((start, end)) => [&url[..start], "***", &url[end..]].concat(),
        None => url.to_string(),
    }
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = |b: u8| (b as char).to_digit(16);
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Default location of libpq's root certificate file.
pub(crate) fn default_root_cert() -> Option<PathBuf> {
    let home = std::env::var_os("HOME")?;
    let p = Path::new(&home).join(".postgresql/root.crt");
    p.exists().then_some(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_prisma_style_urls() {
        let c = DbConfig::from_url("postgresql://app:s3cr%40t@db.example:6543/trato?schema=public&connection_limit=7&pool_timeout=2&sslmode=require&connect_timeout=3&application_name=api").expect("valid");
        assert_eq!(c.connection_limit, 7);
        assert_eq!(c.pool_timeout, Duration::from_secs(2));
        assert_eq!(c.connect_timeout, Duration::from_secs(3));
        assert_eq!(c.ssl_mode, SslMode::Require);
        assert_eq!(c.schema.as_deref(), Some("public"));
        assert_eq!(c.host_port(), "db.example:6543");
        assert_eq!(c.password().as_deref(), Some("s3cr@t"));
        assert_eq!(c.pg.get_application_name(), Some("api"));
        assert_eq!(c.redacted_url(), "postgresql://app:***@db.example:6543/trato");
        let debug = format!("{c:?}");
        assert!(!debug.contains("s3cr"), "{debug}");
    }

    #[test]
    fn rejects_bad_urls_without_leaking_the_password() {
        for url in [
            "mysql://u:hunter2@h/db",
            "postgresql://u:hunter2@h:notaport/db",
            "postgresql://u:hunter2@h/db?connection_limit=zero",
            "postgresql://u:hunter2@h/db?sslmode=sometimes",
            "postgresql://u:hunter2@h/db?frobnicate=1",
        ] {
            let err = DbConfig::from_url(url).expect_err(url);
            let text = format!("{err} {err:?}");
            assert!(!text.contains("hunter2"), "{text}");
            assert!(matches!(err, Error::Config(_)), "{url}: {err:?}");
        }
    }

    #[test]
    fn pool_timeout_zero_never_means_forever() {
        let c = DbConfig::from_url("postgresql://u@h/db?pool_timeout=0").expect("valid");
        assert_eq!(c.pool_timeout, Duration::from_secs(3600));
    }

    #[test]
    fn reads_dotenv_lines() {
        let text = "# comment\nexport DATABASE_URL=\"postgresql://a@b/c\"\nOTHER=1 # note\n";
        assert_eq!(
            parse_dotenv(text, "DATABASE_URL").as_deref(),
            Some("postgresql://a@b/c")
        );
        assert_eq!(parse_dotenv(text, "OTHER").as_deref(), Some("1"));
        assert_eq!(parse_dotenv(text, "MISSING"), None);
    }

    #[test]
    fn redacts_urls() {
        assert_eq!(redact_url("postgresql://u:p@h:1/d?x=1"), "postgresql://u:***@h:1/d?x=1");
        assert_eq!(redact_url("postgresql://u@h/d"), "postgresql://u@h/d");
        assert_eq!(redact_url("postgresql://u:p@w@h/d"), "postgresql://u:***@h/d");
        assert_eq!(redact_url("postgresql://u:p/w@h/d"), "postgresql://u:***@h/d");
        // Ambiguous (a `?` in the password and an `@` in the query): more is redacted, nothing leaks.
        assert_eq!(
            redact_url("postgresql://u:p?w@h/d?application_name=a@b"),
            "postgresql://u:***@b"
        );
        assert_eq!(
            redact_url("postgresql://u:pw@h/d?application_name=a@b"),
            "postgresql://u:***@h/d?application_name=a@b"
        );
    }

    /// Every printable ASCII byte, unencoded, in every position of a password: neither the error nor the
    /// `Debug` output of the configuration, nor the redacted URL, shows a run of 3 or more of its bytes.
    #[test]
    fn no_password_byte_leaks_whatever_it_holds() {
        let specials: Vec<char> = (0x21u8..0x7f).map(char::from).collect();
        for c in specials {
            for pw in [format!("{c}zq7{c}x9w"), format!("zq7{c}{c}x9w"), format!("zq7x9w{c}")] {
                for tail in ["/db", "/db?sslmode=bogus", ":notaport/db", "/db?connection_limit=2"] {
                    let url = format!("postgresql://app:{pw}@db.example{tail}");
                    let shown = match DbConfig::from_url(&url) {
                        Ok(cfg) => format!("{cfg:?} {}", cfg.redacted_url()),
                        Err(e) => format!("{e} {e:?}"),
                    };
                    let shown = format!("{shown} {}", redact_url(&url));
                    for frag in ["zq7", "x9w"] {
                        assert!(!shown.contains(frag), "{url}: {shown}");
                    }
                }
            }
        }
    }

    #[test]
    fn an_unencoded_password_still_connects_with_the_right_bytes() {
        for pw in ["p/w", "p?w", "p@w", "p:w", "a/b?c@d"] {
            let c = DbConfig::from_url(&format!("postgresql://app:{pw}@h:5433/db?connection_limit=3")).expect(pw);
            assert_eq!(c.password().as_deref(), Some(pw));
            assert_eq!(c.host_port(), "h:5433");
            assert_eq!(c.dbname(), Some("db"));
            assert_eq!(c.connection_limit, 3);
        }
    }
}
