-- Tenancy
-- The application role: owns nothing, cannot bypass row-level security. Login roles join it.
DO $$
BEGIN
    CREATE ROLE "trato_app" NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
END
$$;
GRANT USAGE ON SCHEMA public TO "trato_app";

-- Binds the tenant of the current transaction with SET LOCAL (a bound parameter, never a session SET).
CREATE FUNCTION "trato_set_tenant"(tenant TEXT) RETURNS VOID LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('SET LOCAL trato.tenant_id = %L', tenant);
END
$$;

-- The tenant bound to the current transaction, or NULL: no binding means no rows.
CREATE FUNCTION "trato_current_tenant"() RETURNS TEXT LANGUAGE sql STABLE AS $$
    SELECT NULLIF(current_setting('trato.tenant_id', true), '')
$$;
GRANT EXECUTE ON FUNCTION "trato_set_tenant"(TEXT), "trato_current_tenant"() TO "trato_app";

-- CreateEnum
CREATE TYPE "OrganizationRole" AS ENUM ('OWNER', 'ADMIN', 'MEMBER', 'VIEWER');

-- CreateEnum
CREATE TYPE "CompanyStatus" AS ENUM ('PROSPECT', 'RESEARCHING', 'ENGAGED', 'PIPELINE', 'ARCHIVED');

-- CreateEnum
CREATE TYPE "DealStage" AS ENUM ('SOURCING', 'INITIAL_REVIEW', 'PRELIMINARY_DUE_DILIGENCE', 'DEEP_DUE_DILIGENCE', 'NEGOTIATION', 'CLOSING', 'CLOSED_WON', 'CLOSED_LOST');

-- CreateEnum
CREATE TYPE "DealType" AS ENUM ('ACQUISITION', 'INVESTMENT', 'PARTNERSHIP', 'OTHER');

-- CreateEnum
CREATE TYPE "DocumentType" AS ENUM ('FINANCIAL_STATEMENT', 'CONTRACT', 'PRESENTATION', 'MEMORANDUM', 'LEGAL_DOCUMENT', 'TECHNICAL_DOCUMENT', 'OTHER');

-- CreateEnum
CREATE TYPE "DocumentStatus" AS ENUM ('UPLOADING', 'PROCESSING', 'PARSED', 'INDEXED', 'FAILED');

-- CreateEnum
CREATE TYPE "FactType" AS ENUM ('FINANCIAL_METRIC', 'KEY_PERSON', 'PRODUCT', 'CUSTOMER', 'RISK', 'OPPORTUNITY', 'OTHER');

-- CreateEnum
CREATE TYPE "ActivityType" AS ENUM ('DOCUMENT_UPLOADED', 'DOCUMENT_PROCESSED', 'DEAL_CREATED', 'DEAL_STAGE_CHANGED', 'COMPANY_ADDED', 'AI_QUERY', 'USER_ACTION');

-- CreateTable
CREATE TABLE "users" (
    "id" TEXT NOT NULL,
    "email" TEXT NOT NULL,
    "name" TEXT,
    "image" TEXT,
    "email_verified" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "users_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "accounts" (
    "id" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "provider" TEXT NOT NULL,
    "provider_account_id" TEXT NOT NULL,
    "refresh_token" TEXT,
    "access_token" TEXT,
    "expires_at" INTEGER,
    "token_type" TEXT,
    "scope" TEXT,
    "id_token" TEXT,
    "session_state" TEXT,

    CONSTRAINT "accounts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "sessions" (
    "id" TEXT NOT NULL,
    "session_token" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "expires" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "sessions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "verification_tokens" (
    "identifier" TEXT NOT NULL,
    "token" TEXT NOT NULL,
    "expires" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "verification_tokens_pkey" PRIMARY KEY ("identifier", "token")
);

-- CreateTable
CREATE TABLE "organizations" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "slug" TEXT NOT NULL,
    "description" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "organizations_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "organization_members" (
    "id" TEXT NOT NULL,
    "organization_id" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "role" "OrganizationRole" NOT NULL DEFAULT 'MEMBER',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "organization_members_pkey" PRIMARY KEY ("organization_id", "id")
);

-- CreateTable
CREATE TABLE "companies" (
    "id" TEXT NOT NULL,
    "organization_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "domain" TEXT,
    "industry" TEXT,
    "sector" TEXT,
    "description" TEXT,
    "employees" INTEGER,
    "revenue" DECIMAL(18,2),
    "location" TEXT,
    "website" TEXT,
    "status" "CompanyStatus" NOT NULL DEFAULT 'PROSPECT',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "companies_pkey" PRIMARY KEY ("organization_id", "id")
);

