//! The tour `cargo xtask dev` prints for the demo organization, through the generated API, as the
//! application's role: the pipeline by stage, one deal with its company, documents and facts, the latest
//! activity, and what the second organization sees.

use trato_hive_db::runtime::{Db, DbConfig, Filter, Query};
use trato_hive_db::*;

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    trato_example::init_logging();
    let cfg = DbConfig::from_env()?;
    let redacted = cfg.redacted_url();
    let db = Db::connect(cfg)?;
    let version: String = db
        .conn()
        .await?
        .query_one("SELECT current_setting('server_version')", &[])
        .await?
        .get(0);
    println!("Connected to {redacted} (PostgreSQL {version}) as the application's role");

    let alice = scope(&db, "seed-user-alice", "seed-org-demo").await?.write()?;
    let org = alice
        .root::<Organization>()
        .find_first(Query::new())
        .await?
        .ok_or_else(|| anyhow::anyhow!("run the seed first"))?;
    println!("\n{} ({}), as admin@demo.com ({})", org.name, org.slug, alice.role());

    println!("\nPipeline by stage:");
    let mut total_value = rust_decimal::Decimal::ZERO;
    for (stage, count, value) in alice
        .repo::<Deal>()
        .group_by(Deal::STAGE, Deal::VALUE, Filter::all())
        .await?
    {
        let value = value.unwrap_or_default();
        total_value += value;
        println!(
            "  {:<26} {count:>2} deal(s)  ${:>14}",
            stage.to_string(),
            value.round_dp(0).to_string()
        );
    }
    println!(
        "  {:<26}           ${:>14}",
        "total",
        total_value.round_dp(0).to_string()
    );

    let deals = alice
        .repo::<Deal>()
        .find_many_with(
            Deal::NAME.eq("Acquire Acme"),
            (Deal::COMPANY, Deal::DOCUMENTS.with(Document::FACTS)),
        )
        .await?;
    if let Some((deal, (company, documents))) = deals.first() {
        println!(
            "\nDeal \"{}\": {} / {}, {}% likely",
            deal.name,
            deal.r#type,
            deal.stage,
            deal.probability.unwrap_or(0)
        );
        if let Some(c) = company {
            println!(
                "  company   {} ({}, {} employees)",
                c.name,
                c.domain.as_deref().unwrap_or("-"),
                c.employees.unwrap_or(0)
            );
        }
        for (doc, facts) in documents {
            println!("  document  {} [{} / {}]", doc.name, doc.r#type, doc.status);
            for f in facts {
                println!(
                    "    fact    {} {} = {} ({}% confidence)",
                    f.subject,
                    f.predicate,
                    f.object,
                    (f.confidence * 100.0).round()
                );
            }
        }
    }

    if let Some(a) = alice
        .repo::<Activity>()
        .find_first(
            Query::new()
                .order_by(Activity::CREATED_AT.desc())
                .order_by(Activity::ID.desc()),
        )
        .await?
    {
        println!("\nLatest activity: [{}] {}", a.r#type, a.description);
    }
    let activities = alice.repo::<Activity>().count(Filter::all()).await?;
    println!("Audit trail: {activities} activities in this organization");

    let page = alice
        .paginate(
            || Query::new().order_by(Deal::CREATED_AT.desc()).order_by(Deal::ID.asc()),
            1,
            3,
            Deal::COMPANY,
        )
        .await?;
    println!(
        "\nDeals page {}/{} ({} in all):",
        page.page, page.total_pages, page.total
    );
    for (d, c) in &page.items {
        println!("  {} ({})", d.name, c.as_ref().map_or("-", |c| c.name.as_str()));
    }

    let erin = scope(&db, "seed-user-erin", "seed-org-northwind").await?.write()?;
    let theirs = erin.repo::<Deal>().count(Filter::all()).await?;
    let ours = alice.repo::<Deal>().count(Filter::all()).await?;
    println!(
        "\nIsolation: Demo Organization sees {ours} deals, Northwind Capital sees {theirs}; neither sees the other's."
    );
    db.close();
    Ok(())
}
