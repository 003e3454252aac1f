//! Pagination: the spec's page helper (items and total read in one snapshot) and keyset pagination with an
//! opaque cursor, signed (HMAC-SHA256) and bound to its tenant, model and direction, so that a tampered or
//! foreign cursor is an error rather than another tenant's page.

use std::sync::OnceLock;

use sha2::Sha256;
use tokio_postgres::types::ToSql;

use crate::error::Error;
use crate::exec::Executor;
use crate::meta::{Key, Model, TenantOwned};
use crate::query::{Filter, Node, ParamBox, Query};
use crate::repo::{Include, Repo};
use crate::scope::{Access, TenantScope};
use crate::tx::TxOptions;
use crate::unique::Unique;

/// One page, as the spec's `paginateDeals` returns it.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// The rows of this page.
    pub items: Vec<T>,
    /// 1-based.
    pub page: i64,
    /// Rows per page.
    pub page_size: i64,
    /// Rows matching the query, on every page.
    pub total: i64,
    /// Pages at this size.
    pub total_pages: i64,
}

impl<A: Access> TenantScope<A> {
    /// Page `page` (1-based) of the rows `query` selects (its skip and take are replaced), with `include`
    /// loaded, and the total: both read in one REPEATABLE READ snapshot, so the total matches the items.
    /// `query` is a function because the filter is used twice (for the items and for the count).
    pub async fn paginate<M, I>(
        &self,
        query: impl Fn() -> Query<M> + Sync,
        page: i64,
        page_size: i64,
        include: I,
    ) -> Result<Page<(M, I::Out)>, Error>
    where
        M: TenantOwned,
        I: Include<M> + Clone + 'static,
    {
        let page = page.max(1);
        let page_size = page_size.clamp(1, 10_000);
        // Boxed, so that the call is `Send` (a web handler's): the transaction's future owns what it reads.
        let (items, total) = self
            .transaction_boxed(TxOptions::repeatable_read().read_only(), |tx| {
                let items = query().skip((page - 1) * page_size).take(page_size);
                let filter = query().filter;
                let include = include.clone();
                Box::pin(async move {
                    let repo = tx.repo::<M>();
                    // Pipelined on the transaction's connection: the count does not wait for the items.
                    let (items, total) = tokio::join!(repo.find_many_with(items, include), repo.count(filter));
                    Ok((items?, total?))
                })
            })
            .await?;
        Ok(Page {
            items,
            page,
            page_size,
            total,
            total_pages: (total + page_size - 1) / page_size,
        })
    }
}

impl<M: Model, I: Include<M>> Include<M> for &I {
    type Out = I::Out;
    fn load<E: Executor>(
        &self,
        exec: &E,
        parents: &[M],
    ) -> impl std::future::Future<Output = Result<Vec<Self::Out>, Error>> + Send {
        (**self).load(exec, parents)
    }
}

/// The direction of a keyset page, by primary key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// The rows after the cursor.
    Forward,
    /// The rows before the cursor.
    Backward,
}

/// A keyset page: the rows and the cursor of the next page (`None` on the last one).
#[derive(Debug, Clone, PartialEq)]
pub struct CursorPage<T> {
    /// The rows of this page.
    pub items: Vec<T>,
    /// The cursor of the next page, when there is one (signed: a client cannot forge or alter it).
    pub next: Option<String>,
}

