-- DropIndex
DROP INDEX "companies_organization_id_name_key";

-- AlterTable
ALTER TABLE "deals" DROP COLUMN "deleted_at";

-- AlterTable
ALTER TABLE "companies" DROP COLUMN "deleted_at";

-- CreateIndex
CREATE INDEX "companies_organization_id_name_idx" ON "companies"("organization_id", "name");
