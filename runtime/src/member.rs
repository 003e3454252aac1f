//! "My organizations": the tenants one user belongs to, with their role in each, for the application role
//! and without a system scope. The transaction binds the user alone (no tenant, no role): the membership
//! model's `member_self` policy then shows that user's own membership rows, the tenant root's shows the
//! tenants they are in, and every other policy shows nothing (no tenant is bound).

use crate::client::Db;
use crate::error::Error;
use crate::exec::BIND;
use crate::meta::TenantRoot;
use crate::query::q;
use crate::repo::select_list;
use crate::scope::Membership;
use crate::tx::TxOptions;

impl Db {
    /// Every membership of `user_id`, with its tenant root row (e.g. each organization the user is in, and
    /// the membership holding the role), in tenant order. Read in one read-only transaction bound to the
    /// user: another user's memberships, the other members of these tenants and any tenant's data stay
    /// invisible. The caller vouches for `user_id` (the signed-in user), as with [`Db::scope`]. Needs a
    /// schema with `@@membership` ([`Membership::RANKS`] not empty): [`Error::Config`] otherwise.
    pub async fn memberships<M: Membership, R: TenantRoot + Clone>(&self, user_id: &str) -> Result<Vec<(R, M)>, Error> {
        if M::RANKS.is_empty() {
            return Err(Error::Config(format!(
                "{} is not marked @@membership in the schema: no policy lets a user read their own memberships",
                M::META.name
            )));
        }
        self.ensure_application_role().await?;
        let (m, r) = (&M::META, &R::META);
        let key = m
            .tenant_key()
            .ok_or_else(|| Error::Config(format!("{} is not tenant-owned", m.name)))?;
        let root_id = *r
            .primary_key
            .first()
            .ok_or_else(|| Error::Config(format!("{} has no primary key", r.name)))?;
        let members_sql = format!(
            "SELECT {} FROM {} t WHERE t.{} = $1 ORDER BY t.{}",
            select_list(m, "t"),
            q(m.table),
            q(M::USER_COLUMN),
            q(key)
        );
        let roots_sql = format!(
            "SELECT {} FROM {} t WHERE t.{} = ANY($1)",
            select_list(r, "t"),
            q(r.table),
            q(root_id)
        );
        self.transaction(TxOptions::default().read_only(), async |tx| {
            let none: Option<&str> = None;
            tx.query_map(BIND, &[&none, &none, &user_id], |_| Ok(())).await?;
            let members: Vec<M> = tx.query_map(&members_sql, &[&user_id], |row| M::from_row(&row)).await?;
            let ids: Vec<String> = members
                .iter()
                .filter_map(|mm| match mm.key(key) {
                    Some(crate::meta::Key::Str(s)) => Some(s),
                    _ => None,
                })
                .collect();
            let roots: Vec<R> = tx.query_map(&roots_sql, &[&ids], |row| R::from_row(&row)).await?;
            Ok(members
                .into_iter()
                .filter_map(|mm| {
                    let id = mm.key(key)?;
                    let root = roots.iter().find(|rr| rr.key(root_id).as_ref() == Some(&id))?.clone();
                    Some((root, mm))
                })
                .collect())
        })
        .await
    }
}
