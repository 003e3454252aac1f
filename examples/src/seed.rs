//! The development seed: two organizations (so isolation is visible), members of every role, companies,
//! a deal in every stage, documents in several statuses with chunks, facts citing them, and activities.
//! All the data is in the tables at the top of this file.
//!
//! Idempotent: every row has a fixed id and is created only when missing, so a second run writes nothing
//! and leaves the database exactly as the first left it. It writes through the system scope (reason
//! "development seed"), so the audit trail records who wrote what and why.

use rust_decimal::Decimal;
use trato_hive_db::runtime::{Db, Error, Manage, TenantScope};
use trato_hive_db::*;

/// (id, name, slug, description)
const ORGANIZATIONS: &[(&str, &str, &str, &str)] = &[
    (
        "seed-org-demo",
        "Demo Organization",
        "demo-org",
        "Seed organization for development",
    ),
    (
        "seed-org-northwind",
        "Northwind Capital",
        "northwind",
        "A second organization: its data never shows in the first",
    ),
];

/// (id, email, name)
const USERS: &[(&str, &str, &str)] = &[
    ("seed-user-alice", "admin@demo.com", "Demo Admin"),
    ("seed-user-bob", "bob@demo.com", "Bob Analyst"),
    ("seed-user-carol", "carol@demo.com", "Carol Associate"),
    ("seed-user-dave", "dave@demo.com", "Dave Observer"),
    ("seed-user-erin", "erin@northwind.com", "Erin Partner"),
];

/// (organization, user, role)
const MEMBERS: &[(&str, &str, OrganizationRole)] = &[
    ("seed-org-demo", "seed-user-alice", OrganizationRole::Owner),
    ("seed-org-demo", "seed-user-bob", OrganizationRole::Admin),
    ("seed-org-demo", "seed-user-carol", OrganizationRole::Member),
    ("seed-org-demo", "seed-user-dave", OrganizationRole::Viewer),
    ("seed-org-northwind", "seed-user-erin", OrganizationRole::Owner),
    ("seed-org-northwind", "seed-user-alice", OrganizationRole::Viewer),
];

/// (organization, id, name, domain, industry, sector, employees, revenue in dollars, status)
type CompanyRow = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    i32,
    i64,
    CompanyStatus,
);
const COMPANIES: &[CompanyRow] = &[
    (
        "seed-org-demo",
        "seed-co-acme",
        "Acme Corporation",
        "acme.com",
        "Technology",
        "Software",
        250,
        50_000_000,
        CompanyStatus::Pipeline,
    ),
    (
        "seed-org-demo",
        "seed-co-globex",
        "Globex",
        "globex.com",
        "Energy",
        "Utilities",
        1_200,
        310_000_000,
        CompanyStatus::Engaged,
    ),
    (
        "seed-org-demo",
        "seed-co-initech",
        "Initech",
        "initech.com",
        "Technology",
        "IT Services",
        80,
        12_000_000,
        CompanyStatus::Researching,
    ),
    (
        "seed-org-demo",
        "seed-co-umbrella",
        "Umbrella Health",
        "umbrella.example",
        "Healthcare",
        "Biotech",
        430,
        95_000_000,
        CompanyStatus::Prospect,
    ),
    (
        "seed-org-demo",
        "seed-co-stark",
        "Stark Industries",
        "stark.example",
        "Industrials",
        "Aerospace",
        9_000,
        2_100_000_000,
        CompanyStatus::Archived,
    ),
    (
        "seed-org-northwind",
        "seed-co-wayne",
        "Wayne Enterprises",
        "wayne.example",
        "Conglomerate",
        "Diversified",
        50_000,
        9_000_000_000,
        CompanyStatus::Pipeline,
    ),
];

/// (organization, id, name, company, type, stage, value in dollars, probability)
type DealRow = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    DealType,
    DealStage,
    i64,
    i32,
);
const DEALS: &[DealRow] = &[
    (
        "seed-org-demo",
        "seed-deal-acme",
        "Acquire Acme",
        "seed-co-acme",
        DealType::Acquisition,
        DealStage::PreliminaryDueDiligence,
        100_000_000,
        60,
    ),
    (
        "seed-org-demo",
        "seed-deal-umbrella",
        "Umbrella minority stake",
        "seed-co-umbrella",
        DealType::Investment,
        DealStage::Sourcing,
        20_000_000,
        10,
    ),
    (
        "seed-org-demo",
        "seed-deal-initech",
        "Initech tuck-in",
        "seed-co-initech",
        DealType::Acquisition,
        DealStage::InitialReview,
        15_000_000,
        25,
    ),
    (
        "seed-org-demo",
        "seed-deal-globex-jv",
        "Globex joint venture",
        "seed-co-globex",
        DealType::Partnership,
        DealStage::DeepDueDiligence,
        75_000_000,
        45,
    ),
    (
        "seed-org-demo",
        "seed-deal-globex-grid",
        "Globex grid assets",
        "seed-co-globex",
        DealType::Acquisition,
        DealStage::Negotiation,
        140_000_000,
        70,
    ),
    (
        "seed-org-demo",
        "seed-deal-acme-data",
        "Acme data platform carve-out",
        "seed-co-acme",
        DealType::Acquisition,
        DealStage::Closing,
        30_000_000,
        90,
    ),
    (
        "seed-org-demo",
        "seed-deal-stark",
        "Stark defense unit",
        "seed-co-stark",
        DealType::Acquisition,
        DealStage::ClosedWon,
        500_000_000,
        100,
    ),
    (
        "seed-org-demo",
        "seed-deal-initech-2",
        "Initech full buyout",
        "seed-co-initech",
        DealType::Acquisition,
        DealStage::ClosedLost,
        40_000_000,
        0,
    ),
    (
        "seed-org-northwind",
        "seed-deal-wayne",
        "Wayne logistics spin-off",
        "seed-co-wayne",
        DealType::Investment,
        DealStage::Negotiation,
        800_000_000,
        55,
    ),
];

