-- Revoke
REVOKE ALL ON "activities" FROM "trato_app";

-- DisableRowLevelSecurity
DROP POLICY "tenant_isolation" ON "activities";
ALTER TABLE "activities" NO FORCE ROW LEVEL SECURITY;
ALTER TABLE "activities" DISABLE ROW LEVEL SECURITY;

-- Revoke
REVOKE ALL ON "facts" FROM "trato_app";

-- DisableRowLevelSecurity
DROP POLICY "tenant_isolation" ON "facts";
ALTER TABLE "facts" NO FORCE ROW LEVEL SECURITY;
ALTER TABLE "facts" DISABLE ROW LEVEL SECURITY;

-- Revoke
REVOKE ALL ON "document_chunks" FROM "trato_app";

-- DisableRowLevelSecurity
DROP POLICY "tenant_isolation" ON "document_chunks";
ALTER TABLE "document_chunks" NO FORCE ROW LEVEL SECURITY;
ALTER TABLE "document_chunks" DISABLE ROW LEVEL SECURITY;

-- Revoke
REVOKE ALL ON "documents" FROM "trato_app";

-- DisableRowLevelSecurity
DROP POLICY "tenant_isolation" ON "documents";
ALTER TABLE "documents" NO FORCE ROW LEVEL SECURITY;
ALTER TABLE "documents" DISABLE ROW LEVEL SECURITY;

-- Revoke
REVOKE ALL ON "deals" FROM "trato_app";

-- DisableRowLevelSecurity
DROP POLICY "tenant_isolation" ON "deals";
ALTER TABLE "deals" NO FORCE ROW LEVEL SECURITY;
ALTER TABLE "deals" DISABLE ROW LEVEL SECURITY;

-- Revoke
REVOKE ALL ON "companies" FROM "trato_app";

-- DisableRowLevelSecurity
DROP POLICY "tenant_isolation" ON "companies";
ALTER TABLE "companies" NO FORCE ROW LEVEL SECURITY;
ALTER TABLE "companies" DISABLE ROW LEVEL SECURITY;

-- Revoke
REVOKE ALL ON "organization_members" FROM "trato_app";

-- DisableRowLevelSecurity
DROP POLICY "tenant_isolation" ON "organization_members";
ALTER TABLE "organization_members" NO FORCE ROW LEVEL SECURITY;
ALTER TABLE "organization_members" DISABLE ROW LEVEL SECURITY;

-- Revoke
REVOKE ALL ON "organizations" FROM "trato_app";

-- DisableRowLevelSecurity
DROP POLICY "tenant_isolation" ON "organizations";
ALTER TABLE "organizations" NO FORCE ROW LEVEL SECURITY;
ALTER TABLE "organizations" DISABLE ROW LEVEL SECURITY;

-- Revoke
REVOKE ALL ON "verification_tokens" FROM "trato_app";

-- Revoke
REVOKE ALL ON "sessions" FROM "trato_app";

-- Revoke
REVOKE ALL ON "accounts" FROM "trato_app";

-- Revoke
REVOKE ALL ON "users" FROM "trato_app";

-- DropForeignKey
ALTER TABLE "activities" DROP CONSTRAINT "activities_document_id_fkey";

-- DropForeignKey
ALTER TABLE "activities" DROP CONSTRAINT "activities_deal_id_fkey";

-- DropForeignKey
ALTER TABLE "activities" DROP CONSTRAINT "activities_user_id_fkey";

-- DropForeignKey
ALTER TABLE "activities" DROP CONSTRAINT "activities_organization_id_fkey";

-- DropForeignKey
ALTER TABLE "facts" DROP CONSTRAINT "facts_chunk_id_fkey";

-- DropForeignKey
ALTER TABLE "facts" DROP CONSTRAINT "facts_document_id_fkey";

-- DropForeignKey
ALTER TABLE "facts" DROP CONSTRAINT "facts_company_id_fkey";

-- DropForeignKey
ALTER TABLE "facts" DROP CONSTRAINT "facts_organization_id_fkey";

-- DropForeignKey
ALTER TABLE "document_chunks" DROP CONSTRAINT "document_chunks_document_id_fkey";

-- DropForeignKey
ALTER TABLE "document_chunks" DROP CONSTRAINT "document_chunks_organization_id_fkey";

-- DropForeignKey
ALTER TABLE "documents" DROP CONSTRAINT "documents_uploaded_by_id_fkey";

