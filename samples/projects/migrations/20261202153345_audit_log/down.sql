-- Revoke
REVOKE ALL ON "Event" FROM "trato_app";

-- DisableRowLevelSecurity
DROP POLICY "tenant_isolation" ON "Event";
ALTER TABLE "Event" NO FORCE ROW LEVEL SECURITY;
ALTER TABLE "Event" DISABLE ROW LEVEL SECURITY;

-- DropForeignKey
ALTER TABLE "Event" DROP CONSTRAINT "Event_task_id_fkey";

-- DropForeignKey
ALTER TABLE "Event" DROP CONSTRAINT "Event_workspace_key_fkey";

-- DropIndex
DROP INDEX "Event_workspace_key_at_idx";

-- DropTable
DROP TABLE "Event";

-- DropEnum
DROP TYPE "EventKind";