/// (organization, id, name, deal, company, type, status)
type DocumentRow = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    DocumentType,
    DocumentStatus,
);
const DOCUMENTS: &[DocumentRow] = &[
    (
        "seed-org-demo",
        "seed-doc-acme-fin",
        "Acme FY2025 Financials.pdf",
        "seed-deal-acme",
        "seed-co-acme",
        DocumentType::FinancialStatement,
        DocumentStatus::Indexed,
    ),
    (
        "seed-org-demo",
        "seed-doc-acme-msa",
        "Acme Master Services Agreement.pdf",
        "seed-deal-acme",
        "seed-co-acme",
        DocumentType::Contract,
        DocumentStatus::Parsed,
    ),
    (
        "seed-org-demo",
        "seed-doc-acme-deck",
        "Acme Management Presentation.pptx",
        "seed-deal-acme",
        "seed-co-acme",
        DocumentType::Presentation,
        DocumentStatus::Processing,
    ),
    (
        "seed-org-demo",
        "seed-doc-globex-cim",
        "Globex CIM.pdf",
        "seed-deal-globex-grid",
        "seed-co-globex",
        DocumentType::Memorandum,
        DocumentStatus::Failed,
    ),
    (
        "seed-org-northwind",
        "seed-doc-wayne-fin",
        "Wayne Logistics Financials.xlsx",
        "seed-deal-wayne",
        "seed-co-wayne",
        DocumentType::FinancialStatement,
        DocumentStatus::Uploading,
    ),
];

/// (organization, id, document, index, page, content)
const CHUNKS: &[(&str, &str, &str, i32, i32, &str)] = &[
    (
        "seed-org-demo",
        "seed-chunk-fin-1",
        "seed-doc-acme-fin",
        0,
        3,
        "Total revenue for fiscal 2025 was $50.0 million, up 18% year over year.",
    ),
    (
        "seed-org-demo",
        "seed-chunk-fin-2",
        "seed-doc-acme-fin",
        1,
        7,
        "Recurring subscription revenue represented 82% of total revenue.",
    ),
    (
        "seed-org-demo",
        "seed-chunk-fin-3",
        "seed-doc-acme-fin",
        2,
        12,
        "The company had no outstanding debt as of December 31, 2025.",
    ),
    (
        "seed-org-demo",
        "seed-chunk-msa-1",
        "seed-doc-acme-msa",
        0,
        1,
        "This agreement may be terminated by Customer upon a change of control.",
    ),
];

/// (organization, id, company, document, chunk, type, subject, predicate, object, confidence)
type FactRow = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    FactType,
    &'static str,
    &'static str,
    &'static str,
    f64,
);
const FACTS: &[FactRow] = &[
    (
        "seed-org-demo",
        "seed-fact-revenue",
        "seed-co-acme",
        "seed-doc-acme-fin",
        "seed-chunk-fin-1",
        FactType::FinancialMetric,
        "Acme Corporation",
        "revenue FY2025",
        "$50.0M",
        0.97,
    ),
    (
        "seed-org-demo",
        "seed-fact-recurring",
        "seed-co-acme",
        "seed-doc-acme-fin",
        "seed-chunk-fin-2",
        FactType::FinancialMetric,
        "Acme Corporation",
        "recurring revenue share",
        "82%",
        0.93,
    ),
    (
        "seed-org-demo",
        "seed-fact-debt",
        "seed-co-acme",
        "seed-doc-acme-fin",
        "seed-chunk-fin-3",
        FactType::FinancialMetric,
        "Acme Corporation",
        "outstanding debt",
        "none",
        0.88,
    ),
    (
        "seed-org-demo",
        "seed-fact-coc",
        "seed-co-acme",
        "seed-doc-acme-msa",
        "seed-chunk-msa-1",
        FactType::Risk,
        "Acme MSA",
        "terminable on",
        "change of control",
        0.91,
    ),
];