-- CreateTable
CREATE TABLE "deals" (
    "id" TEXT NOT NULL,
    "organization_id" TEXT NOT NULL,
    "company_id" TEXT,
    "name" TEXT NOT NULL,
    "type" "DealType" NOT NULL DEFAULT 'ACQUISITION',
    "stage" "DealStage" NOT NULL DEFAULT 'SOURCING',
    "value" DECIMAL(18,2),
    "currency" VARCHAR(3) NOT NULL DEFAULT 'USD',
    "probability" INTEGER,
    "expected_close_date" DATE,
    "description" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "deals_pkey" PRIMARY KEY ("organization_id", "id")
);

-- CreateTable
CREATE TABLE "documents" (
    "id" TEXT NOT NULL,
    "organization_id" TEXT NOT NULL,
    "deal_id" TEXT,
    "company_id" TEXT,
    "uploaded_by_id" TEXT,
    "name" TEXT NOT NULL,
    "file_url" TEXT NOT NULL,
    "file_size" INTEGER,
    "mime_type" TEXT,
    "type" "DocumentType" NOT NULL DEFAULT 'OTHER',
    "status" "DocumentStatus" NOT NULL DEFAULT 'UPLOADING',
    "reducto_job_id" TEXT,
    "reducto_data" JSONB,
    "error_message" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "documents_pkey" PRIMARY KEY ("organization_id", "id")
);

-- CreateTable
CREATE TABLE "document_chunks" (
    "id" TEXT NOT NULL,
    "organization_id" TEXT NOT NULL,
    "document_id" TEXT NOT NULL,
    "content" TEXT NOT NULL,
    "chunk_index" INTEGER NOT NULL,
    "page_number" INTEGER,
    "vector_id" TEXT,
    "metadata" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "document_chunks_pkey" PRIMARY KEY ("organization_id", "id")
);

-- CreateTable
CREATE TABLE "facts" (
    "id" TEXT NOT NULL,
    "organization_id" TEXT NOT NULL,
    "company_id" TEXT,
    "document_id" TEXT,
    "chunk_id" TEXT,
    "type" "FactType" NOT NULL,
    "subject" TEXT NOT NULL,
    "predicate" TEXT NOT NULL,
    "object" TEXT NOT NULL,
    "confidence" DOUBLE PRECISION NOT NULL DEFAULT 1,
    "source_text" TEXT,
    "page_number" INTEGER,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "facts_pkey" PRIMARY KEY ("organization_id", "id")
);

-- CreateTable
CREATE TABLE "activities" (
    "id" TEXT NOT NULL,
    "organization_id" TEXT NOT NULL,
    "user_id" TEXT,
    "deal_id" TEXT,
    "document_id" TEXT,
    "type" "ActivityType" NOT NULL,
    "description" TEXT NOT NULL,
    "metadata" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "activities_pkey" PRIMARY KEY ("organization_id", "id")
);

-- CreateIndex
CREATE UNIQUE INDEX "users_email_key" ON "users"("email");

-- CreateIndex
CREATE UNIQUE INDEX "accounts_provider_provider_account_id_key" ON "accounts"("provider", "provider_account_id");

-- CreateIndex
CREATE INDEX "accounts_user_id_idx" ON "accounts"("user_id");

-- CreateIndex
CREATE UNIQUE INDEX "sessions_session_token_key" ON "sessions"("session_token");

-- CreateIndex
CREATE INDEX "sessions_user_id_idx" ON "sessions"("user_id");

-- CreateIndex
CREATE UNIQUE INDEX "verification_tokens_token_key" ON "verification_tokens"("token");

-- CreateIndex
CREATE UNIQUE INDEX "organizations_slug_key" ON "organizations"("slug");

-- CreateIndex
CREATE UNIQUE INDEX "organization_members_organization_id_user_id_key" ON "organization_members"("organization_id", "user_id");

-- CreateIndex
CREATE INDEX "organization_members_organization_id_role_idx" ON "organization_members"("organization_id", "role");

-- CreateIndex
CREATE INDEX "companies_organization_id_status_idx" ON "companies"("organization_id", "status");

-- CreateIndex
CREATE INDEX "companies_organization_id_name_idx" ON "companies"("organization_id", "name");

-- CreateIndex
CREATE INDEX "deals_organization_id_stage_idx" ON "deals"("organization_id", "stage");