impl<M: Model, A: Access, E: Executor> Repo<'_, M, A, E> {
    /// Up to `take` rows matching `filter`, ordered by primary key, after `cursor` (from the previous
    /// page; `None` for the first). Rows that existed when paging began are never repeated or skipped,
    /// whatever is inserted meanwhile.
    pub async fn find_page(
        &self,
        filter: Filter<M>,
        direction: Direction,
        cursor: Option<&str>,
        take: i64,
    ) -> Result<CursorPage<M>, Error> {
        let id = crate::repo::id_column(&M::META)?;
        self.keyset_page(&[id], filter, direction, cursor, take).await
    }

    /// [`Repo::find_page`] ordered by another unique key, e.g. `Deal::BY_NAME` or a compound one (a
    /// row-value comparison over its columns). Its columns must be text, integers or UUIDs (a key of
    /// another type does not compile); rows whose key is NULL (a nullable unique column) are not listed,
    /// since no cursor can point past them. A cursor is bound to the key it was made for.
    pub async fn find_page_by<V: CursorKey>(
        &self,
        key: Unique<M, V>,
        filter: Filter<M>,
        direction: Direction,
        cursor: Option<&str>,
        take: i64,
    ) -> Result<CursorPage<M>, Error> {
        self.keyset_page(key.columns, filter, direction, cursor, take).await
    }

    async fn keyset_page(
        &self,
        columns: &[&'static str],
        filter: Filter<M>,
        direction: Direction,
        cursor: Option<&str>,
        take: i64,
    ) -> Result<CursorPage<M>, Error> {
        let tenant = self.executor().tenant().unwrap_or("").to_string();
        // The cursor names the model and, for another key than the primary key, its columns.
        let label = match M::META.primary_key.iter().rev().take(1).eq(columns.iter()) {
            true => M::META.name.to_string(),
            false => format!("{}:{}", M::META.name, columns.join(",")),
        };
        let mut filter = filter;
        for column in columns.iter().filter(|c| M::META.column(c).is_some_and(|c| c.nullable)) {
            filter = filter.and(Filter::from_node(Node::Null { column, negate: true }));
        }
        if let Some(c) = cursor {
            let last = decode(c, &tenant, &label, direction)?;
            if last.len() != columns.len() {
                return Err(Error::InvalidCursor);
            }
            let op = if direction == Direction::Forward { ">" } else { "<" };
            filter = filter.and(Filter::from_node(after(columns, &last, op)));
        }
        let mut query = Query::new().filter(filter);
        for column in columns {
            query = query.order_by(crate::query::Order::<M>::by(column, direction == Direction::Backward));
        }
        let take = take.clamp(1, 10_000);
        let items = self.find_many(query.take(take)).await?;
        let next = match items.last() {
            Some(m) if items.len() as i64 == take => {
                let keys: Option<Vec<Key>> = columns.iter().map(|c| m.key(c)).collect();
                keys.map(|k| encode(&tenant, &label, direction, &k))
            }
            _ => None,
        };
        Ok(CursorPage { items, next })
    }
}

/// The rows after `last` in the order of `columns`: `(a, b) > (x, y)` written as
/// `a > x OR (a = x AND b > y)`, which PostgreSQL plans on the key's index as well.
fn after(columns: &[&'static str], last: &[Key], op: &'static str) -> Node {
    let cmp = |column: &'static str, op: &'static str, k: &Key| Node::Cmp {
        column,
        op,
        value: ParamBox(key_param(k.clone())),
    };
    let terms = (0..columns.len())
        .map(|i| {
            let mut and: Vec<Node> = (0..i).map(|j| cmp(columns[j], "=", &last[j])).collect();
            and.push(cmp(columns[i], op, &last[i]));
            Node::And(and)
        })
        .collect();
    Node::Or(terms)
}

/// Types a keyset cursor can carry: text, integers and UUIDs, and tuples of them (compound keys).
#[diagnostic::on_unimplemented(
    message = "a cursor cannot be made of `{Self}`",
    note = "keyset pages order by a key of text, integer or UUID columns (or a compound key of them)"
)]
pub trait CursorKey {}
impl CursorKey for String {}
impl CursorKey for i16 {}
impl CursorKey for i32 {}
impl CursorKey for i64 {}
impl CursorKey for uuid::Uuid {}
impl<A: CursorKey, B: CursorKey> CursorKey for (A, B) {}
impl<A: CursorKey, B: CursorKey, C: CursorKey> CursorKey for (A, B, C) {}

fn key_param(k: Key) -> Box<dyn ToSql + Sync + Send> {
    match k {
        Key::Str(s) => Box::new(s),
        Key::I16(n) => Box::new(n),
        Key::I32(n) => Box::new(n),
        Key::I64(n) => Box::new(n),
        Key::Uuid(u) => Box::new(u),
    }
}

/// The key that signs cursors: `TRATO_CURSOR_SECRET`, else random for this process (cursors then do not
/// survive a restart; set the variable when several processes serve one API).
fn secret() -> &'static [u8] {
    static SECRET: OnceLock<Vec<u8>> = OnceLock::new();
    SECRET.get_or_init(|| match std::env::var("TRATO_CURSOR_SECRET") {
        Ok(s) if !s.is_empty() => s.into_bytes(),
        _ => crate::ids::random_array::<32>().to_vec(),
    })
}