-- DropForeignKey
ALTER TABLE "documents" DROP CONSTRAINT "documents_company_id_fkey";

-- DropForeignKey
ALTER TABLE "documents" DROP CONSTRAINT "documents_deal_id_fkey";

-- DropForeignKey
ALTER TABLE "documents" DROP CONSTRAINT "documents_organization_id_fkey";

-- DropForeignKey
ALTER TABLE "deals" DROP CONSTRAINT "deals_company_id_fkey";

-- DropForeignKey
ALTER TABLE "deals" DROP CONSTRAINT "deals_organization_id_fkey";

-- DropForeignKey
ALTER TABLE "companies" DROP CONSTRAINT "companies_organization_id_fkey";

-- DropForeignKey
ALTER TABLE "organization_members" DROP CONSTRAINT "organization_members_user_id_fkey";

-- DropForeignKey
ALTER TABLE "organization_members" DROP CONSTRAINT "organization_members_organization_id_fkey";

-- DropForeignKey
ALTER TABLE "sessions" DROP CONSTRAINT "sessions_user_id_fkey";

-- DropForeignKey
ALTER TABLE "accounts" DROP CONSTRAINT "accounts_user_id_fkey";

-- DropIndex
DROP INDEX "activities_organization_id_type_idx";

-- DropIndex
DROP INDEX "activities_organization_id_deal_id_idx";

-- DropIndex
DROP INDEX "activities_organization_id_created_at_idx";

-- DropIndex
DROP INDEX "facts_organization_id_type_idx";

-- DropIndex
DROP INDEX "facts_organization_id_document_id_idx";

-- DropIndex
DROP INDEX "facts_organization_id_company_id_idx";

-- DropIndex
DROP INDEX "document_chunks_organization_id_document_id_idx";

-- DropIndex
DROP INDEX "document_chunks_organization_id_document_id_chunk_index_key";

-- DropIndex
DROP INDEX "document_chunks_organization_id_vector_id_key";

-- DropIndex
DROP INDEX "documents_organization_id_company_id_idx";

-- DropIndex
DROP INDEX "documents_organization_id_deal_id_idx";

-- DropIndex
DROP INDEX "documents_organization_id_status_idx";

-- DropIndex
DROP INDEX "deals_organization_id_created_at_idx";

-- DropIndex
DROP INDEX "deals_organization_id_company_id_idx";

-- DropIndex
DROP INDEX "deals_organization_id_stage_idx";

-- DropIndex
DROP INDEX "companies_organization_id_name_idx";

-- DropIndex
DROP INDEX "companies_organization_id_status_idx";

-- DropIndex
DROP INDEX "organization_members_organization_id_role_idx";

-- DropIndex
DROP INDEX "organization_members_organization_id_user_id_key";

-- DropIndex
DROP INDEX "organizations_slug_key";

-- DropIndex
DROP INDEX "verification_tokens_token_key";

-- DropIndex
DROP INDEX "sessions_user_id_idx";

-- DropIndex
DROP INDEX "sessions_session_token_key";

-- DropIndex
DROP INDEX "accounts_user_id_idx";

-- DropIndex
DROP INDEX "accounts_provider_provider_account_id_key";

-- DropIndex
DROP INDEX "users_email_key";

-- DropTable
DROP TABLE "activities";

-- DropTable
DROP TABLE "facts";

-- DropTable
DROP TABLE "document_chunks";

-- DropTable
DROP TABLE "documents";

-- DropTable
DROP TABLE "deals";

-- DropTable
DROP TABLE "companies";

-- DropTable
DROP TABLE "organization_members";

-- DropTable
DROP TABLE "organizations";

-- DropTable
DROP TABLE "verification_tokens";

-- DropTable
DROP TABLE "sessions";

-- DropTable
DROP TABLE "accounts";

-- DropTable
DROP TABLE "users";

-- DropEnum
DROP TYPE "ActivityType";

-- DropEnum
DROP TYPE "FactType";

-- DropEnum
DROP TYPE "DocumentStatus";

-- DropEnum
DROP TYPE "DocumentType";

-- DropEnum
DROP TYPE "DealType";

-- DropEnum
DROP TYPE "DealStage";

-- DropEnum
DROP TYPE "CompanyStatus";

-- DropEnum
DROP TYPE "OrganizationRole";

-- Tenancy
DROP FUNCTION "trato_current_tenant"();
DROP FUNCTION "trato_set_tenant"(TEXT);
REVOKE USAGE ON SCHEMA public FROM "trato_app";
