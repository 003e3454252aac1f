-- DropIndex
DROP INDEX "companies_organization_id_name_idx";

-- AlterTable
ALTER TABLE "companies" ADD COLUMN "deleted_at" TIMESTAMPTZ(3);

-- AlterTable
ALTER TABLE "deals" ADD COLUMN "deleted_at" TIMESTAMPTZ(3);

-- CreateIndex
CREATE UNIQUE INDEX "companies_organization_id_name_key" ON "companies"("organization_id", "name") WHERE "deleted_at" IS NULL;