/// HMAC-SHA256 of `msg` (the `hmac` crate, RustCrypto's, already built for SCRAM authentication).
fn hmac(key: &[u8], msg: &[u8]) -> hmac::Hmac<Sha256> {
    use hmac::{KeyInit, Mac};
    // HMAC takes a key of any length: `new_from_slice` cannot fail for it.
    let mut mac = <hmac::Hmac<Sha256> as KeyInit>::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    mac.update(msg);
    mac
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

fn key_text(k: &Key) -> String {
    match k {
        Key::Str(s) => format!("s{}", hex(s.as_bytes())),
        Key::I16(n) => format!("h{n}"),
        Key::I32(n) => format!("i{n}"),
        Key::I64(n) => format!("l{n}"),
        Key::Uuid(u) => format!("u{u}"),
    }
}

fn parse_key(s: &str) -> Option<Key> {
    let (tag, rest) = s.split_at_checked(1)?;
    Some(match tag {
        "s" => Key::Str(String::from_utf8(unhex(rest)?).ok()?),
        "h" => Key::I16(rest.parse().ok()?),
        "i" => Key::I32(rest.parse().ok()?),
        "l" => Key::I64(rest.parse().ok()?),
        "u" => Key::Uuid(rest.parse().ok()?),
        _ => return None,
    })
}

fn payload(tenant: &str, model: &str, direction: Direction, key: &str) -> String {
    let dir = if direction == Direction::Forward { "f" } else { "b" };
    format!("v1.{}.{}.{dir}.{key}", hex(tenant.as_bytes()), hex(model.as_bytes()))
}

pub(crate) fn encode(tenant: &str, model: &str, direction: Direction, keys: &[Key]) -> String {
    let text: Vec<String> = keys.iter().map(key_text).collect();
    let body = payload(tenant, model, direction, &text.join("_"));
    let mac = hmac::Mac::finalize(hmac(secret(), body.as_bytes())).into_bytes();
    format!("{body}.{}", hex(&mac))
}

pub(crate) fn decode(cursor: &str, tenant: &str, model: &str, direction: Direction) -> Result<Vec<Key>, Error> {
    let invalid = || Error::InvalidCursor;
    let (body, mac) = cursor.rsplit_once('.').ok_or_else(invalid)?;
    let given = unhex(mac).ok_or_else(invalid)?;
    // `verify_slice` compares in constant time: no early exit that would reveal how much matched.
    hmac::Mac::verify_slice(hmac(secret(), body.as_bytes()), &given).map_err(|_| invalid())?;
    let key = body.rsplit_once('.').map(|(_, k)| k).ok_or_else(invalid)?;
    if body != payload(tenant, model, direction, key) {
        // Signed by us, but for another tenant, model or direction.
        return Err(invalid());
    }
    key.split('_').map(|k| parse_key(k).ok_or_else(invalid)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_refuse_tampering_and_other_tenants() {
        let k = Key::Str("cm1deal789".into());
        let c = encode("org_a", "Deal", Direction::Forward, std::slice::from_ref(&k));
        assert_eq!(decode(&c, "org_a", "Deal", Direction::Forward).ok(), Some(vec![k]));
        // A compound key with a negative number and a UUID (both carry `-`).
        let keys = [Key::I64(-5), Key::Uuid(uuid::Uuid::nil()), Key::Str("a_b".into())];
        let c = encode("org_a", "Deal:a,b,c", Direction::Forward, &keys);
        assert_eq!(
            decode(&c, "org_a", "Deal:a,b,c", Direction::Forward).ok(),
            Some(keys.to_vec())
        );
        assert!(decode(&c, "org_a", "Deal", Direction::Forward).is_err(), "another key");
        assert!(
            decode(&c, "org_b", "Deal", Direction::Forward).is_err(),
            "another tenant"
        );
        assert!(
            decode(&c, "org_a", "Company", Direction::Forward).is_err(),
            "another model"
        );
        assert!(
            decode(&c, "org_a", "Deal", Direction::Backward).is_err(),
            "another order"
        );
        let mut tampered = c.clone();
        tampered.replace_range(10..11, if &c[10..11] == "a" { "b" } else { "a" });
        assert!(decode(&tampered, "org_a", "Deal", Direction::Forward).is_err());
        assert!(decode("garbage", "org_a", "Deal", Direction::Forward).is_err());
        assert_eq!(parse_key(&key_text(&Key::I64(-5))), Some(Key::I64(-5)));
    }

    #[test]
    fn hmac_matches_rfc_4231() {
        // RFC 4231 test case 2.
        let mac = hmac::Mac::finalize(hmac(b"Jefe", b"what do ya want for nothing?")).into_bytes();
        assert_eq!(
            hex(&mac),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