/// (organization, id, actor, deal, description)
const QUERIES: &[(&str, &str, &str, &str, &str)] = &[(
    "seed-org-demo",
    "seed-activity-ai-1",
    "seed-user-bob",
    "seed-deal-acme",
    "Asked the AI: what are Acme's change-of-control risks?",
)];

/// How many rows the run created (0 on every run after the first).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SeedReport {
    /// Rows created.
    pub created: usize,
}

fn dollars(n: i64) -> Decimal {
    Decimal::new(n, 0)
}

/// Seeds the database the client is connected to (as the application's role).
pub async fn run(db: &Db) -> Result<SeedReport, Error> {
    let mut report = SeedReport::default();
    for (id, email, name) in USERS {
        if db.repo::<User>().find_by_id(id.to_string()).await?.is_none() {
            db.repo::<User>()
                .create(UserCreate::new(email.to_string()).id(*id).name(*name))
                .await?;
            report.created += 1;
        }
    }
    let sys = system(db, "development seed");
    for (org_id, name, slug, description) in ORGANIZATIONS {
        let scope = sys.tenant(org_id).await?;
        if scope
            .root::<Organization>()
            .find_by_id(org_id.to_string())
            .await?
            .is_none()
        {
            scope
                .root::<Organization>()
                .create(
                    OrganizationCreate::new(name.to_string(), slug.to_string())
                        .id(*org_id)
                        .description(*description),
                )
                .await?;
            report.created += 1;
        }
        seed_organization(&scope, org_id, &mut report).await?;
    }
    Ok(report)
}

async fn seed_organization(scope: &TenantScope<Manage>, org: &str, report: &mut SeedReport) -> Result<(), Error> {
    macro_rules! ensure {
        ($model:ty, $id:expr, $input:expr) => {
            if scope
                .repo::<$model>()
                .with_deleted()
                .find_by_id($id.to_string())
                .await?
                .is_none()
            {
                scope.repo::<$model>().create($input).await?;
                report.created += 1;
            }
        };
    }
    for (i, (o, user, role)) in MEMBERS.iter().enumerate() {
        if *o == org {
            let id = format!("seed-member-{i}");
            ensure!(
                OrganizationMember,
                id,
                OrganizationMemberCreate::new(user.to_string())
                    .id(id.clone())
                    .role(*role)
            );
        }
    }
    for (o, id, name, domain, industry, sector, employees, revenue, status) in COMPANIES.iter().filter(|c| c.0 == org) {
        let _ = o;
        ensure!(
            Company,
            id,
            CompanyCreate::new(name.to_string())
                .id(*id)
                .domain(*domain)
                .industry(*industry)
                .sector(*sector)
                .employees(*employees)
                .revenue(dollars(*revenue))
                .status(*status)
        );
    }
    for (_, id, name, company, kind, stage, value, probability) in DEALS.iter().filter(|d| d.0 == org) {
        ensure!(
            Deal,
            id,
            DealCreate::new(name.to_string())
                .id(*id)
                .company_id(*company)
                .r#type(*kind)
                .stage(*stage)
                .value(dollars(*value))
                .probability(*probability)
        );
    }
    for (_, id, name, deal, company, kind, status) in DOCUMENTS.iter().filter(|d| d.0 == org) {
        ensure!(
            Document,
            id,
            DocumentCreate::new(name.to_string(), format!("s3://trato-hive-dev/{id}"))
                .id(*id)
                .deal_id(*deal)
                .company_id(*company)
                .r#type(*kind)
                .status(*status)
                .uploaded_by_id("seed-user-bob")
        );
    }
    for (_, id, document, index, page, content) in CHUNKS.iter().filter(|c| c.0 == org) {
        ensure!(
            DocumentChunk,
            id,
            DocumentChunkCreate::new(document.to_string(), content.to_string(), *index)
                .id(*id)
                .page_number(*page)
                .vector_id(format!("vec-{id}"))
        );
    }
    for (_, id, company, document, chunk, kind, subject, predicate, object, confidence) in
        FACTS.iter().filter(|f| f.0 == org)
    {
        let input = FactCreate::new(*kind, subject.to_string(), predicate.to_string(), object.to_string())
            .id(*id)
            .company_id(*company)
            .document_id(*document)
            .chunk_id(*chunk)
            .confidence(*confidence);
        ensure!(Fact, id, input);
    }
    for (_, id, actor, deal, description) in QUERIES.iter().filter(|q| q.0 == org) {
        ensure!(
            Activity,
            id,
            ActivityCreate::new(ActivityType::AiQuery, description.to_string())
                .id(*id)
                .user_id(*actor)
                .deal_id(*deal)
        );
    }
    Ok(())
}