-- CreateIndex
CREATE INDEX "deals_organization_id_company_id_idx" ON "deals"("organization_id", "company_id");

-- CreateIndex
CREATE INDEX "deals_organization_id_created_at_idx" ON "deals"("organization_id", "created_at");

-- CreateIndex
CREATE INDEX "documents_organization_id_status_idx" ON "documents"("organization_id", "status");

-- CreateIndex
CREATE INDEX "documents_organization_id_deal_id_idx" ON "documents"("organization_id", "deal_id");

-- CreateIndex
CREATE INDEX "documents_organization_id_company_id_idx" ON "documents"("organization_id", "company_id");

-- CreateIndex
CREATE UNIQUE INDEX "document_chunks_organization_id_vector_id_key" ON "document_chunks"("organization_id", "vector_id");

-- CreateIndex
CREATE UNIQUE INDEX "document_chunks_organization_id_document_id_chunk_index_key" ON "document_chunks"("organization_id", "document_id", "chunk_index");

-- CreateIndex
CREATE INDEX "document_chunks_organization_id_document_id_idx" ON "document_chunks"("organization_id", "document_id");

-- CreateIndex
CREATE INDEX "facts_organization_id_company_id_idx" ON "facts"("organization_id", "company_id");

-- CreateIndex
CREATE INDEX "facts_organization_id_document_id_idx" ON "facts"("organization_id", "document_id");

-- CreateIndex
CREATE INDEX "facts_organization_id_type_idx" ON "facts"("organization_id", "type");

-- CreateIndex
CREATE INDEX "activities_organization_id_created_at_idx" ON "activities"("organization_id", "created_at" DESC);

-- CreateIndex
CREATE INDEX "activities_organization_id_deal_id_idx" ON "activities"("organization_id", "deal_id");

-- CreateIndex
CREATE INDEX "activities_organization_id_type_idx" ON "activities"("organization_id", "type");

-- AddForeignKey
ALTER TABLE "accounts" ADD CONSTRAINT "accounts_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "organization_members" ADD CONSTRAINT "organization_members_organization_id_fkey" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "organization_members" ADD CONSTRAINT "organization_members_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "companies" ADD CONSTRAINT "companies_organization_id_fkey" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "deals" ADD CONSTRAINT "deals_organization_id_fkey" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "deals" ADD CONSTRAINT "deals_company_id_fkey" FOREIGN KEY ("organization_id", "company_id") REFERENCES "companies"("organization_id", "id") ON DELETE SET NULL ("company_id");

-- AddForeignKey
ALTER TABLE "documents" ADD CONSTRAINT "documents_organization_id_fkey" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "documents" ADD CONSTRAINT "documents_deal_id_fkey" FOREIGN KEY ("organization_id", "deal_id") REFERENCES "deals"("organization_id", "id") ON DELETE SET NULL ("deal_id");

-- AddForeignKey
ALTER TABLE "documents" ADD CONSTRAINT "documents_company_id_fkey" FOREIGN KEY ("organization_id", "company_id") REFERENCES "companies"("organization_id", "id") ON DELETE SET NULL ("company_id");

-- AddForeignKey
ALTER TABLE "documents" ADD CONSTRAINT "documents_uploaded_by_id_fkey" FOREIGN KEY ("uploaded_by_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "document_chunks" ADD CONSTRAINT "document_chunks_organization_id_fkey" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "document_chunks" ADD CONSTRAINT "document_chunks_document_id_fkey" FOREIGN KEY ("organization_id", "document_id") REFERENCES "documents"("organization_id", "id") ON DELETE CASCADE;

-- AddForeignKey
ALTER TABLE "facts" ADD CONSTRAINT "facts_organization_id_fkey" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "facts" ADD CONSTRAINT "facts_company_id_fkey" FOREIGN KEY ("organization_id", "company_id") REFERENCES "companies"("organization_id", "id") ON DELETE SET NULL ("company_id");

-- AddForeignKey
ALTER TABLE "facts" ADD CONSTRAINT "facts_document_id_fkey" FOREIGN KEY ("organization_id", "document_id") REFERENCES "documents"("organization_id", "id") ON DELETE SET NULL ("document_id");

-- AddForeignKey
ALTER TABLE "facts" ADD CONSTRAINT "facts_chunk_id_fkey" FOREIGN KEY ("organization_id", "chunk_id") REFERENCES "document_chunks"("organization_id", "id") ON DELETE SET NULL ("chunk_id");

-- AddForeignKey
ALTER TABLE "activities" ADD CONSTRAINT "activities_organization_id_fkey" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "activities" ADD CONSTRAINT "activities_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "activities" ADD CONSTRAINT "activities_deal_id_fkey" FOREIGN KEY ("organization_id", "deal_id") REFERENCES "deals"("organization_id", "id") ON DELETE SET NULL ("deal_id");

-- AddForeignKey
ALTER TABLE "activities" ADD CONSTRAINT "activities_document_id_fkey" FOREIGN KEY ("organization_id", "document_id") REFERENCES "documents"("organization_id", "id") ON DELETE SET NULL ("document_id");

-- Grant
GRANT SELECT, INSERT, UPDATE, DELETE ON "users" TO "trato_app";

-- Grant
GRANT SELECT, INSERT, UPDATE, DELETE ON "accounts" TO "trato_app";

-- Grant
GRANT SELECT, INSERT, UPDATE, DELETE ON "sessions" TO "trato_app";

-- Grant
GRANT SELECT, INSERT, UPDATE, DELETE ON "verification_tokens" TO "trato_app";

-- EnableRowLevelSecurity
ALTER TABLE "organizations" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "organizations" FORCE ROW LEVEL SECURITY;
CREATE POLICY "tenant_isolation" ON "organizations" USING ("id" = "trato_current_tenant"()) WITH CHECK ("id" = "trato_current_tenant"());

-- Grant
GRANT SELECT, INSERT, UPDATE, DELETE ON "organizations" TO "trato_app";

-- EnableRowLevelSecurity
ALTER TABLE "organization_members" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "organization_members" FORCE ROW LEVEL SECURITY;
CREATE POLICY "tenant_isolation" ON "organization_members" USING ("organization_id" = "trato_current_tenant"()) WITH CHECK ("organization_id" = "trato_current_tenant"());

-- Grant
GRANT SELECT, INSERT, UPDATE, DELETE ON "organization_members" TO "trato_app";

-- EnableRowLevelSecurity
ALTER TABLE "companies" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "companies" FORCE ROW LEVEL SECURITY;
CREATE POLICY "tenant_isolation" ON "companies" USING ("organization_id" = "trato_current_tenant"()) WITH CHECK ("organization_id" = "trato_current_tenant"());

-- Grant
GRANT SELECT, INSERT, UPDATE, DELETE ON "companies" TO "trato_app";

-- EnableRowLevelSecurity
ALTER TABLE "deals" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "deals" FORCE ROW LEVEL SECURITY;
CREATE POLICY "tenant_isolation" ON "deals" USING ("organization_id" = "trato_current_tenant"()) WITH CHECK ("organization_id" = "trato_current_tenant"());

-- Grant
GRANT SELECT, INSERT, UPDATE, DELETE ON "deals" TO "trato_app";

-- EnableRowLevelSecurity
ALTER TABLE "documents" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "documents" FORCE ROW LEVEL SECURITY;
CREATE POLICY "tenant_isolation" ON "documents" USING ("organization_id" = "trato_current_tenant"()) WITH CHECK ("organization_id" = "trato_current_tenant"());

-- Grant
GRANT SELECT, INSERT, UPDATE, DELETE ON "documents" TO "trato_app";

-- EnableRowLevelSecurity
ALTER TABLE "document_chunks" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "document_chunks" FORCE ROW LEVEL SECURITY;
CREATE POLICY "tenant_isolation" ON "document_chunks" USING ("organization_id" = "trato_current_tenant"()) WITH CHECK ("organization_id" = "trato_current_tenant"());

-- Grant
GRANT SELECT, INSERT, UPDATE, DELETE ON "document_chunks" TO "trato_app";

-- EnableRowLevelSecurity
ALTER TABLE "facts" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "facts" FORCE ROW LEVEL SECURITY;
CREATE POLICY "tenant_isolation" ON "facts" USING ("organization_id" = "trato_current_tenant"()) WITH CHECK ("organization_id" = "trato_current_tenant"());

-- Grant
GRANT SELECT, INSERT, UPDATE, DELETE ON "facts" TO "trato_app";

-- EnableRowLevelSecurity
ALTER TABLE "activities" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "activities" FORCE ROW LEVEL SECURITY;
CREATE POLICY "tenant_isolation" ON "activities" USING ("organization_id" = "trato_current_tenant"()) WITH CHECK ("organization_id" = "trato_current_tenant"());

-- Grant
GRANT SELECT, INSERT, UPDATE, DELETE ON "activities" TO "trato_app";
